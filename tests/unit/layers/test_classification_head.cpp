// The classification head against a double-precision transcription of transformers' pooler +
// classifier: logits = W_out·act(W_dense·h_first + b_dense) + b_out, for every activation a family
// uses there. The padding rows after the sequences hold NaN: nothing of them may reach a logit.
#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/classification_head.h"
#include "op_test_support.h"

using namespace bertcls;
using test::f32_tensor;
using test::normal_values;

TEST_CASE("the classification head matches a double-precision reference", "[layers]") {
    std::mt19937 rng(41);
    const int64_t H = 40, labels = 3;
    const auto dense = normal_values(H * H, rng, 0.2f), dense_bias = normal_values(H, rng),
               out = normal_values(labels * H, rng), out_bias = normal_values(labels, rng);
    const TensorInfo dense_t = f32_tensor({H, H}, dense), dense_bias_t = f32_tensor({H}, dense_bias),
                     out_t = f32_tensor({labels, H}, out), out_bias_t = f32_tensor({labels}, out_bias);
    const ClassificationHeadWeights weights{
        .dense = &dense_t, .dense_bias = &dense_bias_t, .out = &out_t, .out_bias = &out_bias_t};
    for (const Activation activation :
         {Activation::tanh, Activation::relu, Activation::gelu_erf, Activation::gelu_tanh}) {
        ClassificationHead head(weights, activation, nullptr);
        Workspace work;
        for (const int64_t sequences : {1, 5, 67}) {  // 67 sequences run as 68 rows
            const int64_t rows = padded_rows(sequences);
            std::vector<float> first_tokens = normal_values(static_cast<std::size_t>(rows * H), rng, 2.0f);
            std::fill(first_tokens.begin() + sequences * H, first_tokens.end(), NAN);
            std::vector<float> got(static_cast<std::size_t>(sequences * labels) + 1, -7.0f);
            head.forward(first_tokens.data(), sequences, got.data(), work);

            const std::vector<double> x(first_tokens.begin(), first_tokens.begin() + sequences * H);
            std::vector<double> pooled = test::reference_linear(x, sequences, dense, dense_bias);
            for (double& v : pooled) v = test::reference_activation(activation, v);
            const std::vector<double> want = test::reference_linear(pooled, sequences, out, out_bias);
            INFO(activation_name(activation) << ", " << sequences << " sequences");
            CHECK(test::worst_error(got, want) <= 1e-5);
            CHECK(got.back() == -7.0f);  // nothing written past the logits
        }
    }
}
