#pragma once
// Multi-head self-attention over packed sequences (BERT and the families that share its layers).
// Q, K and V come from one fused projection; scores, softmax and the weighted sum run in one
// fused kernel per (sequence, head), all of them in one parallel loop (no padding, so no mask);
// then the output projection, residual and LayerNorm of every post-LN layer
// (layers/post_norm_attention.h).
#include <cstdint>

#include "layers/post_norm_attention.h"

namespace bertcls {

class SelfAttention final : public PostNormAttention {
public:
    SelfAttention(const SelfAttentionWeights& weights, int64_t heads, double layer_norm_eps, const MappedFile* source,
                  ComputeType compute)
        : PostNormAttention(weights, heads, layer_norm_eps, source, compute) {}

private:
    float* attend(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                  AttentionMaps* maps, Workspace& work) override;
    // Q, K and V of every row into qkv_out ([rows, 3H]). Given first_rows, and where the fused
    // projection can split its outputs, K and V of every row but Q of the first rows only: the
    // other rows' queries are never read (a third of a classifier's last QKV projection).
    void project(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                 float* qkv_out, Workspace& work);
};

}  // namespace bertcls
