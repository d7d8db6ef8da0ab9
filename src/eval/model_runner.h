#pragma once
// Runs a labelled set through one model with the batch command's machinery: records encoded
// by batch::RecordEncoder (tokenized and truncated as `bertcls batch` does), then classified in
// length-sorted batches by pipeline::classify_all.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pipeline/length_batcher.h"
#include "batch/record_encoder.h"
#include "eval/labelled_set.h"
#include "models/sequence_classifier.h"
#include "tokenizer/tokenizer.h"

namespace bertcls::eval {

class ModelRunner {
public:
    // Throws InputError unless the model is a single-label classifier with a tokenizer.
    // max_length: the token limit (0: the model's own).
    ModelRunner(SequenceClassifier& classifier, int64_t max_length);

    const ModelConfig& config() const { return classifier_.config(); }
    std::size_t num_labels() const { return config().labels.size(); }

    // Whether `other` turns text into the same ids (same tokenizer files and length limit), so
    // its encodings can be reused instead of tokenizing the set twice.
    bool encodes_like(const ModelRunner& other) const;

    // Examples [begin, end) of the set, encoded in parallel. Throws InputError "name:line: why"
    // for the first example that cannot be encoded.
    std::vector<Encoding> encode(const LabelledSet& set, std::size_t begin, std::size_t end);

    // Appends the logits ([encodings, labels]) of the encodings to `logits`.
    void classify(const std::vector<Encoding>& encodings, const pipeline::BatchLimits& limits, std::vector<float>& logits);

    double tokenize_ms = 0, forward_ms = 0;

private:
    SequenceClassifier& classifier_;
    batch::RecordEncoder encoder_;
};

}  // namespace bertcls::eval
