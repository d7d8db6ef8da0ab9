#pragma once
// What the direct tests of ops and layers share: seeded random inputs, TensorInfo views of a
// test's vectors (how layers receive their weights), the attention kernels this CPU can run, and
// plain double-precision references for the pieces many layers contain (activations, LayerNorm,
// a dense layer, bf16 rounding). The references follow the definitions (transformers' modules,
// docs/FORMAT.md), never the code under test.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "ops/activation.h"
#include "ops/attention_kernel.h"
#include "util/tensor.h"

namespace bertcls::test {

inline std::vector<float> normal_values(std::size_t n, std::mt19937& rng, float scale = 1.0f, float mean = 0.0f) {
    std::normal_distribution<float> dist(mean, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

// A view of `data` (which must outlive it) as a tensor of `dtype` and `shape`.
template <typename T>
TensorInfo tensor_view(DType dtype, std::vector<int64_t> shape, const std::vector<T>& data) {
    return {dtype, std::move(shape), std::as_bytes(std::span<const T>(data))};
}

inline TensorInfo f32_tensor(std::vector<int64_t> shape, const std::vector<float>& data) {
    return tensor_view(DType::F32, std::move(shape), data);
}

// bf16 by round-to-nearest-even of the f32 bits (finite values), as docs/FORMAT.md specifies.
inline uint16_t bf16_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

inline float bf16_value(uint16_t bits) {
    const uint32_t u = static_cast<uint32_t>(bits) << 16;
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// transformers' activations: gelu (erf), gelu_new (tanh), relu, tanh.
inline double reference_activation(Activation activation, double x) {
    switch (activation) {
        case Activation::gelu_erf: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        case Activation::gelu_tanh: return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
        case Activation::relu: return std::max(0.0, x);
        case Activation::tanh: return std::tanh(x);
    }
    return x;
}

// y[r] = x[r]·Wᵀ + b for x [rows, in], W [out, in] (PyTorch's nn.Linear).
inline std::vector<double> reference_linear(const std::vector<double>& x, int64_t rows, const std::vector<float>& w,
                                            const std::vector<float>& b) {
    const int64_t out = static_cast<int64_t>(b.size()), in = static_cast<int64_t>(w.size()) / out;
    std::vector<double> y(static_cast<std::size_t>(rows * out));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t n = 0; n < out; ++n) {
            double sum = b[n];
            for (int64_t k = 0; k < in; ++k) sum += x[r * in + k] * double(w[n * in + k]);
            y[r * out + n] = sum;
        }
    return y;
}

// nn.LayerNorm over each row of x [rows, gamma.size()], in place: biased variance, eps inside
// the square root.
inline void reference_layer_norm(std::vector<double>& x, const std::vector<float>& gamma, const std::vector<float>& beta,
                                 double eps) {
    const std::size_t width = gamma.size();
    for (std::size_t first = 0; first < x.size(); first += width) {
        double mean = 0, var = 0;
        for (std::size_t i = 0; i < width; ++i) mean += x[first + i];
        mean /= double(width);
        for (std::size_t i = 0; i < width; ++i) var += (x[first + i] - mean) * (x[first + i] - mean);
        var /= double(width);
        for (std::size_t i = 0; i < width; ++i)
            x[first + i] = (x[first + i] - mean) / std::sqrt(var + eps) * gamma[i] + beta[i];
    }
}

// The largest |got - want| / (1 + |want|): relative for large values, absolute near zero.
inline double worst_error(const std::vector<float>& got, const std::vector<double>& want) {
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        worst = std::max(worst, std::abs(double(got[i]) - want[i]) / (1.0 + std::abs(want[i])));
    return worst;
}

using AttentionKernel = void (*)(const AttentionHead&, float*);

// Every attention kernel this CPU runs, the plain one first.
inline std::vector<std::pair<const char*, AttentionKernel>> runnable_attention_kernels() {
    std::vector<std::pair<const char*, AttentionKernel>> kernels{{"generic", detail::attention_head_generic}};
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        kernels.emplace_back("avx2", detail::attention_head_avx2);
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        kernels.emplace_back("avx512", detail::attention_head_avx512);
    return kernels;
}

}  // namespace bertcls::test
