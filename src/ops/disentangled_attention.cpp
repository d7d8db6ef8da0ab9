#include "ops/disentangled_attention.h"

#include <algorithm>
#include <cmath>

namespace bertcls {

int64_t relative_bucket(int64_t distance, int64_t buckets, int64_t max_position) {
    if (buckets <= 0 || max_position <= 0) return distance;
    const int64_t mid = buckets / 2;
    const int64_t magnitude = distance < 0 ? -distance : distance;
    if (magnitude <= mid) return distance;
    // As transformers computes it, in float32: ceil(log(|d| / mid) / log((max - 1) / mid) * (mid - 1)) + mid.
    const float ratio = static_cast<float>(magnitude) / static_cast<float>(mid);
    const float base = static_cast<float>(static_cast<double>(max_position - 1) / static_cast<double>(mid));
    const float log_pos = std::ceil(std::log(ratio) / std::log(base) * static_cast<float>(mid - 1)) + static_cast<float>(mid);
    const auto bucket = static_cast<int64_t>(log_pos);
    return distance < 0 ? -bucket : bucket;
}

void relative_indices(int64_t length, int64_t span, int64_t buckets, int64_t max_position, int32_t* index) {
    for (int64_t t = 0; t < 2 * length - 1; ++t) {
        const int64_t row = span + relative_bucket(t - (length - 1), buckets, max_position);
        index[t] = static_cast<int32_t>(std::clamp<int64_t>(row, 0, 2 * span - 1));
    }
}

namespace {

bool has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const bool kAvx2 = has_avx2();

}  // namespace

std::size_t disentangled_scratch_floats(int64_t length, int64_t head_size) {
    const int64_t lp = (length + 15) / 16 * 16;
    return static_cast<std::size_t>((head_size + length) * lp + 8 * (lp + 16) + 2 * lp + 16);
}

void disentangled_attention_head(const DisentangledHead& head, float* scratch) {
    if (kAvx2)
        detail::disentangled_head_avx2(head, scratch);
    else
        detail::disentangled_head_generic(head, scratch);
}

namespace detail {
namespace generic {
#include "ops/disentangled_attention_impl.inc"
}  // namespace generic

void disentangled_head_generic(const DisentangledHead& head, float* scratch) { generic::run_head(head, scratch); }
}  // namespace detail

}  // namespace bertcls
