// The row loops of activation_convert.cpp for AVX-512 CPUs (GCC does not vectorise the scalar
// versions: the clamps and the float-to-byte conversion defeat it). Only this file is compiled
// for AVX-512, and it runs only after a CPU check, so the binary stays portable.
#include "ops/x86_intrinsics.h"

#include <cstdint>

#include "ops/activation_convert_rows.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl")

namespace bertcls::detail::avx512 {

namespace {

__mmask16 tail_mask(int64_t remaining) {
    return remaining >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << remaining) - 1);
}

}  // namespace

void row_to_bf16(const float* x, int64_t n, uint16_t* out) {
    const __m512i round_bias = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x40);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        const __m512i u = _mm512_castps_si512(v);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
        __m512i bf = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, round_bias), lsb), 16);
        const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        bf = _mm512_mask_or_epi32(bf, nan, _mm512_srli_epi32(u, 16), quiet);
        // The register form of the narrowing move: its memory form is microcoded on some CPUs.
        const __m256i narrow = _mm512_cvtepi32_epi16(bf);
        if (m == 0xFFFF) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), narrow);
        else _mm256_mask_storeu_epi16(out + i, m, narrow);
    }
}

void row_range(const float* x, int64_t n, float& lo, float& hi) {
    __m512 l = _mm512_set1_ps(lo), h = _mm512_set1_ps(hi);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        l = _mm512_min_ps(l, v);
        h = _mm512_max_ps(h, v);
    }
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        l = _mm512_mask_min_ps(l, m, l, v);
        h = _mm512_mask_max_ps(h, m, h, v);
    }
    lo = _mm512_reduce_min_ps(l);
    hi = _mm512_reduce_max_ps(h);
}

void row_to_u8(const float* x, int64_t n, float inverse_scale, float zero_point, uint8_t* out) {
    const __m512 inv = _mm512_set1_ps(inverse_scale), zp = _mm512_set1_ps(zero_point);
    const __m512 low = _mm512_setzero_ps(), high = _mm512_set1_ps(255.0f);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), inv, zp);
        v = _mm512_min_ps(_mm512_max_ps(v, low), high);
        // Round half away from zero on non-negative values, as the scalar version does.
        const __m512i q = _mm512_cvttps_epi32(_mm512_add_ps(v, _mm512_set1_ps(0.5f)));
        const __m128i narrow = _mm512_cvtusepi32_epi8(q);
        if (m == 0xFFFF) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), narrow);
        else _mm_mask_storeu_epi8(out + i, m, narrow);
    }
}

}  // namespace bertcls::detail::avx512

#pragma GCC pop_options
