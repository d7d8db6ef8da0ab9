#pragma once
// What `bertcls eval` prints: a text table for people or one JSON object for scripts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace bertcls::eval {

struct ModelResult {
    std::string model;  // the model file
    ClassificationMetrics metrics;
};

struct EvalReport {
    std::string input, format;  // the labelled file and its format
    std::vector<std::string> labels;
    ModelResult model;
    std::optional<ModelResult> reference;  // --reference
    std::optional<Agreement> agreement;    // set with reference
    uint64_t max_diff_line = 0;            // the input line of agreement->max_diff_example
};

// One line of JSON: examples, accuracy, macro_f1, per_label, and with a reference:
// "reference": {...}, agreement, max_abs_logit_diff, mean_abs_logit_diff.
std::string report_json(const EvalReport& report);

// A table; with per_label, one row per model label.
std::string report_text(const EvalReport& report, bool per_label);

}  // namespace bertcls::eval
