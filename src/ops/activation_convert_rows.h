#pragma once
// The per-row loops behind activation_convert.h, in a portable version and an AVX-512 one
// (activation_convert_avx512.cpp), chosen at run time.
#include <cstdint>

namespace bertcls::detail {

namespace portable {
void row_to_bf16(const float* x, int64_t n, uint16_t* out);
void row_range(const float* x, int64_t n, float& lo, float& hi);
void row_to_u8(const float* x, int64_t n, float inverse_scale, float zero_point, uint8_t* out);
}  // namespace portable

namespace avx512 {
void row_to_bf16(const float* x, int64_t n, uint16_t* out);
void row_range(const float* x, int64_t n, float& lo, float& hi);
void row_to_u8(const float* x, int64_t n, float inverse_scale, float zero_point, uint8_t* out);
}  // namespace avx512

}  // namespace bertcls::detail
