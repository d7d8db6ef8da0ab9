#pragma once
// BertPreTokenizer (HF pre_tokenizers/bert.rs): split on whitespace (Rust char::is_whitespace,
// removed), then isolate every punctuation character (ASCII punctuation or Unicode 9.0 P*).
#include <array>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class BertPreTokenizer final : public PreTokenizer {
public:
    BertPreTokenizer();
    void pre_tokenize(std::string_view text, Words& words) const override;

private:
    enum : uint8_t { kWord, kSpace, kPunct };
    std::array<uint8_t, 128> ascii_{};
};

}  // namespace bertcls::tok
