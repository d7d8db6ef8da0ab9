#include "tokenizer/pre_tokenizers/bert_pre_tokenizer.h"

#include "tokenizer/unicode.h"

namespace bertcls::tok {

BertPreTokenizer::BertPreTokenizer() {
    for (int c = 0; c < 128; ++c) {
        const auto cp = static_cast<char32_t>(c);
        ascii_[static_cast<std::size_t>(c)] =
            unicode::is_whitespace(cp) ? kSpace : (unicode::is_bert_punctuation(cp) ? kPunct : kWord);
    }
}

void BertPreTokenizer::pre_tokenize(std::string_view text, Words& words) const {
    words.clear();
    words.text = text;
    const std::size_t n = text.size();
    std::size_t word_begin = n;  // n: no open word
    const auto close = [&](std::size_t end) {
        if (word_begin < end)
            words.spans.push_back({static_cast<uint32_t>(word_begin), static_cast<uint32_t>(end - word_begin)});
        word_begin = n;
    };
    std::size_t i = 0;
    while (i < n) {
        const auto b = static_cast<unsigned char>(text[i]);
        uint8_t cls;
        std::size_t next;
        if (b < 0x80) {
            cls = ascii_[b];
            next = i + 1;
        } else {
            next = i;
            const char32_t c = unicode::decode(text, next);
            cls = unicode::is_whitespace(c) ? kSpace : (unicode::is_bert_punctuation(c) ? kPunct : kWord);
        }
        if (cls == kWord) {
            if (word_begin == n) word_begin = i;
        } else {
            close(i);
            if (cls == kPunct) words.spans.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(next - i)});
        }
        i = next;
    }
    close(n);
}

}  // namespace bertcls::tok
