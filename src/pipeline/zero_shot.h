#pragma once
// Zero-shot classification with an NLI model, as transformers' ZeroShotClassificationPipeline:
// each candidate label becomes a hypothesis (template.format(label)), paired with the text
// (only_first truncation: the hypothesis is never cut), and the pair's entailment logit scores
// the label. Single-label: softmax of the entailment logits across the labels. Multi-label (or
// one label): for each label on its own, softmax over (contradiction, entailment).
// Every (text, label) pair of a call goes through TextClassifier together: length-sorted,
// padding-free batches. Long texts follow the strategy: truncate as the pipeline does, or chunk
// the text into windows (the same windows for every label) and average each label's scores.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/model_config.h"
#include "models/prediction.h"
#include "pipeline/long_text.h"
#include "pipeline/text_classifier.h"

namespace bertcls::pipeline {

inline constexpr const char* kDefaultHypothesisTemplate = "This example is {}.";

struct ZeroShotOptions {
    std::vector<std::string> labels;  // candidate labels, in the caller's order
    std::string hypothesis_template = kDefaultHypothesisTemplate;
    bool multi_label = false;
};

// The logit indices the pipeline reads. entailment: the id of the first label2id key starting
// with "entail" (any case); contradiction: as the pipeline, label 0, or the last label when
// entailment is 0. label2id comes from the model's config (the converter records it in
// config.json's order); a file without it uses the labels in order.
struct NliLabelIds {
    std::size_t entailment = 0, contradiction = 0;
};
// Throws InputError when no label starts with "entail" or the model has fewer than 2 labels.
NliLabelIds nli_label_ids(const ModelConfig& config);

// The template with "{}" (or "{0}") replaced by the label, "{{" and "}}" as single braces, as
// Python's str.format. Throws UsageError naming --template when it has no placeholder or another
// brace field.
std::string format_hypothesis(std::string_view hypothesis_template, std::string_view label);

// Labels from "a,b , c" (comma-separated, trimmed, empty items dropped: the pipeline's parsing).
std::vector<std::string> split_labels(std::string_view list);

// Labels from a file's content: one per line, trimmed, blank lines skipped. Throws InputError
// naming `file` for invalid UTF-8 or no label at all.
std::vector<std::string> labels_from_file(std::string_view content, const std::string& file);

// Throws UsageError (naming `option`) for an empty list or a label given twice.
void check_labels(const std::vector<std::string>& labels, const std::string& option);

struct ZeroShotResult {
    std::string error;          // non-empty: the text could not be classified
    bool empty = false;         // only special tokens (TextClassifierOptions::classify_empty)
    std::vector<LabelScore> ranked;  // every candidate label, best first
    std::size_t tokens = 0;     // the text's pair with the longest hypothesis, special tokens included
    std::size_t windows = 1;    // windows per label (chunk)
    bool truncated = false;     // some pair was cut
    LongTextStrategy applied = LongTextStrategy::truncate;
};

class ZeroShotClassifier {
public:
    // Throws InputError when the model is no NLI model (nli_label_ids), UsageError for bad
    // labels or template.
    ZeroShotClassifier(TextClassifier& classifier, ZeroShotOptions options);

    const ZeroShotOptions& options() const { return options_; }
    const NliLabelIds& ids() const { return ids_; }

    // One result per text. All texts x labels pairs run in one TextClassifier call.
    std::vector<ZeroShotResult> classify(std::span<const std::string_view> texts, LongTextStrategy strategy);

private:
    TextClassifier& classifier_;
    ZeroShotOptions options_;
    NliLabelIds ids_;
    std::vector<std::string> hypotheses_;
    std::size_t window_text_tokens_ = 0;  // chunk: text tokens per window, the same for every label
};

}  // namespace bertcls::pipeline
