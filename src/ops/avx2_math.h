#pragma once
// Vectorised f32 functions for the AVX2 + FMA kernels (attention's softmax, the GEMM's
// activations): the AVX-512 ones (avx512_math.h) on 8-wide vectors, the same formulas and
// constants. Include only from a file compiled for AVX2 and FMA by `#pragma GCC target`, after
// that pragma.
#include "ops/x86_intrinsics.h"

namespace bertcls::avx2_math {

// Cephes expf, as in avx512_math.h; 2^n is built in the exponent bits (n >= -126 here).
inline __m256 exp(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// 1 / x: the 12-bit estimate and one Newton step (about 23 bits), far cheaper than a division.
inline __m256 reciprocal(__m256 x) {
    const __m256 r = _mm256_rcp_ps(x);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(x, r, _mm256_set1_ps(2.0f)));
}

inline __m256 abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)): no overflow.
inline __m256 tanh(__m256 x) {
    const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    const __m256 e = exp(_mm256_mul_ps(abs(x), _mm256_set1_ps(2.0f)));
    const __m256 t = _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), reciprocal(_mm256_add_ps(e, _mm256_set1_ps(1.0f))),
                                      _mm256_set1_ps(1.0f));
    return _mm256_or_ps(t, sign);
}

// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), as oneDNN's gelu_erf uses.
inline __m256 erf(__m256 x) {
    const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    const __m256 a = abs(x);
    const __m256 t = reciprocal(_mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    const __m256 e = exp(_mm256_mul_ps(_mm256_mul_ps(a, a), _mm256_set1_ps(-1.0f)));
    const __m256 y = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
    return _mm256_or_ps(y, sign);
}

inline __m256 relu(__m256 x) { return _mm256_max_ps(x, _mm256_setzero_ps()); }

// 0.5 x (1 + erf(x / sqrt 2)): BERT's "gelu".
inline __m256 gelu_erf(__m256 x) {
    const __m256 e = erf(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)), _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): "gelu_new".
inline __m256 gelu_tanh(__m256 x) {
    const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    const __m256 inner =
        _mm256_mul_ps(_mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f), x), _mm256_set1_ps(0.79788456080286536f));
    return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)), _mm256_add_ps(tanh(inner), _mm256_set1_ps(1.0f)));
}

}  // namespace bertcls::avx2_math
