#include "ops/dense_weight.h"

#include <algorithm>
#include <cstring>

namespace bertcls {

int64_t blocked_pack(DType dtype) {
    switch (dtype) {
        case DType::BF16: return 2;
        case DType::I8: return 4;
        default: return 1;
    }
}

bool can_store_blocked(DType dtype, int64_t out, int64_t in) {
    return out > 0 && in > 0 && out % 64 == 0 && in % (16 * blocked_pack(dtype)) == 0;
}

int64_t DenseWeight::offset(int64_t n, int64_t k) const {
    if (!blocked) return n * in() + k;
    // Blocks of [16 * pack inputs, 64 outputs], output blocks outermost; inside a block, input
    // groups of `pack`, then the 64 outputs, then the `pack` inputs of a group.
    const int64_t pack = blocked_pack(values->dtype), k_block = 16 * pack;
    return (n / 64) * (in() * 64) + (k / k_block) * (k_block * 64) + ((k % k_block) / pack) * (64 * pack) +
           (n % 64) * pack + k % pack;
}

void DenseWeight::row_as_f32(int64_t n, float* row) const {
    const int64_t k_count = in();
    switch (values->dtype) {
        case DType::F32: {
            const float* src = values->as<float>().data();
            if (!blocked) std::memcpy(row, src + n * k_count, static_cast<std::size_t>(k_count) * sizeof(float));
            else for (int64_t k = 0; k < k_count; ++k) row[k] = src[offset(n, k)];
            return;
        }
        case DType::BF16: {
            const uint16_t* src = values->as<uint16_t>().data();
            for (int64_t k = 0; k < k_count; ++k) {
                const uint32_t bits = static_cast<uint32_t>(src[offset(n, k)]) << 16;
                std::memcpy(&row[k], &bits, sizeof bits);
            }
            return;
        }
        case DType::I8: {
            const int8_t* src = values->as<int8_t>().data();
            const float scale = scales->as<float>()[static_cast<std::size_t>(n)];
            for (int64_t k = 0; k < k_count; ++k) row[k] = static_cast<float>(src[offset(n, k)]) * scale;
            return;
        }
        default: break;
    }
    std::fill(row, row + k_count, 0.0f);  // unreachable: ModelFile admits only the three dtypes above
}

void DenseWeight::row_as_s8(int64_t n, int8_t* row) const {
    const int8_t* src = values->as<int8_t>().data();
    for (int64_t k = 0; k < in(); ++k) row[k] = src[offset(n, k)];
}

}  // namespace bertcls
