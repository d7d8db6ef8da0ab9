#pragma once
// Multi-head self-attention over packed sequences. Q, K and V come from one fused projection;
// scores, softmax and the weighted sum run per sequence (no padding, so no mask), and the
// output projection adds the residual in its epilogue before the LayerNorm.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "format/model_file.h"
#include "layers/packed_batch.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace bertcls {

// Where attention probabilities go when a caller asks for them: one [heads, L, L] array per
// sequence. Null means they are not kept, and nothing is copied.
using AttentionMaps = std::vector<std::vector<float>>;

class SelfAttention {
public:
    SelfAttention(const ModelFile& model, int64_t weight_set);

    // hidden = LayerNorm(hidden + Attention(hidden)), in place; hidden is [tokens, H].
    void forward(float* hidden, const PackedBatch& batch, AttentionMaps* maps);

private:
    struct SequencePrimitives {
        dnnl::matmul scores;   // Q·Kᵀ scaled, [heads, L, L]
        dnnl::softmax_forward softmax;
        dnnl::matmul context;  // P·V, written into the head's columns of the context buffer
    };
    SequencePrimitives& primitives_for(int64_t length);

    int64_t hidden_, heads_, head_size_;
    Linear qkv_;
    Linear output_;
    LayerNorm norm_;
    std::unordered_map<int64_t, SequencePrimitives> per_length_;
    std::vector<float> qkv_buffer_, context_buffer_, probs_buffer_;
};

}  // namespace bertcls
