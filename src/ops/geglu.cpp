#include "ops/geglu.h"

#include <algorithm>
#include <cmath>

namespace bertcls {

namespace {

// erf(x) as a ratio of an odd and an even polynomial on [-4, 4] (outside, erf is +-1 in float),
// the approximation Eigen and XLA use: only multiplies and adds, so the loop vectorises.
inline float erf_rational(float a) {
    const float x = std::min(4.0f, std::max(-4.0f, a));
    const float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p + -2.10102402082508e-06f;
    p = x2 * p + -5.69250639462346e-05f;
    p = x2 * p + -7.34990630326855e-04f;
    p = x2 * p + -2.95459980854025e-03f;
    p = x2 * p + -1.60960333262415e-02f;
    p = x * p;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = x2 * q + -1.68282697438203e-03f;
    q = x2 * q + -7.37332916720468e-03f;
    q = x2 * q + -1.42647390514189e-02f;
    return p / q;
}

// This file is compiled with -fno-trapping-math (CMakeLists.txt): otherwise a float compare may
// trap (raise FE_INVALID on a NaN) as far as GCC knows, the clamp above is not if-converted into
// a blend, and below AVX-512 (no masked operations) the loop stays scalar.
__attribute__((target_clones("avx512f", "avx2", "default")))
void gelu_erf_gate_row(const float* row, int64_t n, float* out) {
    const float* gate = row + n;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
        const float x = row[i];
        out[i] = 0.5f * x * (1.0f + erf_rational(x * 0.70710678118654752f)) * gate[i];
    }
}

float apply(Activation activation, float x) {
    switch (activation) {
        case Activation::gelu_erf: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
        case Activation::gelu_tanh:
            return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
        case Activation::relu: return x > 0.0f ? x : 0.0f;
        case Activation::tanh: return std::tanh(x);
    }
    return x;
}

}  // namespace

float gelu_erf_fast(float x) { return 0.5f * x * (1.0f + erf_rational(x * 0.70710678118654752f)); }

void geglu(const float* rows_2i, int64_t rows, int64_t intermediate, Activation activation, float* gated) {
    const int64_t n = intermediate;
#pragma omp parallel for schedule(static) if (rows * n >= (1 << 15))
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = rows_2i + r * 2 * n;
        float* out = gated + r * n;
        if (activation == Activation::gelu_erf) {
            gelu_erf_gate_row(row, n, out);
        } else {
            for (int64_t i = 0; i < n; ++i) out[i] = apply(activation, row[i]) * row[n + i];
        }
    }
}

}  // namespace bertcls
