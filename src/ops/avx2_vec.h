#pragma once
// The 8-float AVX2 + FMA vector type the attention kernels (attention_kernel_impl.inc) and the
// vector functions (vec_math.h) are written against. Include it only inside a
// `#pragma GCC target("avx2,fma")` region of a file that runs after a CPU check.
#include "ops/x86_intrinsics.h"
#include "ops/vec_math.h"

#include <cstdint>

namespace bertcls::detail {

struct Avx2Vec {
    using V = __m256;
    static constexpr int W = 8;
    static constexpr int kRows = 4;  // 16 registers: 4 x 2 accumulators + loads
    static constexpr int kCols = 2;
    static V zero() { return _mm256_setzero_ps(); }
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static __m256i mask(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static V loadn(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
    static void storen(float* p, V v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V max(V a, V b) { return _mm256_max_ps(a, b); }
    static V min(V a, V b) { return _mm256_min_ps(a, b); }
    static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
    static V abs(V x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
    static V and_(V a, V b) { return _mm256_and_ps(a, b); }
    static V or_(V a, V b) { return _mm256_or_ps(a, b); }
    static V round_nearest(V x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    // p 2^n, 2^n built in the exponent bits (n integral, -126 <= n <= 127).
    static V times_pow2(V p, V n) {
        const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    }
    static V rcp_estimate(V x) { return _mm256_rcp_ps(x); }  // 12 bits
    static float hmax(V v) {
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        return _mm_cvtss_f32(m);
    }
    static float hsum(V v) {
        __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        m = _mm_add_ps(m, _mm_movehl_ps(m, m));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        return _mm_cvtss_f32(m);
    }
    static V exp(V x) { return vec_math::exp<Avx2Vec>(x); }
    // dst[c][r] = src[r][c] for an 8 x 8 block, in registers.
    static void transpose(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
        V r[8], t[8];
        for (int i = 0; i < 8; ++i) r[i] = load(src + i * src_stride);
        for (int i = 0; i < 8; i += 2) {
            t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
        }
        // Now r[4i + m], 128-bit lane k, is column 4k + m of rows 4i .. 4i + 3.
        for (int i = 0; i < 8; i += 4) {
            r[i] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t[i]), _mm256_castps_pd(t[i + 2])));
            r[i + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(t[i]), _mm256_castps_pd(t[i + 2])));
            r[i + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(t[i + 1]), _mm256_castps_pd(t[i + 3])));
            r[i + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(t[i + 1]), _mm256_castps_pd(t[i + 3])));
        }
        for (int m = 0; m < 4; ++m) {
            store(dst + m * dst_stride, _mm256_permute2f128_ps(r[m], r[4 + m], 0x20));
            store(dst + (4 + m) * dst_stride, _mm256_permute2f128_ps(r[m], r[4 + m], 0x31));
        }
    }
};

}  // namespace bertcls::detail
