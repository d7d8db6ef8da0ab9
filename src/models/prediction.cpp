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

std::vector<float> apply_score_function(ScoreFunction function, std::span<const float> logits) {
    switch (function) {
        case ScoreFunction::softmax: return softmax(logits);
        case ScoreFunction::sigmoid: return sigmoid(logits);
        case ScoreFunction::none: break;
    }
    return {logits.begin(), logits.end()};
}

ScoreFunction default_score_function(const ModelConfig& config) {
    if (config.problem_type == ProblemType::regression && !config.problem_type_inferred) return ScoreFunction::none;
    if (config.problem_type == ProblemType::multi_label || config.labels.size() == 1) return ScoreFunction::sigmoid;
    if (config.function_to_apply) return *config.function_to_apply;
    return ScoreFunction::softmax;
}

std::string score_rule(const ModelConfig& config) {
    const std::string f = score_function_name(default_score_function(config));
    if (config.problem_type == ProblemType::regression && !config.problem_type_inferred)
        return f + " (problem_type regression: raw values)";
    if (config.problem_type == ProblemType::multi_label) return f + " (problem_type multi_label_classification)";
    if (config.labels.size() == 1) return f + " (exactly one label)";
    if (config.function_to_apply) return f + " (function_to_apply in the model's config)";
    return f + " (several labels, single-label)";
}

Prediction make_prediction(const ModelConfig& config, std::span<const float> logits, std::optional<ScoreFunction> function) {
    Prediction p;
    p.logits.assign(logits.begin(), logits.end());
    p.scores = apply_score_function(function.value_or(default_score_function(config)), logits);
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
