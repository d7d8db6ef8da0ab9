#pragma once
// In-place LayerNorm over the last dimension of a [rows, width] buffer, with scale and shift.
//
// Our own loop rather than oneDNN's primitive: it holds no per-shape state, so any number of
// threads can run one LayerNorm on different batches at once (SequenceClassifier::forward_batches),
// and a new row count costs nothing to set up.
#include <cstdint>

#include "util/tensor.h"

namespace bertcls {

// A LayerNorm's scale and shift, [width] each.
struct LayerNormWeights {
    const TensorInfo* weight = nullptr;
    const TensorInfo* bias = nullptr;
};

class LayerNorm {
public:
    LayerNorm(const TensorInfo& weight, const TensorInfo& bias, double epsilon);
    LayerNorm(const LayerNormWeights& weights, double epsilon) : LayerNorm(*weights.weight, *weights.bias, epsilon) {}

    void forward(float* data, int64_t rows) const;

private:
    int64_t width_;
    const float* weight_;
    const float* bias_;
    float epsilon_;
};

}  // namespace bertcls
