#include "format/dense_weight.h"

#include <algorithm>
#include <cstring>

namespace bertcls {

void DenseWeight::row_as_f32(int64_t n, float* row) const {
    const int64_t k = in();
    switch (values->dtype) {
        case DType::F32:
            std::memcpy(row, values->as<float>().data() + n * k, static_cast<std::size_t>(k) * sizeof(float));
            return;
        case DType::BF16: {
            const uint16_t* src = values->as<uint16_t>().data() + n * k;
            for (int64_t i = 0; i < k; ++i) {
                const uint32_t bits = static_cast<uint32_t>(src[i]) << 16;
                std::memcpy(&row[i], &bits, sizeof bits);
            }
            return;
        }
        case DType::I8: {
            const int8_t* src = values->as<int8_t>().data() + n * k;
            const float scale = scales->as<float>()[static_cast<std::size_t>(n)];
            for (int64_t i = 0; i < k; ++i) row[i] = static_cast<float>(src[i]) * scale;
            return;
        }
        default: break;
    }
    std::fill(row, row + k, 0.0f);  // unreachable: ModelFile admits only the three dtypes above
}

}  // namespace bertcls
