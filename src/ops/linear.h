#pragma once
// y = x · Wᵀ + b for a PyTorch-layout weight W [out, in], as one oneDNN matmul with the
// activation and the residual add fused as post-ops. Primitives are built once per row count
// and reused.
#include <cstdint>
#include <optional>
#include <unordered_map>

#include <dnnl.hpp>

#include "format/safetensors.h"
#include "models/model_config.h"

namespace bertcls {

struct LinearEpilogue {
    std::optional<Activation> activation;
    // Adds what `y` holds before the call (y = x·Wᵀ + b + y), so residuals need no extra pass.
    bool accumulate = false;
};

class Linear {
public:
    Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue = {});

    int64_t in_features() const { return in_; }
    int64_t out_features() const { return out_; }

    // x: [rows, in] with row stride `x_stride` (0 = in); y: [rows, out] contiguous.
    void forward(const float* x, int64_t rows, float* y, int64_t x_stride = 0);

private:
    int64_t in_, out_;
    const float* weight_;
    const float* bias_;
    LinearEpilogue epilogue_;
    std::unordered_map<int64_t, dnnl::matmul> primitives_;  // keyed on rows and stride
};

// oneDNN's eltwise algorithm for an activation.
dnnl::algorithm eltwise_algorithm(Activation activation);

}  // namespace bertcls
