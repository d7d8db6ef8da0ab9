// The attention kernel for AVX-512 CPUs. Only this file is compiled for AVX-512 (by pragma, not
// by build flags), and it runs only after a CPU check, so the binary stays portable.
#include <immintrin.h>

#include <cstdint>

#include "ops/attention_kernel.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
// GCC 12 flags the _mm512_undefined_ps() inside its own reduce/roundscale intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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
};

#include "ops/attention_kernel_impl.inc"

}  // namespace avx512

void attention_head_avx512(const AttentionHead& head, float* scratch) { avx512::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
