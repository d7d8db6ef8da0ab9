// Ops tested directly against simple references, as llama.cpp's test-backend-ops does: LayerNorm
// against a double-precision one, and a dense layer's rows against themselves computed alone
// (the property batch output relies on: a record's scores do not depend on its batch).
#include <omp.h>

#include <cmath>
#include <random>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

using namespace bertcls;

using test::f32_tensor;
using test::normal_values;

TEST_CASE("LayerNorm matches a double-precision reference", "[ops]") {
    std::mt19937 rng(7);
    for (const int64_t width : {1, 7, 64, 128, 771}) {
        const int64_t rows = 5;
        const auto gamma = normal_values(width, rng), beta = normal_values(width, rng);
        // Off-centre rows, as hidden states are (their mean is not 0).
        auto x = normal_values(rows * width, rng, 2.0f, 3.0f);
        const auto original = x;
        const double eps = 1e-12;
        const LayerNorm norm(f32_tensor({width}, gamma), f32_tensor({width}, beta), eps);
        norm.forward(x.data(), rows);
        for (int64_t r = 0; r < rows; ++r) {
            double mean = 0, var = 0;
            for (int64_t i = 0; i < width; ++i) mean += original[r * width + i];
            mean /= double(width);
            for (int64_t i = 0; i < width; ++i) var += std::pow(original[r * width + i] - mean, 2);
            var /= double(width);
            for (int64_t i = 0; i < width; ++i) {
                const double want = (original[r * width + i] - mean) / std::sqrt(var + eps) * gamma[i] + beta[i];
                INFO("width " << width << " row " << r << " column " << i);
                CHECK(std::abs(x[r * width + i] - want) <= 1e-4 * (1 + std::abs(want)));
            }
        }
    }
}

TEST_CASE("a dense layer's rows do not depend on the other rows of the call", "[ops]") {
    std::mt19937 rng(11);
    const int64_t in = 96, out = 80;
    const auto w = normal_values(out * in, rng, 0.2f), bias = normal_values(out, rng);
    const TensorInfo weight = f32_tensor({out, in}, w), b = f32_tensor({out}, bias);
    Linear linear(DenseWeight{&weight}, b, LinearEpilogue{.activation = Activation::gelu_erf, .accumulate = true});
    const int64_t rows = 53;  // more than one chunk of every kernel, and a partial last one
    const auto x = normal_values(rows * in, rng), residual = normal_values(rows * out, rng);

    std::vector<float> all = residual;
    linear.forward(x.data(), rows, all.data());
    for (const int threads : {1, 2}) {
        omp_set_num_threads(threads);
        for (int64_t r = 0; r < rows; r += 13) {
            std::vector<float> alone(residual.begin() + r * out, residual.begin() + (r + 1) * out);
            linear.forward(x.data() + r * in, 1, alone.data());
            INFO("row " << r << ", " << threads << " threads");
            CHECK(std::equal(alone.begin(), alone.end(), all.begin() + r * out));
        }
        // The same rows in another company: the last 20 only.
        std::vector<float> tail(residual.end() - 20 * out, residual.end());
        linear.forward(x.data() + (rows - 20) * in, 20, tail.data());
        CHECK(std::equal(tail.begin(), tail.end(), all.end() - 20 * out));
    }
    omp_set_num_threads(omp_get_num_procs());
}
