// The f32 dense layer on our own AVX-512 GEMM (ops/blocked_gemm.h) against a double-precision
// reference computed here: y = act(x·Wᵀ + b (+ residual)). The shapes reach every path of the
// kernel: row counts that leave 1 to 5 rows for the last tile, more rows than one pass takes,
// inputs cut into several depth slices (unevenly, and not a multiple of the layout's 16),
// output widths of one panel (threads then split rows) and many, one thread and two, and every
// activation with and without the residual.
#include <omp.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ops/blocked_gemm.h"
#include "ops/linear.h"

using namespace bertcls;

namespace {

struct Shape {
    int64_t rows, in, out, x_stride;
};

double activate(Activation activation, double v) {
    switch (activation) {
        case Activation::gelu_erf: return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        case Activation::gelu_tanh:
            return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
        case Activation::relu: return v > 0 ? v : 0.0;
        case Activation::tanh: return std::tanh(v);
    }
    return v;
}

// Restores the thread count a section changed.
struct ThreadCount {
    int saved = omp_get_max_threads();
    explicit ThreadCount(int threads) { omp_set_num_threads(threads); }
    ~ThreadCount() { omp_set_num_threads(saved); }
};

}  // namespace

TEST_CASE("f32 dense layers on the blocked GEMM match a double-precision reference", "[gemm]") {
    if (!blocked_gemm_available()) WARN("no AVX-512 here (or BERTCLS_GEMM=onednn): this checks oneDNN's f32 path");
    const std::vector<Shape> shapes{{1, 64, 64, 64},      {5, 40, 128, 40},     {13, 768, 192, 771},
                                    {37, 1600, 128, 1600}, {600, 96, 256, 100}, {300, 768, 64, 768},
                                    {8, 3072, 128, 3072}};
    const std::vector<std::pair<std::optional<Activation>, bool>> epilogues{
        {std::nullopt, false},       {std::nullopt, true},         {Activation::gelu_erf, false},
        {Activation::gelu_tanh, false}, {Activation::relu, false}, {Activation::tanh, false},
        {Activation::gelu_erf, true}};
    std::mt19937 rng(21);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (const Shape& s : shapes) {
        std::vector<float> w(static_cast<std::size_t>(s.out * s.in)), bias(static_cast<std::size_t>(s.out));
        std::vector<float> x(static_cast<std::size_t>(s.rows * s.x_stride), 1e30f);  // the stride gap is never read
        std::vector<float> residual(static_cast<std::size_t>(s.rows * s.out));
        const float w_scale = 2.0f / std::sqrt(static_cast<float>(s.in));  // sums of about 2: activations bend
        for (auto& v : w) v = dist(rng) * w_scale;
        for (auto& v : bias) v = dist(rng);
        for (int64_t r = 0; r < s.rows; ++r)
            for (int64_t k = 0; k < s.in; ++k) x[static_cast<std::size_t>(r * s.x_stride + k)] = dist(rng);
        for (auto& v : residual) v = dist(rng);
        const TensorInfo w_tensor{DType::F32, {s.out, s.in}, std::as_bytes(std::span<const float>(w))};
        const TensorInfo b_tensor{DType::F32, {s.out}, std::as_bytes(std::span<const float>(bias))};

        std::vector<double> product(static_cast<std::size_t>(s.rows * s.out));
        for (int64_t r = 0; r < s.rows; ++r)
            for (int64_t n = 0; n < s.out; ++n) {
                double sum = bias[static_cast<std::size_t>(n)];
                for (int64_t k = 0; k < s.in; ++k)
                    sum += double(x[static_cast<std::size_t>(r * s.x_stride + k)]) * w[static_cast<std::size_t>(n * s.in + k)];
                product[static_cast<std::size_t>(r * s.out + n)] = sum;
            }

        for (const auto& [activation, accumulate] : epilogues) {
            Linear linear(w_tensor, b_tensor, LinearEpilogue{activation, accumulate});
            linear.pack();
            for (const int threads : {1, 2}) {
                const ThreadCount scope(threads);
                INFO("rows " << s.rows << ", in " << s.in << ", out " << s.out << ", activation "
                             << (activation ? activation_name(*activation) : "none") << ", residual " << accumulate
                             << ", threads " << threads);
                std::vector<float> y = accumulate ? residual : std::vector<float>(residual.size(), -7.0f);
                linear.forward(x.data(), s.rows, y.data(), s.x_stride);
                double worst = 0;
                for (std::size_t i = 0; i < y.size(); ++i) {
                    const double pre = product[i] + (accumulate ? residual[i] : 0.0);
                    const double want = activation ? activate(*activation, pre) : pre;
                    worst = std::max(worst, std::abs(y[i] - want) / (1.0 + std::abs(want)));
                }
                CHECK(worst < 1e-5);
            }
        }
    }
}
