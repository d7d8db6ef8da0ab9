#pragma once
// y = x · Wᵀ + b for a PyTorch-layout weight W [out, in], as one oneDNN matmul with the
// activation and the residual add fused as post-ops.
//
// Until pack() is called the weight is read in place from the mapped file (zero-copy; oneDNN
// re-blocks panels of it on every call). pack() re-lays it out once into the blocked format the
// GEMM kernels read directly (format_tag::any), then hands the mapped source pages back to the
// kernel so the model stays resident once. Packing costs a pass over the weights and a fresh
// allocation, which a process classifying one input never earns back, so the owner decides when.
// Primitives are built once per (row count, input stride) and reused.
#include <cstdint>
#include <memory>
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
    // `source`, when given, is the mapping `weight` lives in: its pages are released after packing.
    Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue = {},
           const MappedFile* source = nullptr);

    int64_t in_features() const { return in_; }
    int64_t out_features() const { return out_; }

    // x: [rows, in] with row stride `x_stride` (0 = in); y: [rows, out] contiguous.
    void forward(const float* x, int64_t rows, float* y, int64_t x_stride = 0);

    // Switches to a packed copy of the weight (idempotent). Not while forward runs.
    void pack();
    bool packed() const { return packed_ != nullptr; }
    // Bytes of the packed copy (0 until packed).
    std::size_t packed_bytes() const { return packed_ ? weight_md_.get_size() : 0; }

private:
    struct AlignedFree {
        void operator()(float* p) const;
    };
    int64_t in_, out_;
    const TensorInfo* weight_;
    const float* bias_;
    LinearEpilogue epilogue_;
    const MappedFile* source_;
    dnnl::memory::desc weight_md_;  // the mapped [out, in] weight, then the packed layout
    std::unique_ptr<float, AlignedFree> packed_;
    dnnl::memory weight_mem_, bias_mem_;
    std::unordered_map<int64_t, dnnl::matmul> primitives_;  // keyed on rows and stride
};

// oneDNN's eltwise algorithm for an activation.
dnnl::algorithm eltwise_algorithm(Activation activation);

}  // namespace bertcls
