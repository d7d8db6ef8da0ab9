// Our own GEMM (ops/blocked_gemm.h; the AVX-512 kernel or the AVX2 one, whichever this CPU runs)
// against a double-precision reference computed here: y = act(x·Wᵀ + b (+ residual)), with W
// laid out as docs/FORMAT.md specifies BA16a64b. The shapes reach every path of both kernels:
// row counts that leave 1 to 5 rows for the last tile, more rows than one pass takes, inputs cut
// into several depth slices (unevenly, and not a multiple of the layout's 16), output widths of
// one panel (threads then split rows) and many, one thread and two, and every activation with
// and without the residual. A dense layer that runs on it is checked the same way through
// Linear, whose packer lays the weight out. And a row's outputs must not depend, to the bit, on
// the other rows of the call: batch output relies on it. Output counts that are not a multiple
// of 64 (classifier heads, whose last panel is zero padding) are checked the same ways.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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

struct Problem {
    Shape shape;
    std::vector<float> w, bias, x, residual;  // w: [out, in]
    std::vector<double> product;              // x·Wᵀ + b
};

Problem make_problem(const Shape& s, std::mt19937& rng) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    Problem p{s, std::vector<float>(static_cast<std::size_t>(s.out * s.in)), std::vector<float>(static_cast<std::size_t>(s.out)),
              std::vector<float>(static_cast<std::size_t>(s.rows * s.x_stride), 1e30f),  // the stride gap is never read
              std::vector<float>(static_cast<std::size_t>(s.rows * s.out)), {}};
    const float w_scale = 2.0f / std::sqrt(static_cast<float>(s.in));  // sums of about 2: activations bend
    for (auto& v : p.w) v = dist(rng) * w_scale;
    for (auto& v : p.bias) v = dist(rng);
    for (int64_t r = 0; r < s.rows; ++r)
        for (int64_t k = 0; k < s.in; ++k) p.x[static_cast<std::size_t>(r * s.x_stride + k)] = dist(rng);
    for (auto& v : p.residual) v = dist(rng);
    p.product.resize(static_cast<std::size_t>(s.rows * s.out));
    for (int64_t r = 0; r < s.rows; ++r)
        for (int64_t n = 0; n < s.out; ++n) {
            double sum = p.bias[static_cast<std::size_t>(n)];
            for (int64_t k = 0; k < s.in; ++k)
                sum += double(p.x[static_cast<std::size_t>(r * s.x_stride + k)]) * p.w[static_cast<std::size_t>(n * s.in + k)];
            p.product[static_cast<std::size_t>(r * s.out + n)] = sum;
        }
    return p;
}

// BA16a64b of the [in, out] matrix: panels of 64 outputs; in each, one row of 64 per input,
// the inputs padded with zeros to a multiple of 16 and the outputs to a multiple of 64.
std::vector<float> blocked_layout(const Problem& p) {
    const int64_t in_padded = (p.shape.in + 15) / 16 * 16, out_padded = (p.shape.out + 63) / 64 * 64;
    std::vector<float> blocked(static_cast<std::size_t>(in_padded * out_padded), 0.0f);
    for (int64_t n = 0; n < p.shape.out; ++n)
        for (int64_t k = 0; k < p.shape.in; ++k)
            blocked[static_cast<std::size_t>(n / 64 * in_padded * 64 + k * 64 + n % 64)] =
                p.w[static_cast<std::size_t>(n * p.shape.in + k)];
    return blocked;
}

using Epilogue = std::pair<std::optional<Activation>, bool>;  // activation, residual

double worst_error(const Problem& p, const Epilogue& epilogue, const std::vector<float>& y) {
    const auto& [activation, accumulate] = epilogue;
    double worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double pre = p.product[i] + (accumulate ? p.residual[i] : 0.0);
        const double want = activation ? activate(*activation, pre) : pre;
        worst = std::max(worst, std::abs(y[i] - want) / (1.0 + std::abs(want)));
    }
    return worst;
}

const std::vector<Epilogue> kEpilogues{{std::nullopt, false},         {std::nullopt, true},     {Activation::gelu_erf, false},
                                        {Activation::gelu_tanh, false}, {Activation::relu, false}, {Activation::tanh, false},
                                        {Activation::gelu_erf, true}};

// The problem's product on `weight` (its blocked layout) into y, with the given epilogue.
BlockedGemmArgs gemm_args(const Problem& p, const std::vector<float>& weight, const Epilogue& epilogue,
                          std::vector<float>& y) {
    return {.x = p.x.data(),
            .rows = p.shape.rows,
            .x_stride = p.shape.x_stride,
            .weight = weight.data(),
            .in = p.shape.in,
            .out = p.shape.out,
            .bias = p.bias.data(),
            .y = y.data(),
            .accumulate = epilogue.second,
            .activation = epilogue.first};
}

}  // namespace

