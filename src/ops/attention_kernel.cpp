#include "ops/attention_kernel.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace bertcls {

namespace {

int64_t padded(int64_t length) { return (length + 15) / 16 * 16; }

enum class Isa { generic, avx2, avx512 };

Isa detect() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        return Isa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
    return Isa::generic;
}

const Isa kIsa = detect();

}  // namespace

std::size_t attention_scratch_floats(int64_t length, int64_t head_size) {
    return static_cast<std::size_t>((head_size + 8) * padded(length)) + 16;
}

void attention_head(const AttentionHead& head, float* scratch) {
    switch (kIsa) {
        case Isa::avx512: detail::attention_head_avx512(head, scratch); return;
        case Isa::avx2: detail::attention_head_avx2(head, scratch); return;
        case Isa::generic: detail::attention_head_generic(head, scratch); return;
    }
}

const char* attention_kernel_name() {
    switch (kIsa) {
        case Isa::avx512: return "avx512";
        case Isa::avx2: return "avx2";
        case Isa::generic: return "generic";
    }
    return "generic";
}

namespace detail {

// Plain loops, one query row at a time: the reference the vector kernels are tested against.
void attention_head_generic(const AttentionHead& h, float* scratch) {
    const int64_t L = h.length, d = h.head_size;
    float* s = scratch;  // one row of scores
    const int64_t queries = h.queries > 0 ? h.queries : L;
    for (int64_t i = 0; i < queries; ++i) {
        const float* q = h.q + i * h.qkv_stride;
        float m = -INFINITY;
        for (int64_t j = 0; j < L; ++j) {
            if (h.window >= 0 && std::abs(i - j) > h.window) {
                s[j] = -INFINITY;  // outside the sliding window: probability 0
                continue;
            }
            const float* k = h.k + j * h.qkv_stride;
            float dot = 0;
            for (int64_t x = 0; x < d; ++x) dot += q[x] * k[x];
            s[j] = dot * h.scale;
            m = std::max(m, s[j]);
        }
        float sum = 0;
        for (int64_t j = 0; j < L; ++j) sum += (s[j] = std::exp(s[j] - m));
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j < L; ++j) s[j] *= inv;
        if (h.probs) std::copy(s, s + L, h.probs + i * L);
        float* ctx = h.context + i * h.context_stride;
        std::fill(ctx, ctx + d, 0.0f);
        for (int64_t j = 0; j < L; ++j) {
            const float* v = h.v + j * h.qkv_stride;
            for (int64_t x = 0; x < d; ++x) ctx[x] += s[j] * v[x];
        }
    }
}

}  // namespace detail

}  // namespace bertcls
