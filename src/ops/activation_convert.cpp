#include "ops/activation_convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/activation_convert_rows.h"

namespace bertcls {

namespace detail::portable {

void row_to_bf16(const float* x, int64_t n, uint16_t* out) {
    for (int64_t i = 0; i < n; ++i) {
        uint32_t u;
        std::memcpy(&u, &x[i], sizeof u);
        const bool nan = (u & 0x7FFFFFFFu) > 0x7F800000u;
        out[i] = static_cast<uint16_t>(nan ? ((u >> 16) | 0x40u) : (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }
}

void row_range(const float* x, int64_t n, float& lo, float& hi) {
    for (int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
}

void row_to_u8(const float* x, int64_t n, float inverse_scale, float zero_point, uint8_t* out) {
    for (int64_t i = 0; i < n; ++i) {
        const float v = std::min(std::max(x[i] * inverse_scale + zero_point, 0.0f), 255.0f);
        out[i] = static_cast<uint8_t>(static_cast<int32_t>(v + 0.5f));
    }
}

}  // namespace detail::portable

namespace {

// Work below this many elements is not worth waking a second thread for.
constexpr int64_t kParallelElements = 1 << 16;

struct RowKernels {
    void (*to_bf16)(const float*, int64_t, uint16_t*);
    void (*range)(const float*, int64_t, float&, float&);
    void (*to_u8)(const float*, int64_t, float, float, uint8_t*);
};

const RowKernels& row_kernels() {
    static const RowKernels kernels = [] {
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
            return RowKernels{detail::avx512::row_to_bf16, detail::avx512::row_range, detail::avx512::row_to_u8};
        return RowKernels{detail::portable::row_to_bf16, detail::portable::row_range, detail::portable::row_to_u8};
    }();
    return kernels;
}

}  // namespace

void convert_to_bf16(const float* x, int64_t rows, int64_t cols, int64_t stride, uint16_t* out) {
    const RowKernels& k = row_kernels();
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelElements)
    for (int64_t r = 0; r < rows; ++r) k.to_bf16(x + r * stride, cols, out + r * cols);
}

void quantize_rows_to_u8(const float* x, int64_t rows, int64_t cols, int64_t stride, uint8_t* out, float* scales,
                         int32_t* zero_points) {
    const RowKernels& k = row_kernels();
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelElements)
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * stride;
        float lo = 0.0f, hi = 0.0f;
        k.range(row, cols, lo, hi);
        float scale = (hi - lo) / 255.0f;
        if (!(scale > 0.0f) || !std::isfinite(scale)) scale = 1.0f;
        const auto zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(-lo / scale), 0.0f, 255.0f));
        k.to_u8(row, cols, 1.0f / scale, static_cast<float>(zero_point), out + r * cols);
        scales[r] = scale;
        zero_points[r] = zero_point;
    }
}

}  // namespace bertcls
