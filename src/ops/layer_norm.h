#pragma once
// In-place LayerNorm over the last dimension of a [rows, width] buffer, with scale and shift.
#include <cstdint>
#include <unordered_map>

#include <dnnl.hpp>

#include "format/safetensors.h"

namespace bertcls {

class LayerNorm {
public:
    LayerNorm(const TensorInfo& weight, const TensorInfo& bias, double epsilon);

    void forward(float* data, int64_t rows);

private:
    int64_t width_;
    const float* weight_;
    const float* bias_;
    float epsilon_;
    std::unordered_map<int64_t, dnnl::layer_normalization_forward> primitives_;
};

}  // namespace bertcls
