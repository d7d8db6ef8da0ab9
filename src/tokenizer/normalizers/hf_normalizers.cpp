// Replace, NFD/NFKD/NFC/NFKC, StripAccents, Lowercase, Strip and Precompiled: the normalizers
// of Hugging Face `tokenizers` that the SentencePiece families need.
#include "tokenizer/normalizers/hf_normalizers.h"

#include <array>
#include <cstdlib>
#include <utility>

#include <utf8proc.h>

#include "tokenizer/normalizers/precompiled_charsmap.h"
#include "tokenizer/unicode.h"
#include "util/base64.h"
#include "util/error.h"

namespace bertcls::tok {

using nlohmann::json;

namespace {

// HF's NFx normalizers and StripAccents use unicode-normalization-alignments 0.1.12, whose
// tables are Unicode 9.0: a code point assigned later has no decomposition, combining class 0
// and is no mark there (unicode::assigned_in_unicode9 below).
int combining_class_v9(char32_t c) {
    if (c < 0x300 || !unicode::assigned_in_unicode9(c)) return 0;
    return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

bool is_ascii(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        __builtin_memcpy(&word, text.data() + i, 8);
        if (word & 0x8080808080808080ull) return false;
    }
    for (; i < n; ++i)
        if (static_cast<unsigned char>(text[i]) >= 0x80) return false;
    return true;
}

// "X{n,}" with X one literal character (optionally backslash-escaped): returns X and n.
bool parse_repeat_regex(const std::string& regex, std::string& character, std::size_t& min_repeat) {
    std::size_t i = 0;
    if (regex.empty()) return false;
    if (regex[0] == '\\') i = 1;
    if (i >= regex.size()) return false;
    std::size_t char_end = i;
    unicode::decode(regex, char_end);
    std::string_view rest = std::string_view(regex).substr(char_end);
    if (rest.size() < 4 || rest.front() != '{' || !rest.ends_with(",}")) return false;
    const std::string digits(rest.substr(1, rest.size() - 3));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
    const std::string_view c = std::string_view(regex).substr(i, char_end - i);
    if (i == 0 && std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos && c.size() == 1) return false;
    character = c;
    min_repeat = static_cast<std::size_t>(std::strtoul(digits.c_str(), nullptr, 10));
    return min_repeat > 0;
}

}  // namespace

bool is_combining_mark(char32_t c) {
    if (c < 0x300 || !unicode::assigned_in_unicode9(c)) return false;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME;
}

void append_decomposed(std::string& out, std::string_view text, bool compat) {
    if (is_ascii(text)) {
        out.append(text);
        return;
    }
    thread_local std::u32string chars;
    chars.clear();
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
    std::array<utf8proc_int32_t, 32> buffer{};  // the longest decomposition (U+FDFA, NFKD) is 18
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t c = unicode::decode(text, i);
        if (c < 0xA0 || !unicode::assigned_in_unicode9(c)) {  // nothing below U+00A0 decomposes
            chars.push_back(c);
            continue;
        }
        int boundclass = 0;
        const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer.data(),
                                                           static_cast<utf8proc_ssize_t>(buffer.size()), options,
                                                           &boundclass);
        if (n < 0 || static_cast<std::size_t>(n) > buffer.size()) {
            chars.push_back(c);
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < n; ++k) chars.push_back(static_cast<char32_t>(buffer[k]));
    }
    unicode::sort_canonically(chars, 0, combining_class_v9);
    for (const char32_t c : chars) unicode::append_utf8(out, c);
}

ReplaceNormalizer::ReplaceNormalizer(std::string pattern, std::string content, std::size_t min_repeat)
    : pattern_(std::move(pattern)), content_(std::move(content)), min_repeat_(min_repeat) {
    if (pattern_.empty()) throw InputError("tokenizer.json: Replace with an empty pattern");
}

void ReplaceNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t hit = text.find(pattern_, i);
        if (hit == std::string_view::npos) break;
        if (min_repeat_ == 0) {
            out.append(text.substr(i, hit - i));
            out.append(content_);
            i = hit + pattern_.size();
            continue;
        }
        std::size_t end = hit, count = 0;
        while (text.substr(end, pattern_.size()) == pattern_) end += pattern_.size(), ++count;
        out.append(text.substr(i, hit - i));
        if (count >= min_repeat_) out.append(content_);
        else out.append(text.substr(hit, end - hit));
        i = end;
    }
    out.append(text.substr(i));
}

void WhitespaceRunNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t next = i;
        const char32_t c = unicode::decode(text, next);
        if (unicode::is_whitespace(c)) {
            std::size_t end = next, run = 1;
            while (end < text.size()) {
                std::size_t after = end;
                if (!unicode::is_whitespace(unicode::decode(text, after))) break;
                end = after, ++run;
            }
            if (run >= min_run_) {
                out.append(content_);
                i = end;
                continue;
            }
        }
        if (singles_.find(c) != std::u32string::npos) out.append(content_);
        else out.append(text.substr(i, next - i));
        i = next;
    }
}

