// The ops ModernBERT adds, each against a plain double-precision reference: sliding-window
// attention (every kernel; probabilities outside the window are 0), rotary position embeddings
// and the in-place GeGLU gate.
#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/attention_kernel.h"
#include "ops/geglu.h"
#include "ops/rotary.h"

using namespace bertcls;

using test::normal_values;

TEST_CASE("sliding-window attention matches a masked softmax reference", "[ops][attention][modernbert]") {
    const auto kernels = test::runnable_attention_kernels();
    std::mt19937 rng(19);
    for (const int64_t L : {1, 3, 9, 17, 40, 65, 131, 260})
        for (const int64_t d : {8, 12, 20, 64})
            for (const int64_t window : {0, 1, 4, 8, 64}) {
                const int64_t stride = 3 * d + 5;
                const std::vector<float> qkv = normal_values(static_cast<std::size_t>(L * stride), rng, 1.0f);
                const float scale = 1.0f / std::sqrt(static_cast<float>(d));
                // Reference: full scores in double, -inf outside |i - j| <= window.
                std::vector<double> want_probs(static_cast<std::size_t>(L * L), 0.0), want_ctx(static_cast<std::size_t>(L * d), 0.0);
                for (int64_t i = 0; i < L; ++i) {
                    std::vector<double> s(static_cast<std::size_t>(L), -INFINITY);
                    double m = -INFINITY;
                    for (int64_t j = std::max<int64_t>(0, i - window); j <= std::min(L - 1, i + window); ++j) {
                        double dot = 0;
                        for (int64_t x = 0; x < d; ++x) dot += double(qkv[i * stride + x]) * qkv[j * stride + d + x];
                        s[j] = dot * scale;
                        m = std::max(m, s[j]);
                    }
                    double sum = 0;
                    for (auto& v : s) sum += (v = std::exp(v - m));
                    for (int64_t j = 0; j < L; ++j) {
                        want_probs[i * L + j] = s[j] / sum;
                        for (int64_t x = 0; x < d; ++x) want_ctx[i * d + x] += s[j] / sum * qkv[j * stride + 2 * d + x];
                    }
                }
                for (const auto& [name, kernel] : kernels) {
                    std::vector<float> ctx(static_cast<std::size_t>(L * d), -7.0f), probs(static_cast<std::size_t>(L * L), -7.0f);
                    std::vector<float> scratch(attention_scratch_floats(L, d) + 16);
                    const AttentionHead h{.q = qkv.data(), .k = qkv.data() + d, .v = qkv.data() + 2 * d,
                                          .qkv_stride = stride, .length = L, .head_size = d, .scale = scale,
                                          .queries = 0, .context = ctx.data(), .context_stride = d,
                                          .probs = probs.data(), .window = window};
                    kernel(h, scratch.data());
                    double ctx_diff = 0, prob_diff = 0;
                    for (std::size_t i = 0; i < ctx.size(); ++i) ctx_diff = std::max(ctx_diff, std::abs(want_ctx[i] - ctx[i]));
                    for (std::size_t i = 0; i < probs.size(); ++i)
                        prob_diff = std::max(prob_diff, std::abs(want_probs[i] - probs[i]));
                    bool zero_outside = true;
                    for (int64_t i = 0; i < L; ++i)
                        for (int64_t j = 0; j < L; ++j)
                            if (std::abs(i - j) > window && probs[i * L + j] != 0.0f) zero_outside = false;
                    INFO(name << " L=" << L << " d=" << d << " window=" << window);
                    CHECK(ctx_diff <= 1e-5);
                    CHECK(prob_diff <= 2e-6);
                    CHECK(zero_outside);
                }
            }
}

TEST_CASE("rotary embeddings match a double-precision rotate_half reference", "[ops][modernbert]") {
    std::mt19937 rng(23);
    for (const double theta : {10000.0, 160000.0, 300.0})
        for (const int64_t d : {8, 12, 64}) {
            const int64_t positions = 2100, stride = d + 3;  // three blocks of the table
            const RotaryTable table(d, theta, positions);
            const std::vector<float> x = normal_values(static_cast<std::size_t>(positions * stride), rng, 1.0f);
            std::vector<float> got = x;
            table.apply(got.data(), stride, positions);
            double worst = 0, exact_worst = 0;
            const int64_t half = d / 2;
            for (int64_t p = 0; p < positions; ++p)
                for (int64_t i = 0; i < d; ++i) {
                    const int64_t k = i % half;
                    // transformers' angle: inv_freq = 1 / theta^(2k/d) and p * inv_freq, both in float32
                    // (exact math differs by up to half a float ulp of the angle: 1.2e-4 rad at p 2100).
                    const float inv_freq = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * k) / d);
                    const double angle = static_cast<float>(p) * inv_freq;
                    exact_worst = std::max(exact_worst, p < 128 ? std::abs(angle - p * std::pow(theta, -2.0 * k / d)) : 0.0);
                    const double rotated = i < half ? -double(x[p * stride + i + half]) : double(x[p * stride + i - half]);
                    const double want = x[p * stride + i] * std::cos(angle) + rotated * std::sin(angle);
                    worst = std::max(worst, std::abs(want - got[p * stride + i]));
                }
            INFO("theta " << theta << " d " << d);
            CHECK(worst <= 1e-5);
            CHECK(exact_worst <= 1e-4);  // and those angles are the exact ones, up to float rounding
            for (int64_t p = 0; p < positions; ++p)  // the padding columns are untouched
                for (int64_t i = d; i < stride; ++i) CHECK(got[p * stride + i] == x[p * stride + i]);
        }
}

TEST_CASE("the GeGLU gate is act(input) * gate, into a contiguous [rows, I]", "[ops][modernbert]") {
    std::mt19937 rng(29);
    const int64_t rows = 37, I = 45;
    for (const Activation a : {Activation::gelu_erf, Activation::gelu_tanh, Activation::relu, Activation::tanh}) {
        std::vector<float> values = normal_values(static_cast<std::size_t>(rows * 2 * I), rng, 3.0f);
        values[0] = -9.0f;  // past erf's clamp
        values[1] = 9.0f;
        std::vector<float> gated(static_cast<std::size_t>(rows * I));
        geglu(values.data(), rows, I, a, gated.data());
        double worst = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t i = 0; i < I; ++i) {
                const double want = test::reference_activation(a, values[r * 2 * I + i]) * values[r * 2 * I + I + i];
                worst = std::max(worst, std::abs(want - gated[r * I + i]) / std::max(1.0, std::abs(want)));
            }
        INFO(activation_name(a));
        CHECK(worst <= 4e-6);  // relative; the rational erf is within 3e-7 of erf
    }
    double worst = 0;
    for (float x = -8.0f; x <= 8.0f; x += 0.001f)
        worst = std::max(worst, std::abs(gelu_erf_fast(x) - 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))));
    CHECK(worst <= 2e-6);  // x up to 8: a float ulp of 8 is 9.5e-7
}
