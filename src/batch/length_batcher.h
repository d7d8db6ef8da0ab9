#pragma once
// Runs many sequences through the classifier in batches of similar length. Sorting by length
// keeps each batch's attention work even; a token budget bounds a batch's activation memory.
// Results come back in the caller's order.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "layers/packed_batch.h"
#include "models/sequence_classifier.h"

namespace bertcls::batch {

struct BatchLimits {
    std::size_t max_sequences = 64;  // --batch-size
    std::size_t max_tokens = 16384;  // a sequence longer than this still runs, alone
};

// The batches, as index lists into `lengths`: indices sorted by length (stable, so equal
// lengths keep input order), cut whenever a limit would be exceeded.
std::vector<std::vector<std::size_t>> plan_batches(std::span<const std::size_t> lengths, const BatchLimits& limits);

// Logits [sequences, labels] in the order of `sequences`. The sequences must be valid for the
// model (see check_sequence).
std::vector<float> classify_all(SequenceClassifier& classifier, std::span<const SequenceInput> sequences,
                                const BatchLimits& limits);

}  // namespace bertcls::batch