// "\s{N,}" optionally followed by "|[...]" of escaped \n, \r, \t or plain characters.
static bool parse_whitespace_run_regex(const std::string& regex, std::size_t& min_run, std::u32string& singles) {
    std::string_view rest(regex);
    if (!rest.starts_with("\\s{")) return false;
    rest.remove_prefix(3);
    const std::size_t close = rest.find(",}");
    if (close == std::string_view::npos || close == 0) return false;
    const std::string digits(rest.substr(0, close));
    if (digits.find_first_not_of("0123456789") != std::string::npos) return false;
    min_run = static_cast<std::size_t>(std::strtoul(digits.c_str(), nullptr, 10));
    rest.remove_prefix(close + 2);
    if (rest.empty()) return min_run > 0;
    if (!rest.starts_with("|[") || !rest.ends_with("]")) return false;
    rest = rest.substr(2, rest.size() - 3);
    for (std::size_t i = 0; i < rest.size();) {
        if (rest[i] == '\\' && i + 1 < rest.size()) {
            const char e = rest[i + 1];
            if (e == 'n') singles += U'\n';
            else if (e == 'r') singles += U'\r';
            else if (e == 't') singles += U'\t';
            else return false;
            i += 2;
        } else if (std::string_view("[]^-").find(rest[i]) != std::string_view::npos) {
            return false;
        } else {
            singles += unicode::decode(rest, i);
        }
    }
    return min_run > 0;
}

void UnicodeNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    if (is_ascii(text)) {
        out.append(text);
        return;
    }
    if (form_ == Form::nfd || form_ == Form::nfkd) {
        append_decomposed(out, text, form_ == Form::nfkd);
        return;
    }
    const auto options = static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE |
                                                        (form_ == Form::nfkc ? UTF8PROC_COMPAT : 0));
    utf8proc_uint8_t* result = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            static_cast<utf8proc_ssize_t>(text.size()), &result, options);
    if (n < 0) throw InputError(std::string("tokenizer: Unicode normalisation failed: ") + utf8proc_errmsg(n));
    out.assign(reinterpret_cast<const char*>(result), static_cast<std::size_t>(n));
    std::free(result);
}

void StripAccentsNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    if (is_ascii(text)) {
        out.append(text);
        return;
    }
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t begin = i;
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            out.push_back(text[begin]);
            continue;
        }
        const char32_t c = unicode::decode(text, i);
        if (!is_combining_mark(c)) out.append(text.substr(begin, i - begin));
    }
}

void LowercaseNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x80) {
            out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
            ++i;
            continue;
        }
        unicode::append_lowercase(out, unicode::decode(text, i));
    }
}

void StripNormalizer::normalize(std::string_view text, std::string& out) const {
    std::size_t begin = 0, end = text.size();
    if (left_) {
        while (begin < end) {
            std::size_t next = begin;
            if (!unicode::is_whitespace(unicode::decode(text, next))) break;
            begin = next;
        }
    }
    if (right_) {
        while (end > begin) {
            std::size_t start = end - 1;
            while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
            std::size_t next = start;
            if (!unicode::is_whitespace(unicode::decode(text, next))) break;
            end = start;
        }
    }
    out.assign(text.substr(begin, end - begin));
}

void NormalizerChain::normalize(std::string_view text, std::string& out) const {
    if (parts_.empty()) {
        out.assign(text);
        return;
    }
    thread_local std::string scratch;
    parts_[0]->normalize(text, out);
    for (std::size_t k = 1; k < parts_.size(); ++k) {
        scratch.swap(out);
        parts_[k]->normalize(scratch, out);
    }
}

std::unique_ptr<Normalizer> read_hf_normalizer(const json& j, const SectionBytes* sections) {
    const std::string type = j.at("type").get<std::string>();
    if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(UnicodeNormalizer::Form::nfkd);
    if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UnicodeNormalizer::Form::nfd);
    if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(UnicodeNormalizer::Form::nfkc);
    if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UnicodeNormalizer::Form::nfc);
    if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
    if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
    if (type == "Strip")
        return std::make_unique<StripNormalizer>(j.value("strip_left", true), j.value("strip_right", true));
    if (type == "Precompiled") {
        if (sections && j.contains("section"))
            return std::make_unique<PrecompiledNormalizer>((*sections)(j.at("section").get<std::string>()));
        const json& map = j.at("precompiled_charsmap");
        if (map.is_null()) return nullptr;
        const auto charsmap = base64_decode(map.get<std::string>());
        if (!charsmap) throw InputError("tokenizer.json: precompiled_charsmap is not valid base64");
        return std::make_unique<PrecompiledNormalizer>(*charsmap);
    }
    if (type == "Replace") {
        const json& pattern = j.at("pattern");
        std::string content = j.at("content").get<std::string>();
        if (pattern.contains("String"))
            return std::make_unique<ReplaceNormalizer>(pattern.at("String").get<std::string>(), std::move(content));
        if (pattern.contains("Regex")) {
            const std::string regex = pattern.at("Regex").get<std::string>();
            std::string character;
            std::size_t min_repeat = 0;
            if (parse_repeat_regex(regex, character, min_repeat))
                return std::make_unique<ReplaceNormalizer>(std::move(character), std::move(content), min_repeat);
            std::u32string singles;
            if (parse_whitespace_run_regex(regex, min_repeat, singles))
                return std::make_unique<WhitespaceRunNormalizer>(min_repeat, std::move(singles), std::move(content));
            throw InputError("tokenizer.json: unsupported Replace regex \"" + regex + "\"");
        }
        throw InputError("tokenizer.json: bad Replace pattern " + pattern.dump());
    }
    return nullptr;
}

}  // namespace bertcls::tok
