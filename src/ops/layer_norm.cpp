#include "ops/layer_norm.h"

#include <cmath>

namespace bertcls {

namespace {

// One row: mean, then the variance of the centred values (two passes over a row that is in L1
// anyway, and no cancellation from E[x²] - E[x]²), as transformers computes it.
// Compiled for AVX-512 and AVX2 as well, picked at load time (GCC's function multiversioning).
__attribute__((target_clones("avx512f", "avx2", "default")))
void normalize_row(float* x, int64_t width, const float* weight, const float* bias, float epsilon) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < width; ++i) sum += x[i];
    const float mean = sum / static_cast<float>(width);
    float squares = 0.0f;
#pragma omp simd reduction(+ : squares)
    for (int64_t i = 0; i < width; ++i) squares += (x[i] - mean) * (x[i] - mean);
    const float inv_std = 1.0f / std::sqrt(squares / static_cast<float>(width) + epsilon);
#pragma omp simd
    for (int64_t i = 0; i < width; ++i) x[i] = (x[i] - mean) * inv_std * weight[i] + bias[i];
}

}  // namespace

LayerNorm::LayerNorm(const TensorInfo& weight, const TensorInfo& bias, double epsilon)
    : width_(weight.shape.at(0)),
      weight_(weight.as<float>().data()),
      bias_(bias.as<float>().data()),
      epsilon_(static_cast<float>(epsilon)) {}

void LayerNorm::forward(float* data, int64_t rows) const {
    const int64_t width = width_;
#pragma omp parallel for schedule(static) if (rows * width >= (1 << 16))
    for (int64_t r = 0; r < rows; ++r) normalize_row(data + r * width, width, weight_, bias_, epsilon_);
}

}  // namespace bertcls
