#include "layers/post_norm_attention.h"

#include <algorithm>

namespace bertcls {

PostNormAttention::PostNormAttention(const SelfAttentionWeights& weights, int64_t heads, double layer_norm_eps,
                                     const MappedFile* source, ComputeType compute)
    : hidden_(weights.output.out()),
      heads_(heads),
      head_size_(hidden_ / heads),
      qkv_(weights.qkv, *weights.qkv_bias, {}, source, compute),
      output_(weights.output, *weights.output_bias, LinearEpilogue{.accumulate = true}, source, compute),
      norm_(weights.norm, layer_norm_eps) {}

void PostNormAttention::forward(float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps,
                                Workspace& work) {
    output_.forward(attend(hidden, rows, batch, nullptr, maps, work), rows, hidden);
    norm_.forward(hidden, rows);
}

void PostNormAttention::forward_first_tokens(const float* hidden, int64_t rows, const PackedBatch& batch,
                                             float* first_tokens, Workspace& work) {
    batch.gather_first_rows(hidden, hidden_, first_tokens);  // the queries' input, and the residual
    float* context = attend(hidden, rows, batch, first_tokens, nullptr, work);
    const int64_t first_rows = padded_rows(batch.sequences());
    // Rows past the sequences are padding: give the projection defined input.
    std::fill(context + batch.sequences() * hidden_, context + first_rows * hidden_, 0.0f);
    output_.forward(context, first_rows, first_tokens);
    norm_.forward(first_tokens, first_rows);
}

}  // namespace bertcls
