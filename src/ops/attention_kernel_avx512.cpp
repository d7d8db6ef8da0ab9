// The attention kernel for AVX-512 CPUs. Only this file is compiled for AVX-512 (by pragma, not
// by build flags), and it runs only after a CPU check, so the binary stays portable.
#include <immintrin.h>

#include <cstdint>

#include "ops/attention_kernel.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
// GCC 12 flags the _mm512_undefined_ps() inside its own reduce/roundscale intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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
    // Cephes expf: 2^n * e^r with |r| <= ln2/2, about 1 ulp; inputs below -87.3 give ~1e-38.
    static V exp(V x) {
        x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
        x = _mm512_min_ps(x, _mm512_set1_ps(88.3f));
        const V n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        V r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
        r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
        V p = _mm512_set1_ps(1.9875691500e-4f);
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
        p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
        return _mm512_scalef_ps(p, n);
    }
};

#include "ops/attention_kernel_impl.inc"

}  // namespace avx512

void attention_head_avx512(const AttentionHead& head, float* scratch) { avx512::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
