#include "ops/rotary.h"

#include <cmath>

namespace bertcls {

RotaryTable::RotaryTable(int64_t head_size, double theta, int64_t positions)
    : half_(head_size / 2),
      positions_(positions),
      blocks_(std::make_unique<Block[]>(static_cast<std::size_t>((positions + kBlock - 1) / kBlock))) {
    const auto d = static_cast<float>(head_size);
    for (int64_t i = 0; i < half_; ++i)  // transformers: 1.0 / (base ** (arange(0, dim, 2).float() / dim))
        inv_freq_.push_back(1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / d));
}

const RotaryTable::Block& RotaryTable::block(int64_t index) const {
    Block& b = blocks_[static_cast<std::size_t>(index)];
    std::call_once(b.filled, [&] {
        b.cos.resize(static_cast<std::size_t>(kBlock * half_));
        b.sin.resize(b.cos.size());
        for (int64_t r = 0; r < kBlock; ++r)
            for (int64_t i = 0; i < half_; ++i) {
                const float angle = static_cast<float>(index * kBlock + r) * inv_freq_[static_cast<std::size_t>(i)];
                b.cos[r * half_ + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
                b.sin[r * half_ + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
            }
    });
    return b;
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
    for (int64_t first = 0; first < rows; first += kBlock) {
        const Block& b = block(first / kBlock);
        for (int64_t r = 0; r < kBlock && first + r < rows; ++r)
            rotate_row(x + (first + r) * stride, b.cos.data() + r * half_, b.sin.data() + r * half_, half_);
    }
}

}  // namespace bertcls
