#pragma once
// SentencePiece's precompiled_charsmap, applied the way Hugging Face `tokenizers` applies it
// (the spm_precompiled crate), which is not SentencePiece's own way:
//  - the text is cut into extended grapheme clusters;
//  - a cluster shorter than 6 UTF-8 bytes is looked up whole, and when the shortest rule that
//    is a prefix of it matches, the WHOLE cluster is replaced by that rule's output (so
//    "Ａ\u0301" becomes "A" when only "Ａ" has a rule);
//  - otherwise (no rule, or 6 bytes and more: "ｶﾞ" is 6) each code point is looked up alone.
// SentencePiece instead takes the longest rule at each position (so "ｶﾞ" -> "ガ").
//
// The blob is [u32 trie size in bytes][Darts double-array units][NUL-terminated outputs].
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class PrecompiledNormalizer final : public Normalizer {
public:
    // Throws InputError when the blob is malformed. An empty blob normalises nothing.
    explicit PrecompiledNormalizer(std::string_view charsmap);
    void normalize(std::string_view text, std::string& out) const override;

    // The output of the shortest rule that is a prefix of `chunk`, or false.
    bool transform(std::string_view chunk, std::string_view& replacement) const;

private:
    std::vector<uint32_t> units_;
    std::string normalized_;
    // What a lone ASCII character b becomes: normalized_.substr(ascii_[b].first, .second) when
    // ascii_rule_[b], else itself.
    bool ascii_rule_[128] = {};
    std::pair<uint32_t, uint32_t> ascii_[128] = {};
};

// The end of the extended grapheme cluster (UAX #29, as utf8proc implements it) that starts
// at text[begin]; text is valid UTF-8 and begin < text.size().
std::size_t grapheme_end(std::string_view text, std::size_t begin);

}  // namespace bertcls::tok
