#pragma once
// The position-wise FFN: hidden = LayerNorm(hidden + W2·act(W1·hidden + b1) + b2). The
// activation and the residual add run as matmul post-ops.
#include <vector>

#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "util/mapped_file.h"

namespace bertcls {

// One layer's FFN weights: W1 [I, H], W2 [H, I] and the LayerNorm after the residual.
struct FeedForwardWeights {
    DenseWeight intermediate;
    const TensorInfo* intermediate_bias = nullptr;
    DenseWeight output;
    const TensorInfo* output_bias = nullptr;
    LayerNormWeights norm;
};

class FeedForward {
public:
    FeedForward(const FeedForwardWeights& weights, Activation activation, double layer_norm_eps,
                const MappedFile* source, ComputeType compute);

    void forward(float* hidden, int64_t tokens, Workspace& work);

    void pack_weights() {
        intermediate_.pack();
        output_.pack();
    }

    static constexpr int64_t kRowBlock = 512;

private:
    Linear intermediate_;
    Linear output_;
    LayerNorm norm_;
};

}  // namespace bertcls
