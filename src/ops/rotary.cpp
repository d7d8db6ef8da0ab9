#include "ops/rotary.h"

#include <cmath>

namespace bertcls {

RotaryTable::RotaryTable(int64_t head_size, double theta, int64_t positions)
    : half_(head_size / 2), positions_(positions) {
    cos_.resize(static_cast<std::size_t>(positions * half_));
    sin_.resize(cos_.size());
    const auto d = static_cast<float>(head_size);
    for (int64_t i = 0; i < half_; ++i) {
        // transformers: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), in float32.
        const float exponent = static_cast<float>(2 * i) / d;
        const float inv_freq = 1.0f / std::pow(static_cast<float>(theta), exponent);
        for (int64_t p = 0; p < positions; ++p) {
            const float angle = static_cast<float>(p) * inv_freq;
            cos_[p * half_ + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
            sin_[p * half_ + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
        }
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void rotate_row(float* x, const float* c, const float* s, int64_t half) {
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
        const float a = x[i], b = x[i + half];
        x[i] = a * c[i] - b * s[i];
        x[i + half] = b * c[i] + a * s[i];
    }
}

void RotaryTable::apply(float* x, int64_t stride, int64_t rows) const {
    for (int64_t r = 0; r < rows; ++r)
        rotate_row(x + r * stride, cos_.data() + r * half_, sin_.data() + r * half_, half_);
}

}  // namespace bertcls
