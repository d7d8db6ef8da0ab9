#pragma once
// Converting f32 activations to the input type of a bf16 or int8 GEMM, once per call. Both
// read a [rows, cols] matrix with row stride `stride` and write it contiguous.
#include <cstdint>

namespace bertcls {

// Round to nearest even, as hardware conversions and the converter do; NaN stays NaN.
void convert_to_bf16(const float* x, int64_t rows, int64_t cols, int64_t stride, uint16_t* out);

// Dynamic asymmetric quantization over the whole matrix: x ≈ scale * (q - zero_point), with the
// range widened to include 0 so that zero (padding rows) is exact.
struct ActivationQuantization {
    float scale;
    int32_t zero_point;
};
ActivationQuantization quantize_to_u8(const float* x, int64_t rows, int64_t cols, int64_t stride, uint8_t* out);

}  // namespace bertcls
