#include "tokenizer/normalizers/bert_normalizer.h"

#include "tokenizer/unicode.h"

namespace bertcls::tok {

BertNormalizer::BertNormalizer(const Options& options)
    : clean_text_(options.clean_text),
      handle_chinese_chars_(options.handle_chinese_chars),
      strip_accents_(options.strip_accents.value_or(options.lowercase)),
      lowercase_(options.lowercase) {
    for (int c = 0; c < 128; ++c) {
        int16_t out = static_cast<int16_t>(c);
        if (clean_text_) {
            const bool keep_control = c == '\t' || c == '\n' || c == '\r';
            if (c == 0 || (unicode::is_other(static_cast<char32_t>(c)) && !keep_control)) out = kDrop;
            else if (unicode::is_whitespace(static_cast<char32_t>(c))) out = ' ';
        }
        if (out != kDrop && lowercase_ && out >= 'A' && out <= 'Z') out = static_cast<int16_t>(out + 32);
        ascii_[static_cast<std::size_t>(c)] = out;
    }
}

void BertNormalizer::normalize(std::string_view text, std::string& out) const {
    out.clear();
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // ASCII fast path: a table lookup per byte, written through a pointer (ASCII never grows).
        std::size_t j = i;
        while (j < n && static_cast<unsigned char>(text[j]) < 0x80) ++j;
        if (j > i) {
            const std::size_t old_size = out.size();
            out.resize(old_size + (j - i));
            char* d = out.data() + old_size;
            for (std::size_t k = i; k < j; ++k) {
                const int16_t m = ascii_[static_cast<unsigned char>(text[k])];
                *d = static_cast<char>(m);
                d += m != kDrop;
            }
            out.resize(static_cast<std::size_t>(d - out.data()));
            i = j;
            if (i == n) break;
        }
        // A run of non-ASCII characters, including the ASCII controls clean_text drops inside
        // it, so that NFD's canonical reordering sees what HF's sees.
        std::size_t e = i + 1;
        while (e < n) {
            const auto c = static_cast<unsigned char>(text[e]);
            if (c < 0x80 && ascii_[c] != kDrop) break;
            ++e;
        }
        normalize_run(text.substr(i, e - i), out);
        i = e;
    }
}

void BertNormalizer::normalize_run(std::string_view run, std::string& out) const {
    thread_local std::u32string chars, decomposed;
    chars.clear();
    for (std::size_t i = 0; i < run.size();) {
        char32_t c = unicode::decode(run, i);
        if (clean_text_) {
            const bool keep_control = c == '\t' || c == '\n' || c == '\r';
            if (c == 0 || c == 0xFFFD || (!keep_control && unicode::is_other(c))) continue;
            if (unicode::is_whitespace(c)) c = ' ';
        }
        if (handle_chinese_chars_ && unicode::is_chinese_char(c)) {
            chars.push_back(' ');
            chars.push_back(c);
            chars.push_back(' ');
        } else {
            chars.push_back(c);
        }
    }
    const std::u32string* source = &chars;
    if (strip_accents_) {
        decomposed.clear();
        unicode::append_nfd(decomposed, chars);
        std::erase_if(decomposed, [](char32_t c) { return unicode::is_mark_nonspacing(c); });
        source = &decomposed;
    }
    for (const char32_t c : *source) {
        if (lowercase_) unicode::append_lowercase(out, c);
        else unicode::append_utf8(out, c);
    }
}

}  // namespace bertcls::tok
