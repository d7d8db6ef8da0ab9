#pragma once
// What a batch output line looks like: the input line with the prediction added under one new
// key, or an error record. Numbers are printed one fixed way so equal floats give equal bytes.
#include <cstdint>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/model_config.h"
#include "models/prediction.h"

namespace bertcls::batch {

struct PredictionFields {
    bool all_scores = false;           // "scores": [{"label", "score"}, ...], best first
    bool logits = false;               // "logits": [...] in label order
    std::optional<float> threshold;    // multi-label: "labels" scoring at least this, best first
    // --top-k: "scores" holds the N best labels (SIZE_MAX: all), with or without all_scores.
    std::optional<std::size_t> top_k;
};

// Parses --top-k: a positive integer or "all" (SIZE_MAX). Throws UsageError.
std::size_t parse_top_k(const std::string& value);

// The threshold a model's predictions use: for a multi-label model `given`, else 0.5; for other
// models none. Throws UsageError for a threshold outside [0, 1] and for one given to a model
// that is not multi-label (naming the model's kind), as --threshold means nothing there.
std::optional<float> label_threshold(const ModelConfig& config, std::optional<float> given);

// A float as the shortest decimal that reads back to the same float (std::to_chars), so
// output is deterministic and exact; non-finite values (which JSON cannot hold) become null.
std::string format_float(float value);

// {"label":..,"score":..[,"labels":[..]][,"scores":[..]][,"logits":[..]]} with no spaces.
// With a threshold (multi-label), "label" and "score" are the first of "labels" (the best label
// at or above the threshold), both null when no label reaches it.
std::string prediction_json(const Prediction& prediction, const PredictionFields& fields);

// A zero-shot answer as transformers' pipeline gives it: {["sequence":..,]"labels":[..],"scores":[..]},
// best first; the first `top_k` labels only.
std::string zero_shot_json(std::span<const LabelScore> ranked, const std::string* sequence,
                           std::size_t top_k = SIZE_MAX);

// The input line with "field":value added as its last key. The line's bytes are kept as they
// are up to its closing brace (trailing whitespace and '\r' after it are dropped), so every
// input field stays byte-identical. The line must be a JSON object (parse_record checked it).
std::string add_field(std::string_view line, std::string_view field, std::string_view value_json);

// {"error":"...","line":N[,"id":...]}
std::string error_json(std::string_view message, uint64_t line, const nlohmann::json& id);

// Whether an output line is an error record that error_json wrote (used by --resume to count
// the errors of an interrupted run).
bool is_error_json(std::string_view output_line);

}  // namespace bertcls::batch
