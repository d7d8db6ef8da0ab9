// One dense layer in f32, bf16 and int8 against a double-precision reference computed here from
// the documented number formats (docs/FORMAT.md, ops/activation_convert.h): bf16 is
// round-to-nearest-even; int8 weights are symmetric per output row, activations asymmetric per
// row (token) with a zero point. Odd sizes exercise the packer's padded blocks, a row stride the
// strided input, and weights stored as F32, BF16 or I8 every conversion path.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "ops/linear.h"

using namespace bertcls;

namespace {

constexpr int64_t kIn = 96, kOut = 70, kRows = 37, kStride = 101;

float bf16_round(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    u = ((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16) << 16;
    float r;
    std::memcpy(&r, &u, 4);
    return r;
}

template <typename T>
TensorInfo tensor(DType dtype, std::vector<int64_t> shape, const std::vector<T>& data) {
    return {dtype, std::move(shape), std::as_bytes(std::span<const T>(data))};
}

struct Problem {
    std::vector<float> w, bias, x, residual;
};

Problem make_problem(std::mt19937& rng) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    Problem p;
    p.w.resize(kOut * kIn);
    for (auto& v : p.w) v = dist(rng) * 0.2f;
    p.w[5 * kIn + 7] = 3.0f;  // a row with an outlier, which widens its scale
    p.bias.resize(kOut);
    for (auto& v : p.bias) v = dist(rng);
    p.x.assign(kRows * kStride, 1e30f);  // the stride gap must never be read
    for (int64_t r = 0; r < kRows; ++r)
        for (int64_t k = 0; k < kIn; ++k) p.x[r * kStride + k] = dist(rng) + 0.7f;  // off-centre: zero point != 128
    p.residual.resize(kRows * kOut);
    for (auto& v : p.residual) v = dist(rng);
    return p;
}

double gelu(double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }

// y = act(x·w'ᵀ + b (+ residual)) with w' and x' the operands as the arithmetic sees them.
std::vector<double> reference(const Problem& p, const std::vector<double>& w, const std::vector<double>& x,
                              bool accumulate, bool activation) {
    std::vector<double> y(kRows * kOut);
    for (int64_t r = 0; r < kRows; ++r)
        for (int64_t n = 0; n < kOut; ++n) {
            double sum = p.bias[n];
            for (int64_t k = 0; k < kIn; ++k) sum += x[r * kIn + k] * w[n * kIn + k];
            if (accumulate) sum += p.residual[r * kOut + n];
            y[r * kOut + n] = activation ? gelu(sum) : sum;
        }
    return y;
}

std::vector<double> operands_f32(const std::vector<float>& values, int64_t rows, int64_t cols, int64_t stride) {
    std::vector<double> out(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t k = 0; k < cols; ++k) out[r * cols + k] = values[r * stride + k];
    return out;
}

std::vector<double> operands_bf16(const std::vector<float>& values, int64_t rows, int64_t cols, int64_t stride) {
    auto out = operands_f32(values, rows, cols, stride);
    for (auto& v : out) v = bf16_round(static_cast<float>(v));
    return out;
}

// Symmetric per-row int8, dequantized.
std::vector<double> weights_int8(const std::vector<float>& w, std::vector<int8_t>* q = nullptr,
                                 std::vector<float>* scales = nullptr) {
    std::vector<double> out(kOut * kIn);
    for (int64_t n = 0; n < kOut; ++n) {
        float max_abs = 0;
        for (int64_t k = 0; k < kIn; ++k) max_abs = std::max(max_abs, std::fabs(w[n * kIn + k]));
        const float s = max_abs / 127.0f;
        if (scales) scales->push_back(s);
        for (int64_t k = 0; k < kIn; ++k) {
            const float qv = std::nearbyint(w[n * kIn + k] / s);
            if (q) q->push_back(static_cast<int8_t>(qv));
            out[n * kIn + k] = double(qv) * s;
        }
    }
    return out;
}

// Asymmetric u8 per row (per token; each row's range widened to include 0), dequantized.
std::vector<double> activations_u8(const Problem& p) {
    std::vector<double> out(kRows * kIn);
    for (int64_t r = 0; r < kRows; ++r) {
        float lo = 0, hi = 0;
        for (int64_t k = 0; k < kIn; ++k) lo = std::min(lo, p.x[r * kStride + k]), hi = std::max(hi, p.x[r * kStride + k]);
        const float s = (hi - lo) / 255.0f;
        const float zp = std::nearbyint(-lo / s);
        for (int64_t k = 0; k < kIn; ++k) {
            // x / s + z with one rounding, as the quantization kernel's fused multiply-add does
            // (int8 runs only on VNNI CPUs, which all take the AVX-512 kernel).
            const float q = std::floor(std::min(std::max(std::fma(p.x[r * kStride + k], 1.0f / s, zp), 0.0f), 255.0f) + 0.5f);
            out[r * kIn + k] = (double(q) - zp) * s;
        }
    }
    return out;
}

double worst_relative(const std::vector<float>& got, const std::vector<double>& want) {
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        worst = std::max(worst, std::abs(got[i] - want[i]) / (1.0 + std::abs(want[i])));
    return worst;
}

std::vector<float> run(Linear& linear, const Problem& p, bool accumulate) {
    std::vector<float> y = accumulate ? p.residual : std::vector<float>(kRows * kOut, 0.0f);
    linear.forward(p.x.data(), kRows, y.data(), kStride);
    return y;
}

}  // namespace

