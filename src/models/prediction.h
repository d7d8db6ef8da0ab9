#pragma once
// Turning logits into what a user reads: scores per label and the labels ranked best first.
// The score function follows transformers' TextClassificationPipeline: problem_type
// regression -> none (raw logits); multi_label_classification, or exactly one label -> sigmoid;
// else config.json's function_to_apply if set, else softmax. --function-to-apply overrides.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/model_config.h"

namespace bertcls {

struct LabelScore {
    std::string label;
    float score;
};

struct Prediction {
    std::vector<float> logits;
    std::vector<float> scores;         // in label order
    std::vector<LabelScore> ranked;    // all labels, best first
    const LabelScore& best() const { return ranked.front(); }
};

// Softmax that subtracts the true maximum, so large logits cannot overflow.
std::vector<float> softmax(std::span<const float> logits);
std::vector<float> sigmoid(std::span<const float> logits);

std::vector<float> apply_score_function(ScoreFunction function, std::span<const float> logits);

// The pipeline's rule for this model (above).
ScoreFunction default_score_function(const ModelConfig& config);
// Which rule picked it, for `info` and --help: e.g. "sigmoid (exactly one label)".
std::string score_rule(const ModelConfig& config);

// Scores by `function`, else by the model's rule; `ranked` best first (ties keep label order).
Prediction make_prediction(const ModelConfig& config, std::span<const float> logits,
                           std::optional<ScoreFunction> function = std::nullopt);

// A multi-label model's answer: the labels scoring at least `threshold`, best first.
std::vector<LabelScore> labels_at_least(const Prediction& prediction, float threshold);

}  // namespace bertcls
