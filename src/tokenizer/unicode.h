#pragma once
// UTF-8 helpers and the character classes of Hugging Face `tokenizers`, reproduced exactly.
//
// HF (Rust) mixes two Unicode sources, and exact parity needs both:
//  - Rust's std (`char::is_whitespace`, `char::to_lowercase`): current Unicode. We use utf8proc.
//  - the `unicode_categories` crate (`is_other`, `is_punctuation`, `is_mark_nonspacing`), whose
//    tables date from Unicode 9.0. A code point assigned after 9.0 (e.g. U+061D, a Po since
//    Unicode 14) is therefore neither punctuation nor a control nor a mark for HF. We take the
//    general category from utf8proc and treat code points unassigned in 9.0 as Cn.
//    `is_other` there means Cc, Cf or Co (all private use, not Cn, not Cs).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bertcls::unicode {

// Throws InputError("invalid UTF-8 in WHAT at byte N") for the first bad sequence: overlong
// forms, surrogates, code points above U+10FFFF and truncated sequences are all rejected.
void validate_utf8(std::string_view text, std::string_view what);

// Decodes the code point at text[i] (text must be valid UTF-8) and advances i.
inline char32_t decode(std::string_view text, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if (b0 < 0xE0) {
        const char32_t c = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
        i += 2;
        return c;
    }
    if (b0 < 0xF0) {
        const char32_t c = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
                           (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
        i += 3;
        return c;
    }
    const char32_t c = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 12) |
                       ((static_cast<unsigned char>(text[i + 2]) & 0x3Fu) << 6) |
                       (static_cast<unsigned char>(text[i + 3]) & 0x3Fu);
    i += 4;
    return c;
}

// Appends the UTF-8 encoding of c.
inline void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// Number of code points in valid UTF-8.
std::size_t count_chars(std::string_view text);

// Whether c was assigned in Unicode 9.0, the version of the tables of the Rust crates HF uses for
// character classes (unicode_categories) and normalisation (unicode-normalization-alignments).
bool assigned_in_unicode9(char32_t c);

// Rust `char::is_whitespace` (the White_Space property).
bool is_whitespace(char32_t c);
// unicode_categories `is_other` (Cc | Cf | Co as of Unicode 9.0).
bool is_other(char32_t c);
// unicode_categories `is_punctuation` (P* as of Unicode 9.0); ASCII punctuation is not special here.
bool is_punctuation(char32_t c);
// Rust `is_ascii_punctuation` or unicode_categories `is_punctuation`: BertPreTokenizer's rule.
bool is_bert_punctuation(char32_t c);
// unicode_categories `is_mark_nonspacing` (Mn as of Unicode 9.0).
bool is_mark_nonspacing(char32_t c);
// The CJK ranges of BertNormalizer's handle_chinese_chars.
bool is_chinese_char(char32_t c);
// Appends Rust's `char::to_lowercase(c)` (full mapping: U+0130 becomes "i\u0307").
void append_lowercase(std::string& out, char32_t c);
// Appends the canonical decomposition (NFD) of `text`, canonically ordered, as code points.
void append_nfd(std::u32string& out, std::u32string_view text);

// Canonical ordering: a stable sort, by combining class, of every run of non-starters (class
// not 0) in chars[from..]. The class is the caller's because HF's NFx normalizers see Unicode
// 9.0 classes while BertNormalizer sees current ones.
template <class CombiningClass>
void sort_canonically(std::u32string& chars, std::size_t from, CombiningClass combining_class) {
    std::size_t i = from;
    while (i < chars.size()) {
        if (combining_class(chars[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < chars.size() && combining_class(chars[j]) != 0) ++j;
        if (j - i > 1)
            std::stable_sort(chars.begin() + static_cast<std::ptrdiff_t>(i), chars.begin() + static_cast<std::ptrdiff_t>(j),
                             [&](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }
}

}  // namespace bertcls::unicode
