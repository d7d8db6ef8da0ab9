// AddedVocabulary: added tokens are matched in the raw text before normalisation, like HF.
#include <algorithm>

#include <utf8proc.h>

#include "tokenizer/pipeline.h"
#include "tokenizer/unicode.h"

namespace bertcls::tok {

namespace {

// Rust char::is_alphanumeric (Alphabetic or Numeric), approximated by the L* and N* categories.
bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

// Start of the code point that ends text[0, end).
std::size_t previous_char(std::string_view text, std::size_t end) {
    std::size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
    return i;
}

}  // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
    std::erase_if(tokens_, [](const AddedToken& t) { return t.content.empty(); });
    std::stable_sort(tokens_.begin(), tokens_.end(), [](const AddedToken& x, const AddedToken& y) {
        const auto bx = static_cast<unsigned char>(x.content[0]);
        const auto by = static_cast<unsigned char>(y.content[0]);
        if (bx != by) return bx < by;
        return x.content.size() > y.content.size();
    });
    std::size_t k = 0;
    for (int b = 0; b < 256; ++b) {
        first_byte_index_[b] = static_cast<uint16_t>(k);
        while (k < tokens_.size() && static_cast<unsigned char>(tokens_[k].content[0]) == b) ++k;
    }
    first_byte_index_[256] = static_cast<uint16_t>(k);
}

const AddedToken* AddedVocabulary::match_at(std::string_view text, std::size_t i) const {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::string_view rest = text.substr(i);
    for (std::size_t k = first_byte_index_[b]; k < first_byte_index_[b + 1]; ++k)
        if (rest.starts_with(tokens_[k].content)) return &tokens_[k];  // longest first
    return nullptr;
}

bool AddedVocabulary::passes_single_word(std::string_view text, std::size_t begin, std::size_t end) {
    if (begin > 0) {
        std::size_t i = previous_char(text, begin);
        if (is_word_char(unicode::decode(text, i))) return false;
    }
    if (end < text.size()) {
        std::size_t i = end;
        if (is_word_char(unicode::decode(text, i))) return false;
    }
    return true;
}

std::size_t AddedVocabulary::strip_left(std::string_view text, std::size_t begin) {
    while (begin > 0) {
        const std::size_t p = previous_char(text, begin);
        std::size_t i = p;
        if (!unicode::is_whitespace(unicode::decode(text, i))) break;
        begin = p;
    }
    return begin;
}

std::size_t AddedVocabulary::strip_right(std::string_view text, std::size_t end) {
    while (end < text.size()) {
        std::size_t i = end;
        if (!unicode::is_whitespace(unicode::decode(text, i))) break;
        end = i;
    }
    return end;
}

}  // namespace bertcls::tok