TEST_CASE("the blocked GEMM matches a double-precision reference on every path", "[gemm]") {
    if (!blocked_gemm_available()) {
        WARN("neither AVX-512 nor AVX2 + FMA here (or BERTCLS_GEMM=onednn): blocked_gemm not checked");
        return;
    }
    const std::vector<Shape> shapes{{1, 64, 64, 64},      {5, 40, 128, 40},     {13, 768, 192, 771},
                                    {37, 1600, 128, 1600}, {600, 96, 256, 100}, {300, 768, 64, 768},
                                    {8, 3072, 128, 3072},  {2, 300, 64, 301},   {3, 17, 128, 17},
                                    {4, 520, 64, 520}};
    std::mt19937 rng(21);
    for (const Shape& s : shapes) {
        const Problem p = make_problem(s, rng);
        const std::vector<float> weight = blocked_layout(p);
        for (const Epilogue& epilogue : kEpilogues) {
            for (const int threads : {1, 2}) {
                const ThreadCount scope(threads);
                INFO("rows " << s.rows << ", in " << s.in << ", out " << s.out << ", activation "
                             << (epilogue.first ? activation_name(*epilogue.first) : "none") << ", residual "
                             << epilogue.second << ", threads " << threads);
                std::vector<float> y = epilogue.second ? p.residual : std::vector<float>(p.residual.size(), -7.0f);
                blocked_gemm(gemm_args(p, weight, epilogue, y));
                CHECK(worst_error(p, epilogue, y) < 1e-5);
            }
        }
    }
}

TEST_CASE("f32 dense layers of a multiple of 64 outputs run on the blocked GEMM through Linear", "[gemm]") {
    const Shape s{29, 768, 384, 770};
    REQUIRE(blocked_gemm_fits(s.in, s.out));
    std::mt19937 rng(22);
    const Problem p = make_problem(s, rng);
    const TensorInfo w{DType::F32, {s.out, s.in}, std::as_bytes(std::span<const float>(p.w))};
    const TensorInfo b{DType::F32, {s.out}, std::as_bytes(std::span<const float>(p.bias))};
    for (const Epilogue& epilogue : kEpilogues) {
        Linear linear(w, b, LinearEpilogue{epilogue.first, epilogue.second});
        std::vector<float> y = epilogue.second ? p.residual : std::vector<float>(p.residual.size(), -7.0f);
        linear.forward(p.x.data(), s.rows, y.data(), s.x_stride);
        CHECK(worst_error(p, epilogue, y) < 1e-5);
    }
}

TEST_CASE("a column range of the blocked GEMM writes those outputs only, at any row stride", "[gemm]") {
    if (!blocked_gemm_available()) {
        WARN("neither AVX-512 nor AVX2 + FMA here (or BERTCLS_GEMM=onednn): blocked_gemm not checked");
        return;
    }
    const Shape s{13, 768, 320, 768};
    std::mt19937 rng(23);
    const Problem p = make_problem(s, rng);
    const std::vector<float> weight = blocked_layout(p);
    const int64_t y_stride = s.out + 48;
    for (const auto& [begin, end] : {std::pair<int64_t, int64_t>{0, 64}, {64, 256}, {128, 320}}) {
        for (const int threads : {1, 2}) {
            const ThreadCount scope(threads);
            INFO("columns [" << begin << ", " << end << "), threads " << threads);
            std::vector<float> y(static_cast<std::size_t>(s.rows * y_stride), -7.0f);
            BlockedGemmArgs args = gemm_args(p, weight, {Activation::gelu_erf, false}, y);
            args.out_begin = begin;
            args.out_end = end;
            args.y_stride = y_stride;
            blocked_gemm(args);
            double worst = 0;
            int64_t touched_outside = 0;
            for (int64_t r = 0; r < s.rows; ++r)
                for (int64_t n = 0; n < y_stride; ++n) {
                    const float got = y[static_cast<std::size_t>(r * y_stride + n)];
                    if (n < begin || n >= end) {
                        touched_outside += got != -7.0f;
                        continue;
                    }
                    const double want = activate(Activation::gelu_erf, p.product[static_cast<std::size_t>(r * s.out + n)]);
                    worst = std::max(worst, std::abs(got - want) / (1.0 + std::abs(want)));
                }
            CHECK(worst < 1e-5);
            CHECK(touched_outside == 0);
        }
    }
}

