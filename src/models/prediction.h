#pragma once
// Turning logits into what a user reads: scores per label (softmax, sigmoid or raw, by the
// model's problem type) and the labels ranked best first.
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

Prediction make_prediction(const ModelConfig& config, std::span<const float> logits);

// A multi-label model's answer: the labels scoring at least `threshold`, best first.
std::vector<LabelScore> labels_at_least(const Prediction& prediction, float threshold);

}  // namespace bertcls
