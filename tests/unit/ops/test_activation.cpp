// The elementwise activations (apply_activation, which DeBERTa's ConvLayer ends with) against
// transformers' definitions in double precision, over the range hidden states reach and past
// the points where erf and tanh saturate; and the names configs use for them.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/activation.h"
#include "ops/conv1d.h"

using namespace bertcls;

TEST_CASE("activations match transformers' definitions", "[ops]") {
    std::vector<float> x;
    for (float v = -12.0f; v <= 12.0f; v += 0.0037f) x.push_back(v);
    x.push_back(0.0f);
    x.push_back(-0.0f);
    x.push_back(1e-30f);
    x.push_back(-1e30f);  // tanh-GELU's cube overflows to -inf here: the result must still be 0
    x.push_back(1e30f);
    for (const Activation activation :
         {Activation::gelu_erf, Activation::gelu_tanh, Activation::relu, Activation::tanh}) {
        std::vector<float> got = x;
        apply_activation(got.data(), static_cast<int64_t>(got.size()), activation);
        double worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double want = test::reference_activation(activation, x[i]);
            worst = std::max(worst, std::abs(got[i] - want) / (1.0 + std::abs(want)));
        }
        INFO(activation_name(activation));
        CHECK(worst <= 1e-6);
    }
}

TEST_CASE("activations carry the names transformers' configs use", "[ops]") {
    CHECK(std::string(activation_name(Activation::gelu_erf)) == "gelu");
    CHECK(std::string(activation_name(Activation::gelu_tanh)) == "gelu_new");
    CHECK(std::string(activation_name(Activation::relu)) == "relu");
    CHECK(std::string(activation_name(Activation::tanh)) == "tanh");
}
