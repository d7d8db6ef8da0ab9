#pragma once
// The position-wise FFN: hidden = LayerNorm(hidden + W2·act(W1·hidden + b1) + b2). The
// activation and the residual add run as matmul post-ops.
#include <vector>

#include "format/model_file.h"
#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace bertcls {

class FeedForward {
public:
    FeedForward(const ModelFile& model, int64_t weight_set, ComputeType compute);

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
