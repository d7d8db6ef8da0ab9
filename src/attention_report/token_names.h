#pragma once
// Names for pre-tokenized input (--input-ids): the vocabulary's token strings, read from the
// tokenizer files a model embeds, so reports show "[CLS] hello" rather than "101 7592".
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace bertcls::attention_report {

// One string per id: the vocabulary entry from tokenizer.json (WordPiece, BPE, Unigram and
// added tokens), vocab.txt or vocab.json, else the id itself in decimal. Never throws on
// malformed files: it falls back to the numbers.
std::vector<std::string> token_names(std::span<const int32_t> ids, const TokenizerFiles& files);

}  // namespace bertcls::attention_report
