#pragma once
// Vectorised f32 functions of the kernels (attention's softmax, the GEMM's activations), written
// once over a vector type `Vec` (ops/avx2_vec.h, ops/avx512_vec.h). Include it only where Vec's
// instructions are enabled (a `#pragma GCC target` region). Vec provides, besides add, sub, mul,
// fmadd, max and set1: fnmadd (c - a b), min, zero, abs, and_, or_, round_nearest,
// times_pow2(p, n) (p 2^n for integral n in [-126, 127]) and rcp_estimate (1/x to 12 bits or more).
namespace bertcls::detail::vec_math {

// Cephes expf: 2^n e^r with |r| <= ln2/2, about 1 ulp; inputs below -87.3 give ~1e-38.
template <class Vec>
typename Vec::V exp(typename Vec::V x) {
    x = Vec::max(x, Vec::set1(-87.3f));
    x = Vec::min(x, Vec::set1(88.3f));
    const auto n = Vec::round_nearest(Vec::mul(x, Vec::set1(1.44269504088896341f)));
    auto r = Vec::fnmadd(n, Vec::set1(0.693359375f), x);
    r = Vec::fnmadd(n, Vec::set1(-2.12194440e-4f), r);
    auto p = Vec::set1(1.9875691500e-4f);
    p = Vec::fmadd(p, r, Vec::set1(1.3981999507e-3f));
    p = Vec::fmadd(p, r, Vec::set1(8.3334519073e-3f));
    p = Vec::fmadd(p, r, Vec::set1(4.1665795894e-2f));
    p = Vec::fmadd(p, r, Vec::set1(1.6666665459e-1f));
    p = Vec::fmadd(p, r, Vec::set1(5.0000001201e-1f));
    p = Vec::fmadd(p, Vec::mul(r, r), Vec::add(r, Vec::set1(1.0f)));
    return Vec::times_pow2(p, n);
}

// 1 / x: the estimate and one Newton step, far cheaper than a division.
template <class Vec>
typename Vec::V reciprocal(typename Vec::V x) {
    const auto r = Vec::rcp_estimate(x);
    return Vec::mul(r, Vec::fnmadd(x, r, Vec::set1(2.0f)));
}

// tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)): absolute error about 1e-7, no overflow.
template <class Vec>
typename Vec::V tanh(typename Vec::V x) {
    const auto sign = Vec::and_(x, Vec::set1(-0.0f));
    const auto e = exp<Vec>(Vec::mul(Vec::abs(x), Vec::set1(2.0f)));
    const auto t = Vec::fnmadd(Vec::set1(2.0f), reciprocal<Vec>(Vec::add(e, Vec::set1(1.0f))), Vec::set1(1.0f));
    return Vec::or_(t, sign);
}

// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), as oneDNN's gelu_erf uses.
template <class Vec>
typename Vec::V erf(typename Vec::V x) {
    const auto sign = Vec::and_(x, Vec::set1(-0.0f));
    const auto a = Vec::abs(x);
    const auto t = reciprocal<Vec>(Vec::fmadd(a, Vec::set1(0.3275911f), Vec::set1(1.0f)));
    auto p = Vec::set1(1.061405429f);
    p = Vec::fmadd(p, t, Vec::set1(-1.453152027f));
    p = Vec::fmadd(p, t, Vec::set1(1.421413741f));
    p = Vec::fmadd(p, t, Vec::set1(-0.284496736f));
    p = Vec::fmadd(p, t, Vec::set1(0.254829592f));
    p = Vec::mul(p, t);
    const auto e = exp<Vec>(Vec::mul(Vec::mul(a, a), Vec::set1(-1.0f)));
    const auto y = Vec::fnmadd(p, e, Vec::set1(1.0f));
    return Vec::or_(y, sign);
}

template <class Vec>
typename Vec::V relu(typename Vec::V x) {
    return Vec::max(x, Vec::zero());
}

// 0.5 x (1 + erf(x / sqrt 2)): BERT's "gelu".
template <class Vec>
typename Vec::V gelu_erf(typename Vec::V x) {
    const auto e = erf<Vec>(Vec::mul(x, Vec::set1(0.70710678118654752f)));
    return Vec::mul(Vec::mul(x, Vec::set1(0.5f)), Vec::add(e, Vec::set1(1.0f)));
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): "gelu_new".
template <class Vec>
typename Vec::V gelu_tanh(typename Vec::V x) {
    const auto x3 = Vec::mul(Vec::mul(x, x), x);
    const auto inner = Vec::mul(Vec::fmadd(x3, Vec::set1(0.044715f), x), Vec::set1(0.79788456080286536f));
    return Vec::mul(Vec::mul(x, Vec::set1(0.5f)), Vec::add(tanh<Vec>(inner), Vec::set1(1.0f)));
}

}  // namespace bertcls::detail::vec_math
