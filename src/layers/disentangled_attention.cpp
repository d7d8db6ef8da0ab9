#include "layers/disentangled_attention.h"

#include <algorithm>
#include <cmath>

#include "ops/disentangled_attention.h"

namespace bertcls {

namespace {
// Floats past each row of a transposed position table, readable by the vector kernel.
constexpr int64_t kTablePadding = 16;
}  // namespace

DisentangledAttention::DisentangledAttention(const DisentangledAttentionWeights& weights, int64_t heads,
                                             double layer_norm_eps, const RelativePositions* relative,
                                             int64_t score_terms, const MappedFile* source, ComputeType compute)
    : PostNormAttention(weights.attention, heads, layer_norm_eps, source, compute),
      scale_(1.0f / std::sqrt(static_cast<float>(head_size_ * score_terms))),
      relative_(relative) {
    if (weights.pos_key) pos_key_ = std::make_unique<Linear>(*weights.pos_key, *weights.pos_key_bias);
    if (weights.pos_query) pos_query_ = std::make_unique<Linear>(*weights.pos_query, *weights.pos_query_bias);
}

std::shared_ptr<const DisentangledAttention::PositionTables> DisentangledAttention::position_tables(int64_t length) {
    const RelativePositions& rel = *relative_;
    const int64_t rows = 2 * rel.span;
    // The rows the distances of this length reach: index[0] .. index[2 length - 2].
    const auto reach = [&](int64_t distance) {
        return std::clamp<int64_t>(rel.span + relative_bucket(distance, rel.buckets, rel.max_position), 0, rows - 1);
    };
    const int64_t lo = reach(-(length - 1)), hi = reach(length - 1) + 1;
    std::lock_guard lock(*tables_mutex_);
    if (!rel.c2p && !rel.p2c) {  // relative attention with no position terms: nothing to project
        if (!tables_) tables_ = std::make_shared<const PositionTables>();
        return tables_;
    }
    if (tables_ && tables_->lo <= lo && tables_->hi >= hi) return tables_;
    // Grow by doubling the radius around the centre, so a stream of ever longer inputs costs
    // a logarithmic number of rebuilds; each row's values do not depend on the range.
    int64_t radius = std::max(rel.span - lo, hi - rel.span);
    if (tables_) radius = std::max(radius, 2 * std::max(rel.span - tables_->lo, tables_->hi - rel.span));
    auto tables = std::make_shared<PositionTables>();
    tables->lo = std::max<int64_t>(0, rel.span - radius);
    tables->hi = std::min(rows, rel.span + radius);
    const int64_t n = tables->hi - tables->lo, H = hidden_, d = head_size_;
    const float* input = rel.embeddings.data() + tables->lo * H;
    std::vector<float> keys, queries;
    int64_t stride = H, key_at = 0, query_at = 0;
    if (pos_key_ || pos_query_) {
        if (pos_key_) pos_key_->forward(input, n, (keys = std::vector<float>(static_cast<std::size_t>(n * H))).data());
        if (pos_query_)
            pos_query_->forward(input, n, (queries = std::vector<float>(static_cast<std::size_t>(n * H))).data());
    } else {  // share_att_key: the layer's own query and key projections, bias included
        keys.resize(static_cast<std::size_t>(padded_rows(n) * 3 * H));
        std::vector<float> padded(static_cast<std::size_t>(padded_rows(n) * H), 0.0f);
        std::copy_n(input, n * H, padded.data());
        qkv_.forward(padded.data(), padded_rows(n), keys.data());
        stride = 3 * H, query_at = 0, key_at = H;
    }
    const float* key_rows = pos_key_ ? keys.data() : (pos_query_ ? nullptr : keys.data() + key_at);
    const float* query_rows = pos_query_ ? queries.data() : (pos_key_ ? nullptr : keys.data() + query_at);
    const int64_t table_stride = rows + kTablePadding;
    const auto transpose = [&](const float* src, std::vector<float>& dst) {
        dst.assign(static_cast<std::size_t>(heads_ * d * table_stride), 0.0f);
        for (int64_t m = 0; m < n; ++m)
            for (int64_t c = 0; c < H; ++c) dst[c * table_stride + tables->lo + m] = src[m * stride + c];
    };
    if (rel.c2p && key_rows) transpose(key_rows, tables->key_t);
    if (rel.p2c && query_rows) transpose(query_rows, tables->query_t);
    tables_ = tables;
    return tables_;
}

float* DisentangledAttention::attend(const float* hidden, int64_t rows, const PackedBatch& batch,
                                    const float* first_rows, AttentionMaps* maps, Workspace& work) {
    const int64_t H = hidden_, d = head_size_;
    float* qkv = Workspace::reserve(work.qkv, static_cast<std::size_t>(rows * 3 * H));
    float* context = Workspace::reserve(work.context, static_cast<std::size_t>(rows * H));
    const int64_t longest = batch.max_length();
    qkv_.forward(hidden, rows, qkv);
    std::shared_ptr<const PositionTables> tables;
    // Relative indices of each sequence length present: one table of 2 L - 1 entries per length.
    std::vector<std::vector<int32_t>> indices;
    std::vector<int64_t> index_of(static_cast<std::size_t>(batch.sequences()), 0);
    if (relative_) {
        tables = position_tables(longest);
        std::vector<int64_t> lengths;
        for (int64_t s = 0; s < batch.sequences(); ++s) lengths.push_back(batch.length(s));
        std::vector<int64_t> distinct = lengths;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        for (int64_t L : distinct) {
            auto& index = indices.emplace_back(static_cast<std::size_t>(2 * L - 1));
            relative_indices(L, relative_->span, relative_->buckets, relative_->max_position, index.data());
        }
        for (int64_t s = 0; s < batch.sequences(); ++s)
            index_of[s] = std::lower_bound(distinct.begin(), distinct.end(), lengths[s]) - distinct.begin();
    }
    const int64_t rows_of_table = relative_ ? 2 * relative_->span + kTablePadding : 0;  // the row stride
    const HeadTasks heads{batch, H, heads_, d, qkv, context, first_rows != nullptr, maps};
    heads.for_each(disentangled_scratch_floats(longest, d), work, [&](int64_t s, int64_t h, float* scratch) {
        DisentangledHead args = heads.head<DisentangledHead>(s, h, scale_);
        if (relative_) {
            args.index = indices[index_of[s]].data();
            args.pos_rows = rows_of_table;
            if (!tables->key_t.empty()) args.pos_key_t = tables->key_t.data() + h * d * rows_of_table;
            if (!tables->query_t.empty()) args.pos_query_t = tables->query_t.data() + h * d * rows_of_table;
        }
        disentangled_attention_head(args, scratch);
    });
    return context;
}

}  // namespace bertcls