// A classifier's last layer takes its queries from Linear::forward_columns on the first rows
// alone and its keys and values from the whole batch: the outputs must be bit for bit those of
// a full forward, or logits would change with what else is in the batch.
TEST_CASE("Linear::forward_columns gives exactly the full forward's outputs", "[gemm]") {
    const Shape s{17, 768, 384, 768};
    std::mt19937 rng(24);
    const Problem p = make_problem(s, rng);
    const TensorInfo w{DType::F32, {s.out, s.in}, std::as_bytes(std::span<const float>(p.w))};
    const TensorInfo b{DType::F32, {s.out}, std::as_bytes(std::span<const float>(p.bias))};
    Linear linear(w, b);
    if (!linear.computes_column_ranges()) {
        WARN("this layer runs on oneDNN here (no AVX2, or BERTCLS_GEMM=onednn): forward_columns not checked");
        CHECK_THROWS_AS(linear.forward_columns(p.x.data(), s.rows, nullptr, s.out, 0, 64), std::logic_error);
        return;
    }
    std::vector<float> full(static_cast<std::size_t>(s.rows * s.out));
    linear.forward(p.x.data(), s.rows, full.data());
    std::vector<float> parts(full.size(), -7.0f);
    linear.forward_columns(p.x.data(), s.rows, parts.data(), s.out, 128, 384);
    for (int64_t r = 0; r < s.rows; ++r)  // the first rows' first columns one row at a time
        linear.forward_columns(p.x.data() + r * s.in, 1, parts.data() + r * s.out, s.out, 0, 128);
    CHECK(parts == full);
    CHECK_THROWS_AS(linear.forward_columns(p.x.data(), s.rows, parts.data(), s.out, 0, 100), std::logic_error);
}

// Each output is the same operations in the same order whatever else the call computes: a row
// alone (a one-row tile: the AVX2 kernel's widest strips) and among 13 (tiles of 6, 6 and 1; on
// two threads the 256 outputs split by panels, the 128 by rows) give the same bits, for every
// epilogue and each of the 13 positions.
TEST_CASE("a row of the blocked GEMM gives the same bits alone and among other rows", "[gemm]") {
    if (!blocked_gemm_available()) {
        WARN("neither AVX-512 nor AVX2 + FMA here (or BERTCLS_GEMM=onednn): blocked_gemm not checked");
        return;
    }
    for (const Shape& s : {Shape{13, 776, 256, 780}, Shape{13, 3072, 128, 3072}}) {
        std::mt19937 rng(25);
        const Problem p = make_problem(s, rng);
        const std::vector<float> weight = blocked_layout(p);
        for (const Epilogue& epilogue : kEpilogues) {
            for (const int threads : {1, 2}) {
                const ThreadCount scope(threads);
                INFO("in " << s.in << ", activation " << (epilogue.first ? activation_name(*epilogue.first) : "none")
                           << ", residual " << epilogue.second << ", threads " << threads);
                std::vector<float> all = p.residual;
                blocked_gemm(gemm_args(p, weight, epilogue, all));
                CHECK(worst_error(p, epilogue, all) < 1e-5);
                for (int64_t r = 0; r < s.rows; ++r) {
                    std::vector<float> alone(p.residual.begin() + r * s.out, p.residual.begin() + (r + 1) * s.out);
                    BlockedGemmArgs args = gemm_args(p, weight, epilogue, alone);
                    args.x = p.x.data() + r * s.x_stride;
                    args.rows = 1;
                    blocked_gemm(args);
                    INFO("row " << r);
                    CHECK(std::memcmp(alone.data(), all.data() + r * s.out, alone.size() * sizeof(float)) == 0);
                }
            }
        }
    }
}

