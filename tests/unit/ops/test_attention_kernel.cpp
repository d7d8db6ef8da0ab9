// The vectorised attention kernels (AVX2, AVX-512) agree with the plain one on random heads of
// many lengths and head sizes, strided as the QKV projection lays them out.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "op_test_support.h"
#include "ops/attention_kernel.h"

using namespace bertcls;

namespace {

struct Head {
    std::vector<float> qkv, context, probs, scratch;
    AttentionHead args;
};

Head make_head(int64_t L, int64_t d, int64_t extra_stride, std::mt19937& rng) {
    Head h;
    const int64_t stride = 3 * d + extra_stride;
    std::normal_distribution<float> dist(0.0f, 2.0f);
    h.qkv.resize(static_cast<std::size_t>(L * stride));
    for (auto& x : h.qkv) x = dist(rng);
    h.context.assign(static_cast<std::size_t>(L * (d + 3)), -7.0f);
    h.probs.assign(static_cast<std::size_t>(L * L), -7.0f);
    h.scratch.resize(attention_scratch_floats(L, d) + 16);
    h.args = {.q = h.qkv.data(),
              .k = h.qkv.data() + d,
              .v = h.qkv.data() + 2 * d,
              .qkv_stride = stride,
              .length = L,
              .head_size = d,
              .scale = 1.0f / std::sqrt(static_cast<float>(d)),
              .context = h.context.data(),
              .context_stride = d + 3,
              .probs = h.probs.data()};
    return h;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    return worst;
}

}  // namespace

TEST_CASE("vectorised attention kernels match the plain one", "[engine][attention]") {
    // The plain kernel is in the list too, for its handling of `queries` below.
    const auto kernels = test::runnable_attention_kernels();
    if (kernels.size() == 1) WARN("no vector kernel runs on this CPU");
    INFO("dispatch picks " << attention_kernel_name());
    std::mt19937 rng(7);
    for (const int64_t L : {1, 2, 5, 6, 7, 16, 17, 31, 64, 65, 130})
        for (const int64_t d : {8, 16, 20, 32, 48, 64, 72, 128}) {
            Head want = make_head(L, d, 5, rng);
            detail::attention_head_generic(want.args, want.scratch.data());
            for (const auto& [name, kernel] : kernels) {
                Head got = make_head(L, d, 5, rng);
                got.qkv = want.qkv;
                got.args.q = got.qkv.data();
                got.args.k = got.qkv.data() + d;
                got.args.v = got.qkv.data() + 2 * d;
                kernel(got.args, got.scratch.data());
                INFO(name << " L=" << L << " d=" << d);
                CHECK(max_diff(want.context, got.context) <= 1e-4);  // includes the padding columns, untouched
                CHECK(max_diff(want.probs, got.probs) <= 1e-6);
                got.args.probs = nullptr;  // not kept: same context
                std::fill(got.context.begin(), got.context.end(), -7.0f);
                kernel(got.args, got.scratch.data());
                CHECK(max_diff(want.context, got.context) <= 1e-4);
                // The first queries only (a classifier's last layer): those rows as before, the
                // rest untouched.
                const int64_t queries = std::min<int64_t>(L, 1 + L / 3);
                got.args.queries = queries;
                std::fill(got.context.begin(), got.context.end(), -7.0f);
                kernel(got.args, got.scratch.data());
                const auto split = got.context.begin() + queries * (d + 3);
                CHECK(max_diff(std::vector<float>(want.context.begin(), want.context.begin() + queries * (d + 3)),
                               std::vector<float>(got.context.begin(), split)) <= 1e-4);
                CHECK(std::all_of(split, got.context.end(), [](float x) { return x == -7.0f; }));
            }
        }
}
