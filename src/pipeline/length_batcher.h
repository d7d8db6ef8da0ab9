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

namespace bertcls::pipeline {

struct BatchLimits {
    std::size_t max_sequences = 64;  // --batch-size
    std::size_t max_tokens = 16384;  // a sequence longer than this still runs alone
};

// The batches, as index lists into `lengths`: indices sorted by length (stable, so equal
// lengths keep input order), cut whenever a limit would be exceeded.
//
// For `workers` threads running batches side by side (SequenceClassifier::forward_batches),
// each batch gets max_tokens / workers, so that all of them together stay in one batch's
// memory, and batches shrink towards the end of the plan: each takes at most 1/(2 workers) of
// the tokens not yet planned, down to kMinWorkerTokens. Workers take batches in order as they
// come free, so they all run out of work within about one small batch of each other.
std::vector<std::vector<std::size_t>> plan_batches(std::span<const std::size_t> lengths, const BatchLimits& limits,
                                                   int workers = 1);
inline constexpr std::size_t kMinWorkerTokens = 128;

// How many batches classify_all runs side by side for `tokens` tokens in all: every thread
// when each can take a few batches, else 1 (fewer would leave threads idle while the last
// ones finish; one batch at a time still splits each layer's work between the threads).
int side_by_side_batches(std::size_t tokens);

// Logits [sequences, labels] in the order of `sequences`. The sequences must be valid for the
// model (see check_sequence).
std::vector<float> classify_all(SequenceClassifier& classifier, std::span<const SequenceInput> sequences,
                                const BatchLimits& limits);

}  // namespace bertcls::pipeline
