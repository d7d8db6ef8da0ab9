// The per-call activation conversions against docs/FORMAT.md and ops/activation_convert.h:
// bf16 is round-to-nearest-even of the f32 bits (ties, NaN and infinities included); u8
// quantization is asymmetric per row, its range widened to include 0, with
// scale = (hi - lo) / 255 and zero point round(-lo / scale), so 0 is exact and every value is
// within half a step. Rows are read with a stride; enough of them to run on several threads.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/activation_convert.h"

using namespace bertcls;

TEST_CASE("activations convert to bf16 by rounding to nearest even", "[ops]") {
    std::mt19937 rng(67);
    for (const int64_t rows : {int64_t{3}, int64_t{700}}) {
        const int64_t cols = 101, stride = 107;  // cols not a multiple of any vector width
        std::vector<float> x = test::normal_values(static_cast<std::size_t>(rows * stride), rng, 10.0f);
        // Exact ties: 1 + 2^-8 sits halfway between two bf16 values (rounds to even, down), and
        // 1 + 3 * 2^-8 halfway as well (rounds up, to even).
        x[0] = 1.0f + 1.0f / 256;
        x[1] = 1.0f + 3.0f / 256;
        x[2] = std::numeric_limits<float>::infinity();
        x[3] = -std::numeric_limits<float>::infinity();
        x[4] = -0.0f;
        x[5] = std::numeric_limits<float>::denorm_min();
        x[6] = std::numeric_limits<float>::max();  // rounds up to infinity
        std::vector<uint16_t> got(static_cast<std::size_t>(rows * cols));
        convert_to_bf16(x.data(), rows, cols, stride, got.data());
        CHECK(got[0] == 0x3F80);
        CHECK(got[1] == 0x3F82);
        CHECK(got[2] == 0x7F80);
        CHECK(got[6] == 0x7F80);
        int64_t wrong = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) wrong += got[r * cols + c] != test::bf16_bits(x[r * stride + c]);
        CHECK(wrong == 0);
    }
    // A NaN stays a NaN (a bare rounding of its bits could carry into infinity).
    const float nan_with_low_payload = [] {
        const uint32_t bits = 0x7F800001u;
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    }();
    for (const float nan : {std::numeric_limits<float>::quiet_NaN(), nan_with_low_payload}) {
        uint16_t bits;
        convert_to_bf16(&nan, 1, 1, 1, &bits);
        CHECK(std::isnan(test::bf16_value(bits)));
    }
}

TEST_CASE("activations quantize to u8 per row with a zero point", "[ops]") {
    std::mt19937 rng(71);
    for (const int64_t rows : {int64_t{4}, int64_t{900}}) {
        const int64_t cols = 77, stride = 80;
        std::vector<float> x = test::normal_values(static_cast<std::size_t>(rows * stride), rng, 2.0f, 0.7f);
        for (int64_t c = 0; c < cols; ++c) {
            x[c] = 0.0f;                           // row 0: all zeros (scale 1)
            x[stride + c] = 1.0f + float(c) / 8;   // row 1: all positive (range widened down to 0)
            x[2 * stride + c] = -1.0f - float(c);  // row 2: all negative (widened up to 0)
        }
        x[3 * stride + 5] = 0.0f;  // a zero inside a mixed row
        std::vector<uint8_t> q(static_cast<std::size_t>(rows * cols));
        std::vector<float> scales(static_cast<std::size_t>(rows));
        std::vector<int32_t> zero_points(static_cast<std::size_t>(rows));
        quantize_rows_to_u8(x.data(), rows, cols, stride, q.data(), scales.data(), zero_points.data());
        int64_t wrong = 0;
        for (int64_t r = 0; r < rows; ++r) {
            double lo = 0, hi = 0;
            for (int64_t c = 0; c < cols; ++c) {
                lo = std::min<double>(lo, x[r * stride + c]);
                hi = std::max<double>(hi, x[r * stride + c]);
            }
            const double scale = hi > lo ? (hi - lo) / 255 : 1.0;
            wrong += std::abs(scales[r] - scale) > 1e-6 * scale;
            wrong += zero_points[r] != std::lround(-lo / scale);
            for (int64_t c = 0; c < cols; ++c) {
                const double v = x[r * stride + c];
                const double back = scales[r] * (q[r * cols + c] - zero_points[r]);
                wrong += std::abs(back - v) > 0.5001 * scale;
                if (v == 0.0) wrong += q[r * cols + c] != zero_points[r];
            }
        }
        INFO(rows << " rows");
        CHECK(zero_points[0] == 0);
        CHECK(scales[0] == 1.0f);
        CHECK(zero_points[1] == 0);
        CHECK(zero_points[2] == 255);
        CHECK(wrong == 0);
    }
}
