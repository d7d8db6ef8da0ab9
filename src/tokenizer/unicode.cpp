#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <utf8proc.h>

#include "util/error.h"

namespace bertcls::unicode {

namespace {

struct Range {
    char32_t first, last;
};

constexpr Range kAssignedInUnicode9[] = {
#include "tokenizer/unicode_v9_assigned.inc"
};

}  // namespace

bool assigned_in_unicode9(char32_t c) {
    if (c < 0x378) return true;  // the table's first range, U+0000..U+0377: skips the search for Latin text
    const auto* end = std::end(kAssignedInUnicode9);
    const auto* it = std::upper_bound(std::begin(kAssignedInUnicode9), end, c,
                                      [](char32_t v, const Range& r) { return v < r.first; });
    if (it == std::begin(kAssignedInUnicode9)) return false;
    --it;
    return c <= it->last;
}

namespace {

// The general category as the unicode_categories crate (Unicode 9.0) sees it.
utf8proc_category_t category_v9(char32_t c) {
    if (!assigned_in_unicode9(c)) return UTF8PROC_CATEGORY_CN;
    return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

}  // namespace

void validate_utf8(std::string_view text, std::string_view what) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Fast path: 8 ASCII bytes at a time.
        while (i + 8 <= n) {
            uint64_t word;
            __builtin_memcpy(&word, s + i, 8);
            if (word & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= n) break;
        const unsigned char b0 = s[i];
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t min = 0;
        char32_t c = 0;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            len = 2, min = 0x80, c = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            len = 3, min = 0x800, c = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            len = 4, min = 0x10000, c = b0 & 0x07;
        }
        bool ok = len != 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) ok = false;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (ok && (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
        if (!ok)
            throw InputError("invalid UTF-8 in " + std::string(what) + " at byte " + std::to_string(i));
        i += len;
    }
}

std::size_t count_chars(std::string_view text) {
    std::size_t n = 0;
    for (const char ch : text) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    return n;
}

bool is_whitespace(char32_t c) {
    switch (c) {
        case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
        case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

bool is_other(char32_t c) {
    if (c < 0x80) return c < 0x20 || c == 0x7F;
    const auto cat = category_v9(c);
    return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CO;
}

bool is_punctuation(char32_t c) {
    const auto cat = category_v9(c);
    return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_bert_punctuation(char32_t c) {
    if (c < 0x80)
        return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
    return is_punctuation(c);
}

bool is_mark_nonspacing(char32_t c) {
    return c >= 0x300 && category_v9(c) == UTF8PROC_CATEGORY_MN;
}

bool is_chinese_char(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void append_lowercase(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        return;
    }
    if (c == 0x130) {  // the one unconditional multi-character lowercase mapping
        out.push_back('i');
        append_utf8(out, 0x307);
        return;
    }
    append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
}

void append_nfd(std::u32string& out, std::u32string_view text) {
    const std::size_t start = out.size();
    std::array<utf8proc_int32_t, 8> buffer{};
    for (const char32_t c : text) {
        if (c < 0xC0) {  // nothing below U+00C0 decomposes canonically
            out.push_back(c);
            continue;
        }
        int last_boundclass = 0;
        const utf8proc_ssize_t n =
            utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer.data(), buffer.size(),
                                    static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &last_boundclass);
        if (n < 0 || static_cast<std::size_t>(n) > buffer.size()) {
            out.push_back(c);
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < n; ++k) out.push_back(static_cast<char32_t>(buffer[k]));
    }
    sort_canonically(out, start, [](char32_t c) {
        return c < 0x300 ? 0 : utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
    });
}

}  // namespace bertcls::unicode
