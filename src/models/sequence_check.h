#pragma once
// Whether the model accepts a sequence, without throwing: SequenceClassifier::forward throws
// with its answer, and callers with records (batch, classify, bench) check each one first, so
// that a bad record is reported with its line, or becomes an error line instead of failing its
// whole batch.
#include <cstdint>
#include <span>
#include <string>

#include "models/model_config.h"

namespace bertcls {

// "" when the model accepts the ids (and token types; empty means all zeros) within
// max_length tokens, else why not.
std::string check_sequence(const ModelConfig& config, std::span<const int32_t> input_ids,
                           std::span<const int32_t> token_type_ids, int64_t max_length);

}  // namespace bertcls
