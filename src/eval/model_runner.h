#pragma once
// Runs a labelled set through one model by the front door (pipeline::TextClassifier): texts
// tokenized and truncated as `bertcls batch` does, classified in length-sorted batches.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "eval/labelled_set.h"
#include "pipeline/text_classifier.h"

namespace bertcls::eval {

class ModelRunner {
public:
    // Throws InputError unless the model is a single-label classifier with a tokenizer.
    // max_length: the token limit (0: the model's own).
    ModelRunner(const std::filesystem::path& path, std::optional<ComputeType> compute, int64_t max_length,
                const pipeline::BatchLimits& limits);

    const ModelConfig& config() const { return classifier_.config(); }
    const ModelFile& model_file() const { return classifier_.model_file(); }
    const ComputeChoice& compute_choice() const { return classifier_.compute_choice(); }

    // Whether `other` turns text into the same ids, so its encodings can be reused instead of
    // tokenizing the set twice.
    bool encodes_like(const ModelRunner& other) const { return classifier_.encodes_like(other.classifier_); }

    // Examples [begin, end) of the set, encoded in parallel. Throws InputError "name:line: why"
    // for the first example that cannot be encoded.
    std::vector<pipeline::EncodedText> encode(const LabelledSet& set, std::size_t begin, std::size_t end);

    // Appends the logits ([encodings, labels]) of the encoded examples to `logits`.
    void classify(const std::vector<pipeline::EncodedText>& encoded, std::vector<float>& logits);

    double tokenize_ms() const { return classifier_.tokenize_ms; }
    double forward_ms() const { return classifier_.forward_ms; }

private:
    pipeline::TextClassifier classifier_;
};

}  // namespace bertcls::eval
