// The post-LayerNorm attention layers against a double-precision transcription of transformers'
// BertSelfAttention + BertSelfOutput, per packed sequence: Q, K and V from the fused projection,
// per-head softmax(Q·Kᵀ · scale)·V, then LayerNorm(x + context·Woᵀ + bo). Every row, the kept
// probabilities, and the first-tokens-only path a classifier's last layer takes. DeBERTa's layer
// without relative positions computes the same with its own scale (1 / sqrt(d · score terms)).
#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/attention.h"
#include "layers/disentangled_attention.h"
#include "op_test_support.h"

using namespace bertcls;
using test::f32_tensor;
using test::normal_values;

namespace {

constexpr int64_t kHidden = 24, kHeads = 3, kHeadSize = kHidden / kHeads;

struct Weights {
    std::vector<float> qkv, qkv_bias, output, output_bias, gamma, beta;
    TensorInfo qkv_t, qkv_bias_t, output_t, output_bias_t, gamma_t, beta_t;

    explicit Weights(std::mt19937& rng)
        : qkv(normal_values(3 * kHidden * kHidden, rng, 0.4f)),
          qkv_bias(normal_values(3 * kHidden, rng, 0.2f)),
          output(normal_values(kHidden * kHidden, rng, 0.3f)),
          output_bias(normal_values(kHidden, rng)),
          gamma(normal_values(kHidden, rng, 0.5f, 1.0f)),
          beta(normal_values(kHidden, rng)),
          qkv_t(f32_tensor({3 * kHidden, kHidden}, qkv)),
          qkv_bias_t(f32_tensor({3 * kHidden}, qkv_bias)),
          output_t(f32_tensor({kHidden, kHidden}, output)),
          output_bias_t(f32_tensor({kHidden}, output_bias)),
          gamma_t(f32_tensor({kHidden}, gamma)),
          beta_t(f32_tensor({kHidden}, beta)) {}

    SelfAttentionWeights layer() const {
        return {.qkv = {&qkv_t}, .qkv_bias = &qkv_bias_t, .output = {&output_t}, .output_bias = &output_bias_t,
                .norm = {&gamma_t, &beta_t}};
    }
};

struct Reference {
    std::vector<double> out;                 // [tokens, H]
    std::vector<std::vector<double>> probs;  // per sequence [heads, L, L]
};

Reference reference(const Weights& w, const std::vector<float>& x, const PackedBatch& batch, double scale) {
    const int64_t H = kHidden, d = kHeadSize, N = batch.tokens();
    const std::vector<double> qkv = test::reference_linear(std::vector<double>(x.begin(), x.begin() + N * H), N,
                                                           w.qkv, w.qkv_bias);
    std::vector<double> context(static_cast<std::size_t>(N * H), 0.0);
    Reference r;
    for (int64_t s = 0; s < batch.sequences(); ++s) {
        const int64_t first = batch.offsets[s], L = batch.length(s);
        auto& probs = r.probs.emplace_back(static_cast<std::size_t>(kHeads * L * L));
        for (int64_t h = 0; h < kHeads; ++h)
            for (int64_t i = 0; i < L; ++i) {
                std::vector<double> p(static_cast<std::size_t>(L));
                double top = -INFINITY, sum = 0;
                for (int64_t j = 0; j < L; ++j) {
                    double dot = 0;
                    for (int64_t c = 0; c < d; ++c)
                        dot += qkv[(first + i) * 3 * H + h * d + c] * qkv[(first + j) * 3 * H + H + h * d + c];
                    top = std::max(top, p[j] = dot * scale);
                }
                for (auto& v : p) sum += (v = std::exp(v - top));
                for (int64_t j = 0; j < L; ++j) {
                    probs[(h * L + i) * L + j] = p[j] / sum;
                    for (int64_t c = 0; c < d; ++c)
                        context[(first + i) * H + h * d + c] += p[j] / sum * qkv[(first + j) * 3 * H + 2 * H + h * d + c];
                }
            }
    }
    r.out = test::reference_linear(context, N, w.output, w.output_bias);
    for (int64_t i = 0; i < N * H; ++i) r.out[i] += x[i];
    test::reference_layer_norm(r.out, w.gamma, w.beta, 1e-12);
    return r;
}

// Runs `layer` over the batch every way a family calls it and compares with the reference.
void check_layer(PostNormAttention& layer, const Weights& w, double scale) {
    std::mt19937 rng(83);
    PackedBatch batch;
    for (const int64_t length : {5, 1, 12, 7}) batch.add({std::vector<int32_t>(static_cast<std::size_t>(length), 1), {}});
    const int64_t N = batch.tokens(), rows = N + 3;  // 3 padding rows, which only the dense layers see
    const std::vector<float> x = normal_values(static_cast<std::size_t>(rows * kHidden), rng, 1.5f);
    const Reference want = reference(w, x, batch, scale);
    Workspace work;

    std::vector<float> hidden = x;
    AttentionMaps maps;
    layer.forward(hidden.data(), rows, batch, &maps, work);
    hidden.resize(static_cast<std::size_t>(N * kHidden));
    CHECK(test::worst_error(hidden, want.out) <= 1e-5);
    REQUIRE(maps.size() == want.probs.size());
    for (std::size_t s = 0; s < maps.size(); ++s) CHECK(test::worst_error(maps[s], want.probs[s]) <= 1e-6);

    std::vector<float> again = x;  // without maps: the same rows
    layer.forward(again.data(), rows, batch, nullptr, work);
    again.resize(hidden.size());
    CHECK(again == hidden);

    std::vector<float> first(static_cast<std::size_t>(padded_rows(batch.sequences()) * kHidden), -7.0f);
    layer.forward_first_tokens(x.data(), rows, batch, first.data(), work);
    std::vector<double> want_first;
    for (int64_t s = 0; s < batch.sequences(); ++s)
        want_first.insert(want_first.end(), want.out.begin() + batch.offsets[s] * kHidden,
                          want.out.begin() + (batch.offsets[s] + 1) * kHidden);
    first.resize(want_first.size());
    CHECK(test::worst_error(first, want_first) <= 1e-5);
}

}  // namespace

TEST_CASE("BERT's attention layer matches a double-precision reference", "[layers]") {
    std::mt19937 rng(79);
    const Weights w(rng);
    SelfAttention layer(w.layer(), kHeads, 1e-12, nullptr, ComputeType::f32);
    check_layer(layer, w, 1.0 / std::sqrt(double(kHeadSize)));
}

TEST_CASE("DeBERTa's attention layer without relative positions matches the same reference", "[layers]") {
    std::mt19937 rng(89);
    const Weights w(rng);
    for (const int64_t score_terms : {1, 3}) {
        DisentangledAttention layer({.attention = w.layer()}, kHeads, 1e-12, nullptr, score_terms, nullptr,
                                    ComputeType::f32);
        INFO(score_terms << " score terms");
        check_layer(layer, w, 1.0 / std::sqrt(double(kHeadSize * score_terms)));
    }
}