TEST_CASE("a dense layer computes the documented bf16 and int8 arithmetic", "[dtype]") {
    std::mt19937 rng(11);
    const Problem p = make_problem(rng);
    const TensorInfo w = tensor(DType::F32, {kOut, kIn}, p.w), b = tensor(DType::F32, {kOut}, p.bias);

    for (const bool accumulate : {false, true}) {
        const bool activation = !accumulate;
        const LinearEpilogue epilogue{activation ? std::optional(Activation::gelu_erf) : std::nullopt, accumulate};
        SECTION(std::string("epilogue ") + (accumulate ? "residual" : "gelu")) {
            const auto want_f32 = reference(p, operands_f32(p.w, kOut, kIn, kIn), operands_f32(p.x, kRows, kIn, kStride),
                                            accumulate, activation);
            Linear in_place(w, b, epilogue);
            CHECK(worst_relative(run(in_place, p, accumulate), want_f32) < 1e-5);
            in_place.pack();
            CHECK(worst_relative(run(in_place, p, accumulate), want_f32) < 1e-5);

            if (choose_compute_type(ComputeType::bf16).effective == ComputeType::bf16) {
                Linear bf16(DenseWeight{&w}, b, epilogue, nullptr, ComputeType::bf16);
                const auto want = reference(p, operands_bf16(p.w, kOut, kIn, kIn), operands_bf16(p.x, kRows, kIn, kStride),
                                            accumulate, activation);
                CHECK(worst_relative(run(bf16, p, accumulate), want) < 1e-5);
                // ... and it is a different computation from f32 (bf16 loses about 3 digits).
                CHECK(worst_relative(run(bf16, p, accumulate), want_f32) > 1e-4);
            } else {
                WARN("no AVX512-BF16 here: bf16 arithmetic not checked");
            }
            if (choose_compute_type(ComputeType::int8).effective == ComputeType::int8) {
                Linear int8(DenseWeight{&w}, b, epilogue, nullptr, ComputeType::int8);
                const auto want = reference(p, weights_int8(p.w), activations_u8(p), accumulate, activation);
                CHECK(worst_relative(run(int8, p, accumulate), want) < 1e-5);
                CHECK(worst_relative(run(int8, p, accumulate), want_f32) > 1e-3);
            } else {
                WARN("no AVX512-VNNI here: int8 arithmetic not checked");
            }
        }
    }
}

