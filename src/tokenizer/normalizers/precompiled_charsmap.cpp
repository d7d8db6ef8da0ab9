// PrecompiledNormalizer: SentencePiece's charsmap with the spm_precompiled (HF) lookup rules.
#include "tokenizer/normalizers/precompiled_charsmap.h"

#include <cstring>

#include <utf8proc.h>

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

namespace {

// Darts-clone unit fields.
inline uint32_t unit_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }
inline uint32_t unit_label(uint32_t u) { return u & ((1u << 31) | 0xFFu); }
inline bool unit_has_leaf(uint32_t u) { return (u >> 8) & 1u; }
inline uint32_t unit_value(uint32_t u) { return u & ((1u << 31) - 1); }

}  // namespace

PrecompiledNormalizer::PrecompiledNormalizer(std::string_view blob) {
    if (blob.empty()) return;
    if (blob.size() < 4) throw InputError("tokenizer: precompiled_charsmap is too short");
    uint32_t trie_size;
    std::memcpy(&trie_size, blob.data(), 4);  // little-endian, as on every supported host
    if (trie_size % 4 != 0 || trie_size > blob.size() - 4)
        throw InputError("tokenizer: precompiled_charsmap has a bad trie size");
    units_.resize(trie_size / 4);
    if (!units_.empty()) std::memcpy(units_.data(), blob.data() + 4, trie_size);
    normalized_.assign(blob.substr(4 + trie_size));
    if (units_.empty()) return;
    for (int b = 0; b < 128; ++b) {
        const char c = static_cast<char>(b);
        std::string_view replacement;
        ascii_rule_[b] = transform(std::string_view(&c, 1), replacement);
        if (ascii_rule_[b])
            ascii_[b] = {static_cast<uint32_t>(replacement.data() - normalized_.data()),
                         static_cast<uint32_t>(replacement.size())};
    }
}

bool PrecompiledNormalizer::transform(std::string_view chunk, std::string_view& replacement) const {
    if (units_.empty()) return false;
    std::size_t pos = unit_offset(units_[0]);
    for (const char ch : chunk) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) return false;
        pos ^= c;
        if (pos >= units_.size()) return false;
        const uint32_t unit = units_[pos];
        if (unit_label(unit) != c) return false;
        pos ^= unit_offset(unit);
        if (unit_has_leaf(unit)) {
            if (pos >= units_.size()) return false;
            const std::size_t start = unit_value(units_[pos]);
            if (start > normalized_.size()) return false;
            const std::size_t end = normalized_.find('\0', start);
            replacement = std::string_view(normalized_).substr(start, end == std::string::npos ? end : end - start);
            return true;
        }
    }
    return false;
}

std::size_t grapheme_end(std::string_view text, std::size_t begin) {
    std::size_t i = begin;
    const auto b0 = static_cast<unsigned char>(text[i]);
    // ASCII followed by ASCII: always a boundary, except CR LF.
    if (b0 < 0x80 && (i + 1 >= text.size() || static_cast<unsigned char>(text[i + 1]) < 0x80))
        return (b0 == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? i + 2 : i + 1;
    utf8proc_int32_t state = 0;
    char32_t previous = unicode::decode(text, i);
    while (i < text.size()) {
        std::size_t next = i;
        const char32_t c = unicode::decode(text, next);
        if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(previous), static_cast<utf8proc_int32_t>(c),
                                             &state))
            break;
        previous = c;
        i = next;
    }
    return i;
}

void PrecompiledNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    if (units_.empty()) {
        out.append(text);
        return;
    }
    out.reserve(text.size());
    const std::size_t n = text.size();
    std::size_t i = 0;
    std::string_view replacement;
    while (i < n) {
        const auto b = static_cast<unsigned char>(text[i]);
        // Fast path: an ASCII character followed by ASCII is its own cluster (but CR LF).
        if (b < 0x80 && (i + 1 >= n || static_cast<unsigned char>(text[i + 1]) < 0x80) &&
            (b != '\r' || i + 1 >= n || text[i + 1] != '\n')) {
            if (ascii_rule_[b]) out.append(normalized_, ascii_[b].first, ascii_[b].second);
            else out.push_back(static_cast<char>(b));
            ++i;
            continue;
        }
        const std::size_t end = grapheme_end(text, i);
        const std::string_view cluster = text.substr(i, end - i);
        if (cluster.size() < 6 && transform(cluster, replacement)) {
            out.append(replacement);
        } else {
            std::size_t k = i;
            while (k < end) {
                const std::size_t char_begin = k;
                unicode::decode(text, k);
                const std::string_view c = text.substr(char_begin, k - char_begin);
                if (transform(c, replacement)) out.append(replacement);
                else out.append(c);
            }
        }
        i = end;
    }
}

}  // namespace bertcls::tok
