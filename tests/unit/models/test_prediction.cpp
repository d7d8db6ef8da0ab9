// Scores from logits against a double-precision transcription of the formulas transformers'
// TextClassificationPipeline applies (softmax over labels, sigmoid per label), including logits
// large enough to overflow a naive exp, and the ranking (best first, ties in label order).
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "models/prediction.h"

using namespace bertcls;

namespace {

std::vector<double> softmax_reference(const std::vector<float>& x) {
    double max = x[0], sum = 0;
    for (const float v : x) max = std::max(max, double(v));
    std::vector<double> out;
    for (const float v : x) sum += std::exp(double(v) - max);
    for (const float v : x) out.push_back(std::exp(double(v) - max) / sum);
    return out;
}

ModelConfig config_with_labels(std::size_t n, ProblemType type) {
    ModelConfig c;
    for (std::size_t i = 0; i < n; ++i) c.labels.push_back(std::to_string(i));
    c.problem_type = type;
    return c;
}

}  // namespace

TEST_CASE("softmax and sigmoid match a double-precision reference, also for huge logits", "[prediction]") {
    for (const std::vector<float>& logits : {std::vector<float>{0.5f, -1.25f, 3.0f}, std::vector<float>{1000.0f, 999.0f, -1000.0f},
                                             std::vector<float>{-88.0f, 90.0f}, std::vector<float>{0.0f}}) {
        const std::vector<float> got = softmax(logits);
        const std::vector<double> want = softmax_reference(logits);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - want[i]) <= 1e-7);
        const std::vector<float> s = sigmoid(logits);
        for (std::size_t i = 0; i < s.size(); ++i) {
            CHECK(std::isfinite(s[i]));
            CHECK(std::abs(s[i] - 1.0 / (1.0 + std::exp(-double(logits[i])))) <= 1e-7);
        }
    }
}

TEST_CASE("predictions rank labels best first, ties in label order, scores by the problem type", "[prediction]") {
    const std::vector<float> logits{1.0f, 3.0f, 3.0f, -2.0f};
    const Prediction single = make_prediction(config_with_labels(4, ProblemType::single_label), logits);
    CHECK(single.logits == logits);
    const std::vector<double> want = softmax_reference(logits);
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(std::abs(single.scores[i] - want[i]) <= 1e-7);
    REQUIRE(single.ranked.size() == 4);
    CHECK(single.ranked[0].label == "1");
    CHECK(single.ranked[1].label == "2");
    CHECK(single.ranked[2].label == "0");
    CHECK(single.ranked[3].label == "3");

    const Prediction multi = make_prediction(config_with_labels(4, ProblemType::multi_label), logits);
    for (std::size_t i = 0; i < logits.size(); ++i)
        CHECK(std::abs(multi.scores[i] - 1.0 / (1.0 + std::exp(-double(logits[i])))) <= 1e-7);
    CHECK(labels_at_least(multi, 0.5f).size() == 3);

    const Prediction regression = make_prediction(config_with_labels(4, ProblemType::regression), logits);
    CHECK(regression.scores == logits);
}
