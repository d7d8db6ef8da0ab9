#pragma once
// Scores of a classifier on a labelled set (accuracy, per-label precision/recall/F1, macro-F1)
// and how closely two models agree (same predicted label, logit differences), e.g. a bf16 or
// int8 model against its f32 original.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace bertcls::eval {

struct LabelScores {
    std::size_t support = 0;    // gold examples of the label
    std::size_t predicted = 0;  // examples predicted as the label
    std::size_t correct = 0;    // true positives
    double precision = 0, recall = 0, f1 = 0;  // 0 where the ratio is 0/0
};

struct ClassificationMetrics {
    std::size_t examples = 0, correct = 0;
    double accuracy = 0;
    // Mean F1 over the labels that occur in the gold data (macro_labels of them): a label with
    // no gold example has no recall, and counting it as 0 would punish a set for not having it.
    double macro_f1 = 0;
    std::size_t macro_labels = 0;
    std::vector<LabelScores> per_label;  // every model label, in model order
};

// gold and predicted hold class indices in [0, num_labels), one per example.
ClassificationMetrics classification_metrics(std::span<const int> gold, std::span<const int> predicted, std::size_t num_labels);

// The index of each row's largest logit (the first one on ties); logits are [rows, num_labels].
std::vector<int> argmax_rows(std::span<const float> logits, std::size_t num_labels);

struct Agreement {
    std::size_t examples = 0, same = 0;
    double agreement = 0;          // same / examples
    double max_abs_diff = 0;       // largest |a - b| over every example and class (NaN if any is NaN)
    double mean_abs_diff = 0;      // mean |a - b| over every example and class
    std::size_t max_diff_example = 0;  // the row of the largest difference
};

// Two models' logits for the same examples, both [rows, num_labels].
Agreement compare_logits(std::span<const float> a, std::span<const float> b, std::size_t num_labels);

}  // namespace bertcls::eval
