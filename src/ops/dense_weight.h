#pragma once
// A dense layer's weight as the model file stores it: logically [out, in] (PyTorch layout) in
// F32, BF16, or I8 with one F32 scale per output row (w ≈ q * scale[n], docs/FORMAT.md).
//
// The bytes are either row-major [out, in] or, for a weight the converter stored "blocked", in
// the layout oneDNN's AVX-512 GEMM kernels read directly (BA16a64b for F32, BA16a64b2a for
// BF16, BA16a64b4a for I8, of the [in, out] matrix), as our own f32 kernels do on AVX-512 and
// AVX2 CPUs (ops/blocked_gemm.h), so it runs from the mapped file with no packing at load and
// no re-blocking per call.
#include <cstdint>

#include "util/tensor.h"

namespace bertcls {

struct DenseWeight {
    const TensorInfo* values = nullptr;
    const TensorInfo* scales = nullptr;  // I8 only
    bool blocked = false;

    int64_t out() const { return values->shape.at(0); }
    int64_t in() const { return values->shape.at(1); }
    // Where element (n, k) is, in elements from the start of the tensor.
    int64_t offset(int64_t n, int64_t k) const;
    // Row n in f32 (exact for F32 and BF16; dequantized for I8).
    void row_as_f32(int64_t n, float* row) const;
    // Row n of an I8 weight, as stored.
    void row_as_s8(int64_t n, int8_t* row) const;
};

// The blocked layout's block sizes: 64 output rows by 16 * pack inputs, where `pack` inputs
// sit next to each other (the VNNI pairs and quads of BF16 and I8). A weight is stored blocked
// only when its sizes are multiples of these.
int64_t blocked_pack(DType dtype);
bool can_store_blocked(DType dtype, int64_t out, int64_t in);

}  // namespace bertcls
