#pragma once
// Converting f32 activations to the input type of a bf16 or int8 GEMM, once per call. Both
// read a [rows, cols] matrix with row stride `stride` and write it contiguous.
#include <cstdint>

namespace bertcls {

// Round to nearest even, as hardware conversions and the converter do; NaN stays NaN.
void convert_to_bf16(const float* x, int64_t rows, int64_t cols, int64_t stride, uint16_t* out);

// Dynamic asymmetric quantization, one scale per row (per token): x[m, k] ≈ scale[m] * (q - zero_point[m]),
// with each row's range widened to include 0 so that zero (padding rows) is exact. Per row, so a
// token's result does not depend on the other rows of its batch.
void quantize_rows_to_u8(const float* x, int64_t rows, int64_t cols, int64_t stride, uint8_t* out, float* scales,
                         int32_t* zero_points);

}  // namespace bertcls
