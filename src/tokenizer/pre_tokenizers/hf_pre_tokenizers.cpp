// WhitespaceSplit, Metaspace and Sequence pre-tokenizers, and their tokenizer.json reader.
#include "tokenizer/pre_tokenizers/hf_pre_tokenizers.h"

#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/loaders/factory.h"
#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

using nlohmann::json;

namespace {

bool is_ascii_whitespace(unsigned char b) { return b == ' ' || (b >= 0x09 && b <= 0x0D); }

}  // namespace

void WhitespaceSplitPreTokenizer::pre_tokenize(std::string_view text, Words& words) const {
    words.clear();
    words.text = text;
    const std::size_t n = text.size();
    std::size_t word_begin = n;  // n: no open word
    std::size_t i = 0;
    while (i < n) {
        const auto b = static_cast<unsigned char>(text[i]);
        bool space;
        std::size_t next = i;
        if (b < 0x80) {
            space = is_ascii_whitespace(b);
            ++next;
        } else {
            space = unicode::is_whitespace(unicode::decode(text, next));
        }
        if (space) {
            if (word_begin < i)
                words.spans.push_back({static_cast<uint32_t>(word_begin), static_cast<uint32_t>(i - word_begin)});
            word_begin = n;
        } else if (word_begin == n) {
            word_begin = i;
        }
        i = next;
    }
    if (word_begin < n) words.spans.push_back({static_cast<uint32_t>(word_begin), static_cast<uint32_t>(n - word_begin)});
}

MetaspacePreTokenizer::MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split)
    : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {
    if (replacement_.empty()) throw InputError("tokenizer.json: Metaspace with an empty replacement");
}

void MetaspacePreTokenizer::pre_tokenize(std::string_view text, Words& words) const {
    words.clear();
    if (text.empty()) return;
    std::string& s = words.storage;
    s.reserve(text.size() + replacement_.size() * 2);
    if (prepend_ != Prepend::never && !text.starts_with(replacement_) && !text.starts_with(' ')) s.append(replacement_);
    for (const char ch : text) {
        if (ch == ' ') s.append(replacement_);
        else s.push_back(ch);
    }
    words.text = s;
    if (!split_) {
        words.spans.push_back({0, static_cast<uint32_t>(s.size())});
        return;
    }
    // A word starts at the text's start and at every replacement followed by something other
    // than another replacement; a replacement followed by one (or by the end) is a word alone.
    const std::string_view r = replacement_;
    const std::size_t n = s.size();
    std::size_t begin = 0, i = 0;
    const auto cut = [&](std::size_t at) {
        if (at > begin) words.spans.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(at - begin)});
        begin = at;
    };
    while (i < n) {
        const std::size_t hit = s.find(r, i);
        if (hit == std::string::npos) break;
        cut(hit);
        const std::size_t after = hit + r.size();
        if (after >= n || std::string_view(s).substr(after).starts_with(r)) cut(after);
        i = after;
    }
    cut(n);
}

SequencePreTokenizer::SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
    : parts_(std::move(parts)) {
    if (parts_.size() == 2 && dynamic_cast<const WhitespaceSplitPreTokenizer*>(parts_[0].get())) {
        const auto* m = dynamic_cast<const MetaspacePreTokenizer*>(parts_[1].get());
        if (m && m->prepend() == MetaspacePreTokenizer::Prepend::always && m->split()) fused_metaspace_ = m;
    }
}

void SequencePreTokenizer::pre_tokenize(std::string_view text, Words& words) const {
    words.clear();
    if (fused_metaspace_) {
        // Each whitespace-separated word becomes replacement + word, unless it holds a
        // replacement character itself (then Metaspace runs on it as usual).
        thread_local Words split, piece;  // WhitespaceSplit and Metaspace do not recurse
        parts_[0]->pre_tokenize(text, split);
        const std::string& r = fused_metaspace_->replacement();
        std::string& s = words.storage;
        s.reserve(text.size() + split.spans.size() * r.size());
        for (const auto& span : split.spans) {
            const std::string_view word = split.word(span);
            if (word.find(r) == std::string_view::npos) {
                const auto begin = static_cast<uint32_t>(s.size());
                s.append(r);
                s.append(word);
                words.spans.push_back({begin, static_cast<uint32_t>(s.size() - begin)});
                continue;
            }
            fused_metaspace_->pre_tokenize(word, piece);
            for (const auto& sub : piece.spans) {
                const auto begin = static_cast<uint32_t>(s.size());
                s.append(piece.word(sub));
                words.spans.push_back({begin, sub.length});
            }
        }
        words.text = s;
        return;
    }
    if (parts_.empty()) {
        words.text = text;
        if (!text.empty()) words.spans.push_back({0, static_cast<uint32_t>(text.size())});
        return;
    }
    parts_[0]->pre_tokenize(text, words);
    Words next, piece;  // not thread_local: a part may itself be a Sequence
    for (std::size_t p = 1; p < parts_.size(); ++p) {
        next.clear();
        for (const auto& span : words.spans) {
            parts_[p]->pre_tokenize(words.word(span), piece);
            for (const auto& sub : piece.spans) {
                const auto begin = static_cast<uint32_t>(next.storage.size());
                next.storage.append(piece.word(sub));
                next.spans.push_back({begin, sub.length});
            }
        }
        words.clear();
        words.storage.swap(next.storage);
        words.spans.swap(next.spans);
        words.text = words.storage;
    }
}

std::unique_ptr<PreTokenizer> read_hf_pre_tokenizer(const json& j) {
    const std::string type = j.at("type").get<std::string>();
    if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
    if (type == "Metaspace") {
        std::string replacement = j.value("replacement", std::string("\xE2\x96\x81"));
        auto prepend = MetaspacePreTokenizer::Prepend::always;
        if (j.contains("prepend_scheme") && j.at("prepend_scheme").is_string()) {
            const std::string scheme = j.at("prepend_scheme").get<std::string>();
            if (scheme == "first") prepend = MetaspacePreTokenizer::Prepend::first;
            else if (scheme == "never") prepend = MetaspacePreTokenizer::Prepend::never;
            else if (scheme != "always") throw InputError("tokenizer.json: unknown Metaspace prepend_scheme " + scheme);
        } else if (!j.value("add_prefix_space", true)) {
            prepend = MetaspacePreTokenizer::Prepend::never;
        }
        return std::make_unique<MetaspacePreTokenizer>(std::move(replacement), prepend, j.value("split", true));
    }
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(j.value("add_prefix_space", true), j.value("use_regex", true));
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& p : j.at("pretokenizers"))
            if (auto part = read_pre_tokenizer(p)) parts.push_back(std::move(part));
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    return nullptr;
}

}  // namespace bertcls::tok
