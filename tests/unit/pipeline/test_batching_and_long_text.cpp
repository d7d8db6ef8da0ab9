// src/pipeline planning: length-sorted batches under a token budget, and the averaging of long-text
// windows (the windows themselves: tests/unit/tokenizer/test_windows.cpp).
#include <algorithm>
#include <numeric>

#include <catch2/catch.hpp>

#include "pipeline/length_batcher.h"
#include "pipeline/long_text.h"

using namespace bertcls;
using namespace bertcls::pipeline;

TEST_CASE("batches are length-sorted and respect both limits", "[batch]") {
    const std::vector<std::size_t> lengths{5, 1, 9, 3, 3, 100, 2};
    const auto batches = plan_batches(lengths, {.max_sequences = 2, .max_tokens = 10});
    std::vector<std::size_t> order;
    for (const auto& b : batches) {
        CHECK(b.size() <= 2);
        std::size_t tokens = 0;
        for (const auto i : b) tokens += lengths[i];
        CHECK((tokens <= 10 || b.size() == 1));  // a sequence over the budget runs alone
        order.insert(order.end(), b.begin(), b.end());
    }
    // Every sequence once, shortest first, ties in input order.
    CHECK(order == std::vector<std::size_t>{1, 6, 3, 4, 0, 2, 5});
    CHECK(plan_batches(std::vector<std::size_t>{}, {}).empty());
}

TEST_CASE("batches for threads side by side split the budget and shrink towards the end", "[batch]") {
    std::vector<std::size_t> lengths;
    for (std::size_t i = 0; i < 400; ++i) lengths.push_back(5 + (i * 37) % 60);
    std::size_t unplanned = std::accumulate(lengths.begin(), lengths.end(), std::size_t{0});
    const BatchLimits limits{.max_sequences = 1000, .max_tokens = 4000};
    const auto batches = plan_batches(lengths, limits, 2);
    std::vector<std::size_t> seen;
    for (const auto& b : batches) {
        std::size_t tokens = 0;
        for (const auto i : b) tokens += lengths[i];
        INFO("batch of " << tokens << " tokens with " << unplanned << " not yet planned");
        CHECK(tokens <= limits.max_tokens / 2);  // two batches at once fit one batch's budget
        // At most a quarter (1 / (2 workers)) of what is left, or the smallest batch.
        CHECK(tokens <= std::max(unplanned / 4, kMinWorkerTokens));
        // Full to within one sequence (at most 64 tokens here) of that, but for the last.
        if (&b != &batches.back())
            CHECK(tokens + 64 > std::min(std::max(unplanned / 4, kMinWorkerTokens), limits.max_tokens / 2));
        unplanned -= tokens;
        seen.insert(seen.end(), b.begin(), b.end());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<std::size_t> all(lengths.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    CHECK(seen == all);
    CHECK(batches.size() > plan_batches(lengths, limits).size());
}

TEST_CASE("chunk predictions average the probabilities", "[batch]") {
    ModelConfig config;
    config.labels = {"a", "b"};
    config.problem_type = ProblemType::single_label;
    // softmax([0, 0]) = [.5, .5]; softmax([ln 3, 0]) = [.75, .25]: mean [.625, .375].
    const std::vector<float> logits{0, 0, std::log(3.0f), 0};
    const Prediction p = average_prediction(config, logits, 2);
    CHECK(p.best().label == "a");
    CHECK(p.scores[0] == Approx(0.625));
    CHECK(p.scores[1] == Approx(0.375));
    CHECK(p.logits[0] == Approx(std::log(3.0) / 2));
}
