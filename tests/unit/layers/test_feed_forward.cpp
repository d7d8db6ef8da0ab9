// The feed-forward block against a double-precision transcription of transformers'
// BertIntermediate + BertOutput: LayerNorm(x + W2·act(W1·x + b1) + b2), for every activation,
// with token counts that leave the layer's row blocks whole, partial, and more than one.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/feed_forward.h"
#include "op_test_support.h"

using namespace bertcls;
using test::f32_tensor;
using test::normal_values;

TEST_CASE("the feed-forward block matches a double-precision reference", "[layers]") {
    std::mt19937 rng(37);
    const int64_t H = 24, I = 56;
    const auto w1 = normal_values(I * H, rng, 0.3f), b1 = normal_values(I, rng), w2 = normal_values(H * I, rng, 0.2f),
               b2 = normal_values(H, rng), gamma = normal_values(H, rng, 0.5f, 1.0f), beta = normal_values(H, rng);
    const TensorInfo w1_t = f32_tensor({I, H}, w1), b1_t = f32_tensor({I}, b1), w2_t = f32_tensor({H, I}, w2),
                     b2_t = f32_tensor({H}, b2), gamma_t = f32_tensor({H}, gamma), beta_t = f32_tensor({H}, beta);
    const FeedForwardWeights weights{.intermediate = {&w1_t},
                                     .intermediate_bias = &b1_t,
                                     .output = {&w2_t},
                                     .output_bias = &b2_t,
                                     .norm = {&gamma_t, &beta_t}};
    const double eps = 1e-7;
    for (const Activation activation :
         {Activation::gelu_erf, Activation::gelu_tanh, Activation::relu, Activation::tanh}) {
        FeedForward ffn(weights, activation, eps, nullptr, ComputeType::f32);
        Workspace work;
        for (const int64_t tokens : {int64_t{1}, int64_t{9}, FeedForward::kRowBlock + 77}) {
            const auto x = normal_values(static_cast<std::size_t>(tokens * H), rng, 1.5f, 0.5f);
            std::vector<float> got = x;
            ffn.forward(got.data(), tokens, work);

            const std::vector<double> x_double(x.begin(), x.end());
            std::vector<double> inner = test::reference_linear(x_double, tokens, w1, b1);
            for (double& v : inner) v = test::reference_activation(activation, v);
            std::vector<double> want = test::reference_linear(inner, tokens, w2, b2);
            for (std::size_t i = 0; i < want.size(); ++i) want[i] += x[i];
            test::reference_layer_norm(want, gamma, beta, eps);
            INFO(activation_name(activation) << ", " << tokens << " tokens");
            CHECK(test::worst_error(got, want) <= 1e-5);
        }
    }
}
