// ByteLevelPreTokenizer and GPT-2's pre-tokenization pattern, by hand.
#include "tokenizer/pre_tokenizers/byte_level.h"

#include <utf8proc.h>

#include "tokenizer/unicode.h"

namespace bertcls::tok {

namespace {

// The classes the pattern distinguishes: \p{L}, \p{N}, \s, and everything else.
enum Class : uint8_t { kLetter, kNumber, kSpace, kOther };

Class classify(char32_t c) {
    if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return kLetter;
        if (c >= '0' && c <= '9') return kNumber;
        if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return kSpace;
        return kOther;
    }
    if (unicode::is_whitespace(c)) return kSpace;
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) return kLetter;
    if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) return kNumber;
    return kOther;
}

// The class of the code point at text[i] (i < text.size()); sets `next` past it.
inline Class class_at(std::string_view text, std::size_t i, std::size_t& next) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
        next = i + 1;
        return classify(b);
    }
    next = i;
    return classify(unicode::decode(text, next));
}

// End of the run of `cls` characters starting at i.
inline std::size_t run_end(std::string_view text, std::size_t i, Class cls) {
    while (i < text.size()) {
        std::size_t next;
        if (class_at(text, i, next) != cls) break;
        i = next;
    }
    return i;
}

// Length of a contraction ('s 't 're 've 'm 'll 'd) at text[i] == '\'', or 0.
inline std::size_t contraction(std::string_view text, std::size_t i) {
    if (i + 1 >= text.size()) return 0;
    const char c1 = text[i + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if (i + 2 >= text.size()) return 0;
    const char c2 = text[i + 2];
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
    return 0;
}

}  // namespace

const std::array<char32_t, 256>& byte_to_unicode() {
    static const std::array<char32_t, 256> table = [] {
        std::array<char32_t, 256> t{};
        char32_t extra = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            t[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : extra++;
        }
        return t;
    }();
    return table;
}

void gpt2_split(std::string_view text, std::vector<Words::Span>& spans) {
    const std::size_t n = text.size();
    std::size_t i = 0;
    const auto emit = [&](std::size_t end) {
        spans.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(end - i)});
        i = end;
    };
    while (i < n) {
        // 's|'t|'re|'ve|'m|'ll|'d
        if (text[i] == '\'') {
            if (const std::size_t len = contraction(text, i)) {
                emit(i + len);
                continue;
            }
        }
        std::size_t next;
        const Class here = class_at(text, i, next);
        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional ASCII space, then a run.
        std::size_t start = i;
        Class cls = here;
        if (text[i] == ' ' && next < n) {
            std::size_t after;
            cls = class_at(text, next, after);
            start = next;
        }
        if (cls != kSpace) {
            emit(run_end(text, start, cls));
            continue;
        }
        // "\s+(?!\S)|\s+": a whitespace run, less its last character when a non-space follows
        // (that character then leads the next word), but never empty.
        const std::size_t end = run_end(text, i, kSpace);
        if (end == n) {
            emit(end);
            continue;
        }
        std::size_t last = end - 1;
        while ((static_cast<unsigned char>(text[last]) & 0xC0) == 0x80) --last;
        emit(last > i ? last : end);
    }
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
    : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
    const auto& table = byte_to_unicode();
    for (std::size_t b = 0; b < 256; ++b) unicode::append_utf8(mapped_[b], table[b]);
}

void ByteLevelPreTokenizer::pre_tokenize(std::string_view text, Words& words) const {
    words.clear();
    thread_local std::string prefixed;
    thread_local std::vector<Words::Span> spans;
    std::string_view source = text;
    if (add_prefix_space_ && !text.starts_with(' ')) {
        prefixed.assign(1, ' ');
        prefixed.append(text);
        source = prefixed;
    }
    spans.clear();
    if (use_regex_) gpt2_split(source, spans);
    else if (!source.empty()) spans.push_back({0, static_cast<uint32_t>(source.size())});
    std::string& s = words.storage;
    s.reserve(source.size() * 2);
    for (const auto& span : spans) {
        const auto begin = static_cast<uint32_t>(s.size());
        for (const char ch : source.substr(span.begin, span.length)) s.append(mapped_[static_cast<unsigned char>(ch)]);
        words.spans.push_back({begin, static_cast<uint32_t>(s.size() - begin)});
    }
    words.text = s;
}

}  // namespace bertcls::tok
