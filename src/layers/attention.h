#pragma once
// Multi-head self-attention over packed sequences. Q, K and V come from one fused projection;
// scores, softmax and the weighted sum run in one fused kernel per (sequence, head), all of
// them in one parallel loop (no padding, so no mask); the output projection adds the residual
// in its epilogue before the LayerNorm.
#include <cstdint>
#include <vector>

#include "format/model_file.h"
#include "layers/packed_batch.h"
#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace bertcls {

// Where attention probabilities go when a caller asks for them: one [heads, L, L] array per
// sequence. Null means they are not kept, and nothing is copied.
using AttentionMaps = std::vector<std::vector<float>>;

class SelfAttention {
public:
    SelfAttention(const ModelFile& model, int64_t weight_set, ComputeType compute);

    // hidden = LayerNorm(hidden + Attention(hidden)), in place; hidden is [rows, H] where rows
    // >= batch.tokens() (rows past the real tokens are padding that only the dense layers see).
    void forward(float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps, Workspace& work);

    void pack_weights() {
        qkv_.pack();
        output_.pack();
    }

private:
    int64_t hidden_, heads_, head_size_;
    Linear qkv_;
    Linear output_;
    LayerNorm norm_;
};

}  // namespace bertcls
