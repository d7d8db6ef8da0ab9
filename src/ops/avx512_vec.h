#pragma once
// The 16-float AVX-512 vector type the attention kernel (attention_kernel_impl.inc) and the
// vector functions (vec_math.h) are written against. Include it only inside a
// `#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,...")` region of a file that runs after
// a CPU check.
#include "ops/x86_intrinsics.h"
#include "ops/vec_math.h"

#include <cstdint>

namespace bertcls::detail {

struct Avx512Vec {
    using V = __m512;
    static constexpr int W = 16;
    static constexpr int kRows = 6;
    static constexpr int kCols = 4;
    static V zero() { return _mm512_setzero_ps(); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
    static V loadn(const float* p, int n) { return _mm512_maskz_loadu_ps(mask(n), p); }
    static void storen(float* p, V v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }
    static V min(V a, V b) { return _mm512_min_ps(a, b); }
    static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
    static V abs(V x) { return _mm512_abs_ps(x); }
    static V and_(V a, V b) { return _mm512_and_ps(a, b); }
    static V or_(V a, V b) { return _mm512_or_ps(a, b); }
    static V round_nearest(V x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static V times_pow2(V p, V n) { return _mm512_scalef_ps(p, n); }
    static V rcp_estimate(V x) { return _mm512_rcp14_ps(x); }  // 14 bits
    static float hmax(V v) { return _mm512_reduce_max_ps(v); }
    static float hsum(V v) { return _mm512_reduce_add_ps(v); }
    static V exp(V x) { return vec_math::exp<Avx512Vec>(x); }
    // dst[c][r] = src[r][c] for a 16 x 16 block, in registers: 32 unpacks, then 32 lane shuffles.
    static void transpose(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
        V r[16], t[16];
        for (int i = 0; i < 16; ++i) r[i] = load(src + i * src_stride);
        for (int i = 0; i < 16; i += 2) {
            t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
        }
        // Now r[4i + m], 128-bit lane k, is column 4k + m of rows 4i .. 4i + 3.
        for (int i = 0; i < 16; i += 4) {
            r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
            r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
            r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
            r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        }
        // Column 4k + m gathers lane k of r[m], r[4 + m], r[8 + m] and r[12 + m].
        for (int m = 0; m < 4; ++m) {
            const V even_lo = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88), even_hi = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88);
            const V odd_lo = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xdd), odd_hi = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xdd);
            store(dst + m * dst_stride, _mm512_shuffle_f32x4(even_lo, even_hi, 0x88));
            store(dst + (8 + m) * dst_stride, _mm512_shuffle_f32x4(even_lo, even_hi, 0xdd));
            store(dst + (4 + m) * dst_stride, _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88));
            store(dst + (12 + m) * dst_stride, _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xdd));
        }
    }
};

}  // namespace bertcls::detail
