#pragma once
// A dense layer's weight as the model file stores it: [out, in] (PyTorch layout) in F32, BF16,
// or I8 with one F32 scale per output row (w ≈ q * scale[n], docs/FORMAT.md).
#include <cstdint>

#include "format/safetensors.h"

namespace bertcls {

struct DenseWeight {
    const TensorInfo* values = nullptr;
    const TensorInfo* scales = nullptr;  // I8 only

    int64_t out() const { return values->shape.at(0); }
    int64_t in() const { return values->shape.at(1); }
    // Row n in f32 (exact for F32 and BF16; dequantized for I8).
    void row_as_f32(int64_t n, float* row) const;
};

}  // namespace bertcls
