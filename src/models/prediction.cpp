#include "models/prediction.h"

#include <algorithm>
#include <cmath>

namespace bertcls {

std::vector<float> softmax(std::span<const float> logits) {
    std::vector<float> out(logits.size());
    if (logits.empty()) return out;
    const float max = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) sum += out[i] = std::exp(logits[i] - max);
    for (float& v : out) v = static_cast<float>(v / sum);
    return out;
}

std::vector<float> sigmoid(std::span<const float> logits) {
    std::vector<float> out(logits.size());
    // Written per sign so exp never overflows.
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const float x = logits[i];
        out[i] = x >= 0 ? 1.0f / (1.0f + std::exp(-x)) : std::exp(x) / (1.0f + std::exp(x));
    }
    return out;
}

Prediction make_prediction(const ModelConfig& config, std::span<const float> logits) {
    Prediction p;
    p.logits.assign(logits.begin(), logits.end());
    switch (config.problem_type) {
        case ProblemType::single_label: p.scores = softmax(logits); break;
        case ProblemType::multi_label: p.scores = sigmoid(logits); break;
        case ProblemType::regression: p.scores = p.logits; break;
    }
    for (std::size_t i = 0; i < p.scores.size(); ++i) p.ranked.push_back({config.labels.at(i), p.scores[i]});
    std::stable_sort(p.ranked.begin(), p.ranked.end(),
                     [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
    return p;
}

std::vector<LabelScore> labels_at_least(const Prediction& prediction, float threshold) {
    std::vector<LabelScore> out;
    for (const auto& s : prediction.ranked)
        if (s.score >= threshold) out.push_back(s);
    return out;
}

}  // namespace bertcls