TEST_CASE("weights stored as BF16 or I8 give the same layer as their f32 values", "[dtype]") {
    std::mt19937 rng(12);
    const Problem p = make_problem(rng);
    const TensorInfo b = tensor(DType::F32, {kOut}, p.bias);

    std::vector<uint16_t> w_bf16(p.w.size());
    for (std::size_t i = 0; i < p.w.size(); ++i) {
        const float r = bf16_round(p.w[i]);
        uint32_t u;
        std::memcpy(&u, &r, 4);
        w_bf16[i] = static_cast<uint16_t>(u >> 16);
    }
    std::vector<int8_t> q;
    std::vector<float> scales;
    const auto dequantized = weights_int8(p.w, &q, &scales);
    const TensorInfo bf16_tensor = tensor(DType::BF16, {kOut, kIn}, w_bf16);
    const TensorInfo q_tensor = tensor(DType::I8, {kOut, kIn}, q), scale_tensor = tensor(DType::F32, {kOut}, scales);

    // f32 arithmetic on stored BF16 and I8 weights: exactly their values, unpacked at load.
    Linear from_bf16(DenseWeight{&bf16_tensor}, b, {}, nullptr, ComputeType::f32);
    CHECK(worst_relative(run(from_bf16, p, false),
                         reference(p, operands_bf16(p.w, kOut, kIn, kIn), operands_f32(p.x, kRows, kIn, kStride), false,
                                   false)) < 1e-5);
    Linear from_i8(DenseWeight{&q_tensor, &scale_tensor}, b, {}, nullptr, ComputeType::f32);
    CHECK(worst_relative(run(from_i8, p, false),
                         reference(p, dequantized, operands_f32(p.x, kRows, kIn, kStride), false, false)) < 1e-5);

    // int8 arithmetic on a stored I8 weight uses the file's q and scales as they are.
    if (choose_compute_type(ComputeType::int8).effective == ComputeType::int8) {
        Linear int8(DenseWeight{&q_tensor, &scale_tensor}, b, {}, nullptr, ComputeType::int8);
        CHECK(worst_relative(run(int8, p, false), reference(p, dequantized, activations_u8(p), false, false)) < 1e-5);
    }
}

TEST_CASE("compute type names round-trip and unknown ones are refused", "[dtype]") {
    for (ComputeType t : {ComputeType::f32, ComputeType::bf16, ComputeType::int8})
        CHECK(parse_compute_type(compute_type_name(t)) == t);
    CHECK_FALSE(parse_compute_type("fp16"));
    CHECK_FALSE(parse_compute_type(""));
}

// A weight stored blocked (built here with DenseWeight::offset, the layout docs/FORMAT.md
// specifies) must be exactly what oneDNN's kernels read in place: the layer's output equals the
// one over the same weight stored row-major, in every arithmetic, and so does the re-packing
// path taken when arithmetic and storage differ.
TEST_CASE("weights stored blocked are read in place as the kernels' own layout", "[dtype]") {
    constexpr int64_t out = 128, in = 64, rows = 9;
    std::mt19937 rng(13);
    std::normal_distribution<float> dist(0.0f, 0.3f);
    std::vector<float> w(out * in), bias(out), x(rows * in);
    for (auto& v : w) v = dist(rng);
    for (auto& v : bias) v = dist(rng);
    for (auto& v : x) v = dist(rng);
    const TensorInfo b = tensor(DType::F32, {out}, bias);

    std::vector<int8_t> q(out * in);
    std::vector<float> scales(out);
    for (int64_t n = 0; n < out; ++n) {
        float max_abs = 0;
        for (int64_t k = 0; k < in; ++k) max_abs = std::max(max_abs, std::fabs(w[n * in + k]));
        scales[n] = max_abs / 127.0f;
        for (int64_t k = 0; k < in; ++k) q[n * in + k] = static_cast<int8_t>(std::nearbyint(w[n * in + k] / scales[n]));
    }
    const TensorInfo plain_f32 = tensor(DType::F32, {out, in}, w), plain_q = tensor(DType::I8, {out, in}, q),
                     scale_tensor = tensor(DType::F32, {out}, scales);
    const auto blocked_copy = [&](const auto& values, const TensorInfo& plain) {
        using T = typename std::decay_t<decltype(values)>::value_type;
        std::vector<T> result(values.size());
        const DenseWeight layout{&plain, nullptr, true};
        for (int64_t n = 0; n < out; ++n)
            for (int64_t k = 0; k < in; ++k) result[layout.offset(n, k)] = values[n * in + k];
        return result;
    };
    const auto blocked_w = blocked_copy(w, plain_f32);
    const auto blocked_q = blocked_copy(q, plain_q);
    const TensorInfo blocked_f32 = tensor(DType::F32, {out, in}, blocked_w), blocked_i8 = tensor(DType::I8, {out, in}, blocked_q);

    // The plain weight is packed first, so both run the same kernel on the same layout (an
    // unpacked f32 weight runs on oneDNN, whose sums round differently from blocked_gemm's).
    const auto forward = [&](DenseWeight weight, ComputeType compute) {
        Linear linear(weight, b, {}, nullptr, compute);
        linear.pack();
        std::vector<float> y(rows * out);
        linear.forward(x.data(), rows, y.data());
        return y;
    };
    for (ComputeType compute : {ComputeType::f32, ComputeType::bf16, ComputeType::int8}) {
        if (choose_compute_type(compute).effective != compute) continue;
        INFO(compute_type_name(compute));
        CHECK(forward({&blocked_f32, nullptr, true}, compute) == forward({&plain_f32}, compute));
        CHECK(forward({&blocked_i8, &scale_tensor, true}, compute) == forward({&plain_q, &scale_tensor}, compute));
    }
}

