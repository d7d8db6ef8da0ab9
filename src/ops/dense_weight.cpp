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

namespace {

// Calls f(k, offset(n, k)) for each input k of row n in order. A blocked weight is walked block by
// block (its in is a multiple of the block's 16 * pack inputs): one offset() per block instead of
// its divisions for every element, which made un-blocking a bert-base weight take seconds.
template <typename F>
void walk_row(const DenseWeight& weight, int64_t n, F f) {
    const int64_t in = weight.in();
    if (!weight.blocked) {
        for (int64_t k = 0; k < in; ++k) f(k, n * in + k);
        return;
    }
    // Inside a block, input groups of `pack` are 64 * pack elements apart, a group's inputs adjacent.
    const int64_t pack = blocked_pack(weight.values->dtype), k_block = 16 * pack;
    for (int64_t k0 = 0; k0 < in; k0 += k_block) {
        const int64_t block = weight.offset(n, k0);
        for (int64_t g = 0; g < k_block; g += pack)
            for (int64_t j = 0; j < pack; ++j) f(k0 + g + j, block + g * 64 + j);
    }
}

}  // namespace

void DenseWeight::row_as_f32(int64_t n, float* row) const {
    const int64_t k_count = in();
    switch (values->dtype) {
        case DType::F32: {
            const float* src = values->as<float>().data();
            if (!blocked) std::memcpy(row, src + n * k_count, static_cast<std::size_t>(k_count) * sizeof(float));
            else walk_row(*this, n, [&](int64_t k, int64_t at) { row[k] = src[at]; });
            return;
        }
        case DType::BF16: {
            const uint16_t* src = values->as<uint16_t>().data();
            walk_row(*this, n, [&](int64_t k, int64_t at) {
                const uint32_t bits = static_cast<uint32_t>(src[at]) << 16;
                std::memcpy(&row[k], &bits, sizeof bits);
            });
            return;
        }
        case DType::I8: {
            const int8_t* src = values->as<int8_t>().data();
            const float scale = scales->as<float>()[static_cast<std::size_t>(n)];
            walk_row(*this, n, [&](int64_t k, int64_t at) { row[k] = static_cast<float>(src[at]) * scale; });
            return;
        }
        default: break;
    }
    std::fill(row, row + k_count, 0.0f);  // unreachable: ModelFile admits only the three dtypes above
}

void DenseWeight::row_as_s8(int64_t n, int8_t* row) const {
    const int8_t* src = values->as<int8_t>().data();
    walk_row(*this, n, [&](int64_t k, int64_t at) { row[k] = src[at]; });
}

}  // namespace bertcls
