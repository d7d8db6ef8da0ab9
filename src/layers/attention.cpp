#include "layers/attention.h"

#include <algorithm>
#include <cmath>

#include "ops/attention_kernel.h"

namespace bertcls {

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

float* SelfAttention::attend(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                             AttentionMaps* maps, Workspace& work) {
    const int64_t H = hidden_, d = head_size_;
    float* qkv = Workspace::reserve(work.qkv, static_cast<std::size_t>(rows * 3 * H));
    float* context = Workspace::reserve(work.context, static_cast<std::size_t>(rows * H));
    project(hidden, rows, batch, first_rows, qkv, work);
    const HeadTasks heads{batch, H, heads_, d, qkv, context, first_rows != nullptr, maps};
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    heads.for_each(attention_scratch_floats(batch.max_length(), d), work, [&](int64_t s, int64_t h, float* scratch) {
        attention_head(heads.head<AttentionHead>(s, h, scale), scratch);
    });
    return context;
}

}  // namespace bertcls