// The rows of a weight stored blocked read back as the row-major values they came from, for each
// dtype: the blocked tensors are laid out here by docs/FORMAT.md's formula, written out
// independently of DenseWeight::offset, with several blocks of outputs and of inputs.
TEST_CASE("a blocked weight's rows read back as stored, in each dtype", "[dtype]") {
    constexpr int64_t out = 128, in = 192;
    std::mt19937 rng(14);
    std::uniform_int_distribution<int> values(-127, 127);
    std::vector<float> w(out * in);
    std::vector<int8_t> q(out * in);
    std::vector<uint16_t> bf(out * in);
    std::vector<float> scales(out);
    for (int64_t i = 0; i < out * in; ++i) {
        q[i] = static_cast<int8_t>(values(rng));
        w[i] = static_cast<float>(q[i]) / 64.0f;  // exact in bf16 too
        uint32_t bits;
        std::memcpy(&bits, &w[i], 4);
        bf[i] = static_cast<uint16_t>(bits >> 16);
    }
    for (int64_t n = 0; n < out; ++n) scales[n] = 1.0f / static_cast<float>(n + 1);
    const auto blocked = [&](const auto& plain, int64_t p) {
        std::decay_t<decltype(plain)> result(plain.size());
        const int64_t kb = 16 * p;
        for (int64_t n = 0; n < out; ++n)
            for (int64_t k = 0; k < in; ++k)
                result[(n / 64) * in * 64 + (k / kb) * kb * 64 + ((k % kb) / p) * 64 * p + (n % 64) * p + k % p] =
                    plain[n * in + k];
        return result;
    };
    const auto w_blocked = blocked(w, 1);
    const auto bf_blocked = blocked(bf, 2);
    const auto q_blocked = blocked(q, 4);
    const TensorInfo f32_tensor = tensor(DType::F32, {out, in}, w_blocked), bf16_tensor = tensor(DType::BF16, {out, in}, bf_blocked),
                     i8_tensor = tensor(DType::I8, {out, in}, q_blocked), scale_tensor = tensor(DType::F32, {out}, scales);
    std::vector<float> row(in);
    std::vector<int8_t> row_q(in);
    for (int64_t n = 0; n < out; ++n) {
        INFO("row " << n);
        DenseWeight{&f32_tensor, nullptr, true}.row_as_f32(n, row.data());
        CHECK(std::equal(row.begin(), row.end(), w.begin() + n * in));
        DenseWeight{&bf16_tensor, nullptr, true}.row_as_f32(n, row.data());
        CHECK(std::equal(row.begin(), row.end(), w.begin() + n * in));
        const DenseWeight i8{&i8_tensor, &scale_tensor, true};
        i8.row_as_s8(n, row_q.data());
        CHECK(std::equal(row_q.begin(), row_q.end(), q.begin() + n * in));
        i8.row_as_f32(n, row.data());
        bool scaled = true;
        for (int64_t k = 0; k < in; ++k) scaled = scaled && row[k] == static_cast<float>(q[n * in + k]) * scales[n];
        CHECK(scaled);
    }
}
