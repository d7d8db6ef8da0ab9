#include "models/sequence_check.h"

#include <algorithm>

namespace bertcls {

std::string check_sequence(const ModelConfig& config, std::span<const int32_t> input_ids,
                           std::span<const int32_t> token_type_ids, int64_t max_length) {
    if (input_ids.empty()) return "empty input";
    if (static_cast<int64_t>(input_ids.size()) > max_length)
        return "input has " + std::to_string(input_ids.size()) + " tokens, more than the limit of " +
               std::to_string(max_length);
    if (!token_type_ids.empty() && token_type_ids.size() != input_ids.size())
        return "token_type_ids has " + std::to_string(token_type_ids.size()) + " items but input_ids has " +
               std::to_string(input_ids.size());
    for (std::size_t i = 0; i < input_ids.size(); ++i)
        if (input_ids[i] < 0 || input_ids[i] >= config.vocab_size)
            return "input id " + std::to_string(input_ids[i]) + " at position " + std::to_string(i) +
                   " is outside the vocabulary [0, " + std::to_string(config.vocab_size) + ")";
    // A model without a token-type table (DistilBERT, DeBERTa-v3) ignores them, as transformers
    // does: a pair's segment ids are accepted whatever they are.
    if (config.type_vocab_size == 0) return "";
    const int64_t types = config.type_vocab_size;
    for (std::size_t i = 0; i < token_type_ids.size(); ++i)
        if (token_type_ids[i] < 0 || token_type_ids[i] >= types)
            return "token type id " + std::to_string(token_type_ids[i]) + " at position " + std::to_string(i) +
                   " is outside [0, " + std::to_string(types) + ")";
    return "";
}

}  // namespace bertcls
