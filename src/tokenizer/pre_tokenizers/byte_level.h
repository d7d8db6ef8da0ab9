#pragma once
// Byte-level pre-tokenization (HF pre_tokenizers/byte_level.rs, GPT-2 / RoBERTa):
//  1. with add_prefix_space, a space is prepended to a text that does not start with one;
//  2. with use_regex, the text is cut by GPT-2's pattern
//       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//     implemented by hand (gpt2_split) with utf8proc's general categories;
//  3. every byte of every word is replaced by its GPT-2 "byte to unicode" character.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

// GPT-2's bytes_to_unicode(): the printable bytes map to themselves, the others to U+0100 on.
const std::array<char32_t, 256>& byte_to_unicode();

// Appends to `spans` the words of `text` under GPT-2's pre-tokenization pattern.
void gpt2_split(std::string_view text, std::vector<Words::Span>& spans);

class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex);
    void pre_tokenize(std::string_view text, Words& words) const override;

private:
    bool add_prefix_space_, use_regex_;
    std::array<std::string, 256> mapped_;  // UTF-8 of byte_to_unicode()[b]
};

}  // namespace bertcls::tok