// A classifier head's few outputs, or any count that ends inside the weight's zero-padded last
// panel: the values against the reference, nothing written past the real outputs (y's rows are
// wider here), a column range that starts at a whole panel and ends at `out`, and each row's
// bits the same alone as among 13 rows, on one thread and two.
TEST_CASE("outputs ending inside a zero-padded panel match the reference and do not depend on the rows", "[gemm]") {
    if (!blocked_gemm_available()) {
        WARN("neither AVX-512 nor AVX2 + FMA here (or BERTCLS_GEMM=onednn): blocked_gemm not checked");
        return;
    }
    std::mt19937 rng(26);
    for (const int64_t out : {1, 2, 6, 63, 65, 130}) {
        for (const int64_t in : {128, 17, 300}) {
            const Shape s{13, in, out, in + 3};
            const Problem p = make_problem(s, rng);
            const std::vector<float> weight = blocked_layout(p);
            const int64_t y_stride = out + 5;
            for (const Epilogue& epilogue : kEpilogues) {
                for (const int threads : {1, 2}) {
                    const ThreadCount scope(threads);
                    INFO("in " << in << ", out " << out << ", activation "
                               << (epilogue.first ? activation_name(*epilogue.first) : "none") << ", residual "
                               << epilogue.second << ", threads " << threads);
                    std::vector<float> all(static_cast<std::size_t>(s.rows * y_stride), -7.0f);
                    for (int64_t r = 0; r < s.rows; ++r)
                        std::copy_n(p.residual.begin() + r * out, out, all.begin() + r * y_stride);
                    BlockedGemmArgs args = gemm_args(p, weight, epilogue, all);
                    args.y_stride = y_stride;
                    blocked_gemm(args);
                    std::vector<float> dense(p.residual.size());
                    int64_t touched_outside = 0;
                    for (int64_t r = 0; r < s.rows; ++r) {
                        std::copy_n(all.begin() + r * y_stride, out, dense.begin() + r * out);
                        for (int64_t n = out; n < y_stride; ++n) touched_outside += all[static_cast<std::size_t>(r * y_stride + n)] != -7.0f;
                    }
                    CHECK(worst_error(p, epilogue, dense) < 1e-5);
                    CHECK(touched_outside == 0);
                    for (int64_t r = 0; r < s.rows; ++r) {
                        std::vector<float> alone(p.residual.begin() + r * out, p.residual.begin() + (r + 1) * out);
                        BlockedGemmArgs one = gemm_args(p, weight, epilogue, alone);
                        one.x = p.x.data() + r * s.x_stride;
                        one.rows = 1;
                        blocked_gemm(one);
                        INFO("row " << r);
                        CHECK(std::memcmp(alone.data(), dense.data() + r * out, alone.size() * sizeof(float)) == 0);
                    }
                    if (out > 64) {  // the last panel alone, the first one's columns left as they are
                        std::vector<float> tail = epilogue.second ? p.residual : std::vector<float>(p.residual.size(), -7.0f);
                        BlockedGemmArgs last = gemm_args(p, weight, epilogue, tail);
                        last.out_begin = out / 64 * 64;
                        blocked_gemm(last);
                        int64_t differs = 0, touched_before = 0;
                        for (int64_t r = 0; r < s.rows; ++r)
                            for (int64_t n = 0; n < out; ++n) {
                                const auto i = static_cast<std::size_t>(r * out + n);
                                if (n >= last.out_begin) differs += tail[i] != dense[i];
                                else touched_before += tail[i] != (epilogue.second ? p.residual[i] : -7.0f);
                            }
                        CHECK(differs == 0);
                        CHECK(touched_before == 0);
                    }
                }
            }
        }
    }
}

// The same through Linear, whose packer pads a plain [out, in] weight to whole panels: on this
// CPU's f32 path (the blocked GEMM on AVX2; oneDNN where the head stays there) the values match
// the reference, and a row's bits do not depend on the other rows of the call.
TEST_CASE("a dense layer of any output count matches the reference and does not depend on the rows", "[gemm]") {
    std::mt19937 rng(27);
    for (const int64_t out : {1, 2, 6, 63, 65, 130}) {
        const Shape s{19, 128, out, 128};
        const Problem p = make_problem(s, rng);
        const TensorInfo w{DType::F32, {s.out, s.in}, std::as_bytes(std::span<const float>(p.w))};
        const TensorInfo b{DType::F32, {s.out}, std::as_bytes(std::span<const float>(p.bias))};
        for (const Epilogue& epilogue : kEpilogues) {
            INFO("out " << out << ", activation " << (epilogue.first ? activation_name(*epilogue.first) : "none")
                        << ", residual " << epilogue.second);
            Linear linear(w, b, LinearEpilogue{epilogue.first, epilogue.second});
            CHECK_FALSE((linear.computes_column_ranges() && out % 64 != 0));
            std::vector<float> all = epilogue.second ? p.residual : std::vector<float>(p.residual.size(), -7.0f);
            linear.forward(p.x.data(), s.rows, all.data());
            CHECK(worst_error(p, epilogue, all) < 1e-5);
            for (int64_t r = 0; r < s.rows; ++r) {
                std::vector<float> alone(p.residual.begin() + r * out, p.residual.begin() + (r + 1) * out);
                linear.forward(p.x.data() + r * s.in, 1, alone.data());
                INFO("row " << r);
                CHECK(std::memcmp(alone.data(), all.data() + r * out, alone.size() * sizeof(float)) == 0);
            }
        }
    }
}
