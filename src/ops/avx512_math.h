#pragma once
// Vectorised f32 functions for the AVX-512 kernels (attention's softmax, the GEMM's activations).
// Include only from a file compiled for AVX-512 by `#pragma GCC target`, after that pragma.
#include "ops/x86_intrinsics.h"

namespace bertcls::avx512_math {

// Cephes expf: 2^n * e^r with |r| <= ln2/2, about 1 ulp; inputs below -87.3 give ~1e-38.
inline __m512 exp(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.3f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// 1 / x to full precision: the 14-bit estimate and one Newton step, far cheaper than a division.
inline __m512 reciprocal(__m512 x) {
    const __m512 r = _mm512_rcp14_ps(x);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(x, r, _mm512_set1_ps(2.0f)));
}

// tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)): absolute error about 1e-7, no overflow.
inline __m512 tanh(__m512 x) {
    const __m512 sign = _mm512_and_ps(x, _mm512_set1_ps(-0.0f));
    const __m512 e = exp(_mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(2.0f)));
    const __m512 t = _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), reciprocal(_mm512_add_ps(e, _mm512_set1_ps(1.0f))),
                                      _mm512_set1_ps(1.0f));
    return _mm512_or_ps(t, sign);
}

// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), as oneDNN's gelu_erf uses.
inline __m512 erf(__m512 x) {
    const __m512 sign = _mm512_and_ps(x, _mm512_set1_ps(-0.0f));
    const __m512 a = _mm512_abs_ps(x);
    const __m512 t = reciprocal(_mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    const __m512 e = exp(_mm512_mul_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(-1.0f)));
    const __m512 y = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0f));
    return _mm512_or_ps(y, sign);
}

inline __m512 relu(__m512 x) { return _mm512_max_ps(x, _mm512_setzero_ps()); }

// 0.5 x (1 + erf(x / sqrt 2)): BERT's "gelu".
inline __m512 gelu_erf(__m512 x) {
    const __m512 e = erf(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)));
    return _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)), _mm512_add_ps(e, _mm512_set1_ps(1.0f)));
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): "gelu_new".
inline __m512 gelu_tanh(__m512 x) {
    const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
    const __m512 inner = _mm512_mul_ps(_mm512_fmadd_ps(x3, _mm512_set1_ps(0.044715f), x), _mm512_set1_ps(0.79788456080286536f));
    return _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)), _mm512_add_ps(tanh(inner), _mm512_set1_ps(1.0f)));
}

}  // namespace bertcls::avx512_math
