#pragma once
// Names for pre-tokenized input (--input-ids): the model's tokenizer's token strings, so reports
// show "[CLS] hello" rather than "101 7592".
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace bertcls::attention_report {

// One string per id: tokenizer->id_to_token(id), else (no tokenizer, or an id it does not know)
// the id itself in decimal, so that the report still shows every position.
std::vector<std::string> token_names(std::span<const int32_t> ids, const Tokenizer* tokenizer);

}  // namespace bertcls::attention_report
