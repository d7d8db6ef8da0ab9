#include "ops/conv1d.h"

#include <algorithm>
#include <cmath>

namespace bertcls {

Conv1d::Conv1d(const TensorInfo& weight, const TensorInfo& bias, int64_t groups, Activation activation)
    : out_(weight.shape.at(0)),
      in_(weight.shape.at(1) * groups),
      groups_(groups),
      kernel_(weight.shape.at(2)),
      activation_(activation),
      bias_(bias.as<float>().data()) {
    const int64_t og = out_ / groups_, ig = in_ / groups_;
    const float* w = weight.as<float>().data();
    weight_t_.resize(static_cast<std::size_t>(out_ * ig * kernel_));
    for (int64_t o = 0; o < out_; ++o)
        for (int64_t c = 0; c < ig; ++c)
            for (int64_t k = 0; k < kernel_; ++k) {
                const int64_t g = o / og;
                weight_t_[((g * kernel_ + k) * ig + c) * og + o % og] = w[(o * ig + c) * kernel_ + k];
            }
}

void Conv1d::forward(const float* x, const std::vector<int64_t>& offsets, float* y) const {
    const int64_t og = out_ / groups_, ig = in_ / groups_, pad = (kernel_ - 1) / 2;
    const auto sequences = static_cast<int64_t>(offsets.size()) - 1;
    const int64_t tokens = offsets.back();
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tokens; ++t) {
        // The sequence holding token t.
        int64_t s = 0;
        while (s + 1 < sequences && offsets[s + 1] <= t) ++s;
        float* __restrict row = y + t * out_;
        for (int64_t o = 0; o < out_; ++o) row[o] = bias_[o];
        for (int64_t k = 0; k < kernel_; ++k) {
            const int64_t source = t + k - pad;
            if (source < offsets[s] || source >= offsets[s + 1]) continue;
            const float* in = x + source * in_;
            for (int64_t g = 0; g < groups_; ++g)
                for (int64_t c = 0; c < ig; ++c) {
                    const float a = in[g * ig + c];
                    const float* __restrict w = weight_t_.data() + ((g * kernel_ + k) * ig + c) * og;
                    float* __restrict out = row + g * og;
                    for (int64_t o = 0; o < og; ++o) out[o] += a * w[o];
                }
        }
        apply_activation(row, out_, activation_);
    }
}

void apply_activation(float* y, int64_t n, Activation activation) {
    switch (activation) {
        case Activation::gelu_erf:
            for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * y[i] * (1.0f + std::erf(y[i] * 0.70710678118654752f));
            return;
        case Activation::gelu_tanh:
            for (int64_t i = 0; i < n; ++i) {
                const float v = y[i];
                y[i] = 0.5f * v * (1.0f + std::tanh(0.79788456080286536f * (v + 0.044715f * v * v * v)));
            }
            return;
        case Activation::relu:
            for (int64_t i = 0; i < n; ++i) y[i] = std::max(y[i], 0.0f);
            return;
        case Activation::tanh:
            for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(y[i]);
            return;
    }
}

}  // namespace bertcls
