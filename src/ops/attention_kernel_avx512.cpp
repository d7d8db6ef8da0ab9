// The attention kernel for AVX-512 CPUs. Only this file is compiled for AVX-512 (by pragma, not
// by build flags), and it runs only after a CPU check, so the binary stays portable.
#include "ops/x86_intrinsics.h"

#include <cstdint>

#include "ops/attention_kernel.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")

#include "ops/avx512_math.h"

namespace bertcls::detail {
namespace avx512 {

struct Vec {
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
    static float hmax(V v) { return _mm512_reduce_max_ps(v); }
    static float hsum(V v) { return _mm512_reduce_add_ps(v); }
    static V exp(V x) { return avx512_math::exp(x); }
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

#include "ops/attention_kernel_impl.inc"

}  // namespace avx512

void attention_head_avx512(const AttentionHead& head, float* scratch) { avx512::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
