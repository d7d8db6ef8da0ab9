#include "layers/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "ops/attention_kernel.h"

namespace bertcls {

SelfAttention::SelfAttention(const SelfAttentionWeights& weights, int64_t heads, double layer_norm_eps,
                             const MappedFile* source, ComputeType compute)
    : hidden_(weights.output.out()),
      heads_(heads),
      head_size_(hidden_ / heads),
      qkv_(weights.qkv, *weights.qkv_bias, {}, source, compute),
      output_(weights.output, *weights.output_bias, LinearEpilogue{.accumulate = true}, source, compute),
      norm_(weights.norm, layer_norm_eps) {}

void SelfAttention::project(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                            float* qkv_out, Workspace& work) {
    if (!first_rows || !qkv_.computes_column_ranges()) {
        qkv_.forward(hidden, rows, qkv_out);
        return;
    }
    const int64_t H = hidden_, B = batch.sequences();
    qkv_.forward_columns(hidden, rows, qkv_out, 3 * H, H, 3 * H);
    float* queries = Workspace::reserve(work.first_queries, static_cast<std::size_t>(B * H));
    qkv_.forward_columns(first_rows, B, queries, H, 0, H);
    for (int64_t s = 0; s < B; ++s) std::copy_n(queries + s * H, H, qkv_out + batch.offsets[s] * 3 * H);
}

const float* SelfAttention::attend(const float* hidden, int64_t rows, const PackedBatch& batch,
                                  const float* first_rows, AttentionMaps* maps, Workspace& work) {
    const int64_t H = hidden_, d = head_size_, heads = heads_;
    float* qkv_out = Workspace::reserve(work.qkv, static_cast<std::size_t>(rows * 3 * H));
    float* context = Workspace::reserve(work.context, static_cast<std::size_t>(rows * H));
    const auto threads = static_cast<std::size_t>(omp_get_max_threads());
    const auto per_thread = (attention_scratch_floats(batch.max_length(), d) + 15) / 16 * 16;
    float* scratch = Workspace::reserve(work.attention_scratch, per_thread * threads);
    project(hidden, rows, batch, first_rows, qkv_out, work);
    if (maps) {
        maps->resize(static_cast<std::size_t>(batch.sequences()));
        for (int64_t s = 0; s < batch.sequences(); ++s)
            (*maps)[s].resize(static_cast<std::size_t>(heads * batch.length(s) * batch.length(s)));
    }

    const int64_t queries = first_rows ? 1 : 0;
    const int64_t tasks = batch.sequences() * heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    const float* qkv = qkv_out;
#pragma omp parallel for schedule(dynamic, 1) if (tasks > 1)
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t s = task / heads, h = task % heads;
        const int64_t first = batch.offsets[s], L = batch.length(s);
        const int64_t context_row = queries > 0 ? s * queries : first;
        const float* q = qkv + first * 3 * H + h * d;
        AttentionHead args{.q = q,
                           .k = q + H,
                           .v = q + 2 * H,
                           .qkv_stride = 3 * H,
                           .length = L,
                           .head_size = d,
                           .scale = scale,
                           .queries = queries,
                           .context = context + context_row * H + h * d,
                           .context_stride = H,
                           .probs = maps ? (*maps)[s].data() + h * L * L : nullptr};
        attention_head(args, scratch + per_thread * omp_get_thread_num());
    }
    return context;
}

void SelfAttention::forward(float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps,
                            Workspace& work) {
    output_.forward(attend(hidden, rows, batch, nullptr, maps, work), rows, hidden);
    norm_.forward(hidden, rows);
}

void SelfAttention::forward_first_tokens(const float* hidden, int64_t rows, const PackedBatch& batch,
                                         float* first_tokens, Workspace& work) {
    batch.gather_first_rows(hidden, hidden_, first_tokens);  // the queries' input, and the residual
    const float* context = attend(hidden, rows, batch, first_tokens, nullptr, work);
    const int64_t first_rows = padded_rows(batch.sequences());
    output_.forward(context, first_rows, first_tokens);
    norm_.forward(first_tokens, first_rows);
}

}  // namespace bertcls
