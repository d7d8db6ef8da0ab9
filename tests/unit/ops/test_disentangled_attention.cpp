// DeBERTa's ops tested directly against simple references: the log position buckets against
// values of transformers' make_log_bucket_position, the disentangled attention kernel against
// a transcription of transformers' DisentangledSelfAttention (full c2p / p2c products, then
// gathers), and the packed Conv1d against a padded-batch convolution in double precision.
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/conv1d.h"
#include "ops/disentangled_attention.h"

using namespace bertcls;

namespace {

// transformers' DisentangledSelfAttention for one head, in double: scores = (Q·Kᵀ + c2p + p2c)
// * scale with c2p = gather(Q·PKᵀ, clamp(rel + span)), p2c = gather(K·PQᵀ, clamp(-rel + span))ᵀ,
// rel[i][j] = bucket(i - j); softmax; context.
void reference_head(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                    const std::vector<float>& pk, const std::vector<float>& pq, int64_t L, int64_t d, int64_t span,
                    int64_t buckets, int64_t max_position, bool c2p, bool p2c, double scale,
                    std::vector<double>& probs, std::vector<double>& context) {
    const int64_t rows = 2 * span;
    const auto rel = [&](int64_t i, int64_t j) { return relative_bucket(i - j, buckets, max_position); };
    const auto clamp = [&](int64_t x) { return std::min<int64_t>(std::max<int64_t>(x, 0), rows - 1); };
    std::vector<double> c2p_full(L * rows), p2c_full(L * rows);
    for (int64_t i = 0; i < L; ++i)
        for (int64_t m = 0; m < rows; ++m) {
            double a = 0, b = 0;
            for (int64_t x = 0; x < d; ++x) {
                a += double(q[i * d + x]) * pk[m * d + x];
                b += double(k[i * d + x]) * pq[m * d + x];
            }
            c2p_full[i * rows + m] = a;
            p2c_full[i * rows + m] = b;
        }
    probs.assign(L * L, 0);
    context.assign(L * d, 0);
    for (int64_t i = 0; i < L; ++i) {
        std::vector<double> s(L);
        double top = -1e300;
        for (int64_t j = 0; j < L; ++j) {
            double score = 0;
            for (int64_t x = 0; x < d; ++x) score += double(q[i * d + x]) * k[j * d + x];
            if (c2p) score += c2p_full[i * rows + clamp(rel(i, j) + span)];
            // p2c_att[j][i] = K_j · PQ[clamp(-rel[j][i] + span)], transposed.
            if (p2c) score += p2c_full[j * rows + clamp(-rel(j, i) + span)];
            s[j] = score * scale;
            top = std::max(top, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < L; ++j) sum += (s[j] = std::exp(s[j] - top));
        for (int64_t j = 0; j < L; ++j) {
            probs[i * L + j] = s[j] / sum;
            for (int64_t x = 0; x < d; ++x) context[i * d + x] += probs[i * L + j] * v[j * d + x];
        }
    }
}

}  // namespace

TEST_CASE("relative buckets match transformers' make_log_bucket_position", "[ops][deberta]") {
    // (distance, bucket) computed with transformers' formula in float32 (numpy), for
    // (position_buckets, max_relative_positions) = (16, 128), (8, 128) and (256, 512).
    struct Case { int64_t buckets, max_position; std::vector<std::pair<int64_t, int64_t>> expected; };
    const std::vector<Case> cases = {
        {16, 128, {{0, 0}, {1, 1}, {5, 5}, {7, 7}, {8, 8}, {9, 9}, {10, 9}, {15, 10}, {20, 11}, {50, 13}, {100, 15},
                   {127, 15}, {128, 16}, {129, 16}, {200, 17}, {300, 18}, {511, 19}, {512, 19}, {600, 19}}},
        {8, 128, {{0, 0}, {1, 1}, {5, 5}, {7, 5}, {8, 5}, {9, 5}, {10, 5}, {15, 6}, {20, 6}, {50, 7}, {100, 7},
                  {127, 7}, {128, 8}, {129, 8}, {200, 8}, {300, 8}, {511, 9}, {512, 9}, {600, 9}}},
        {256, 512, {{0, 0}, {1, 1}, {127, 127}, {128, 128}, {129, 129}, {200, 169}, {300, 207}, {511, 255},
                    {512, 256}, {600, 270}}},
    };
    for (const auto& c : cases)
        for (const auto& [distance, bucket] : c.expected) {
            CHECK(relative_bucket(distance, c.buckets, c.max_position) == bucket);
            CHECK(relative_bucket(-distance, c.buckets, c.max_position) == -bucket);
        }
    CHECK(relative_bucket(-700, 0, 512) == -700);  // no buckets: the distance itself
}

TEST_CASE("the disentangled attention kernel matches transformers' formula", "[ops][deberta]") {
    std::mt19937 rng(11);
    struct Setting { int64_t span, buckets, max_position; bool c2p, p2c; };
    const std::vector<Setting> settings = {
        {8, 16, 128, true, true},    // log buckets from distance 8
        {4, 8, 128, true, true},
        {24, 0, 24, true, true},     // no buckets: clamped distances
        {8, 16, 128, true, false},   // c2p only
        {8, 16, 128, false, true},   // p2c only
    };
    for (const auto& st : settings)
        for (const int64_t L : {1, 3, 9, 17, 40})
        for (const int64_t d : {12, 64}) {
            const int64_t rows = 2 * st.span;
            const auto q = test::normal_values(L * d, rng), k = test::normal_values(L * d, rng), v = test::normal_values(L * d, rng);
            const auto pk = test::normal_values(rows * d, rng), pq = test::normal_values(rows * d, rng);
            const int64_t stride = rows + 16;  // the padding the kernel may read
            std::vector<float> pk_t(d * stride, 0.0f), pq_t(d * stride, 0.0f);
            for (int64_t m = 0; m < rows; ++m)
                for (int64_t x = 0; x < d; ++x) {
                    pk_t[x * stride + m] = pk[m * d + x];
                    pq_t[x * stride + m] = pq[m * d + x];
                }
            std::vector<int32_t> index(2 * L - 1);
            relative_indices(L, st.span, st.buckets, st.max_position, index.data());
            const double scale = 1.0 / std::sqrt(double(d) * (1 + st.c2p + st.p2c));
            std::vector<double> want_probs, want_context;
            reference_head(q, k, v, pk, pq, L, d, st.span, st.buckets, st.max_position, st.c2p, st.p2c, scale, want_probs,
                           want_context);
            for (const int64_t queries : {int64_t{0}, int64_t{1}}) {
                const int64_t Q = queries ? queries : L;
                for (auto* kernel : {&detail::disentangled_head_generic, &detail::disentangled_head_avx2}) {
                    if (kernel == &detail::disentangled_head_avx2 && !__builtin_cpu_supports("avx2")) continue;
                    std::vector<float> context(Q * d), probs(Q * L);
                    std::vector<float> scratch(disentangled_scratch_floats(L, d));
                    DisentangledHead h{.q = q.data(), .k = k.data(), .v = v.data(), .qkv_stride = d, .length = L,
                                       .head_size = d, .scale = float(scale), .index = index.data(),
                                       .pos_key_t = st.c2p ? pk_t.data() : nullptr,
                                       .pos_query_t = st.p2c ? pq_t.data() : nullptr, .pos_rows = stride,
                                       .queries = queries, .context = context.data(), .context_stride = d,
                                       .probs = probs.data()};
                    kernel(h, scratch.data());
                    double worst = 0;
                    for (int64_t i = 0; i < Q * L; ++i) worst = std::max(worst, std::abs(probs[i] - want_probs[i]));
                    for (int64_t i = 0; i < Q * d; ++i) worst = std::max(worst, std::abs(context[i] - want_context[i]));
                    INFO("span " << st.span << " buckets " << st.buckets << " L " << L << " queries " << queries);
                    CHECK(worst < 1e-5);
                }
            }
        }
}

TEST_CASE("Conv1d over packed sequences matches a zero-padded convolution", "[ops][deberta]") {
    std::mt19937 rng(5);
    for (const int64_t groups : {1, 2})
        for (const int64_t kernel : {1, 3, 5}) {
            const int64_t C = 8, O = 6;
            const std::vector<int64_t> offsets = {0, 1, 5, 12};  // lengths 1, 4, 7
            const int64_t N = offsets.back();
            const auto w = test::normal_values(O * (C / groups) * kernel, rng), b = test::normal_values(O, rng);
            const auto x = test::normal_values(N * C, rng);
            const TensorInfo weight{DType::F32, {O, C / groups, kernel}, std::as_bytes(std::span<const float>(w))};
            const TensorInfo bias{DType::F32, {O}, std::as_bytes(std::span<const float>(b))};
            std::vector<float> y(N * O);
            Conv1d(weight, bias, groups, Activation::tanh).forward(x.data(), offsets, y.data());
            double worst = 0;
            for (std::size_t s = 0; s + 1 < offsets.size(); ++s)
                for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t)
                    for (int64_t o = 0; o < O; ++o) {
                        const int64_t g = o / (O / groups);
                        double acc = b[o];
                        for (int64_t kk = 0; kk < kernel; ++kk) {
                            const int64_t src = t + kk - (kernel - 1) / 2;
                            if (src < offsets[s] || src >= offsets[s + 1]) continue;  // zero padding
                            for (int64_t c = 0; c < C / groups; ++c)
                                acc += double(w[(o * (C / groups) + c) * kernel + kk]) * x[src * C + g * (C / groups) + c];
                        }
                        worst = std::max(worst, std::abs(std::tanh(acc) - y[t * O + o]));
                    }
            INFO("groups " << groups << " kernel " << kernel);
            CHECK(worst < 1e-5);
        }
}
