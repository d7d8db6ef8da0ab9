#pragma once
// The generic normalizers of Hugging Face `tokenizers` that the SentencePiece families use
// (normalizers/{replace,unicode,strip,utils}.rs and spm_precompiled), and the tokenizer.json
// reader for them. BertNormalizer and Sequence are read by factory.cpp's read_normalizer(),
// which hands every other type to read_hf_normalizer().
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

// Replace: every non-overlapping occurrence of a literal pattern, left to right. A regex
// pattern is accepted only in the form HF's converters write, "X{n,}" (a run of n or more of
// one literal character, e.g. " {2,}"), which is what older ALBERT/T5 tokenizer.json files hold.
class ReplaceNormalizer final : public Normalizer {
public:
    ReplaceNormalizer(std::string pattern, std::string content, std::size_t min_repeat = 0);
    void normalize(std::string_view text, std::string& out) const override;

private:
    std::string pattern_;   // literal, or the repeated character when min_repeat_ > 0
    std::string content_;
    std::size_t min_repeat_;
};

// Replace(Regex("\\s{N,}|[\\n\\r\\t]"), content), DeBERTa-v2/v3's: a run of at least N whitespace
// characters (Oniguruma's \\s, the White_Space property), or one of the listed characters alone,
// becomes `content`. The alternatives are tried in that order at each position, as the regex does.
class WhitespaceRunNormalizer final : public Normalizer {
public:
    WhitespaceRunNormalizer(std::size_t min_run, std::u32string singles, std::string content)
        : min_run_(min_run), singles_(std::move(singles)), content_(std::move(content)) {}
    void normalize(std::string_view text, std::string& out) const override;

private:
    std::size_t min_run_;
    std::u32string singles_;
    std::string content_;
};

// NFD / NFKD / NFC / NFKC (utf8proc).
class UnicodeNormalizer final : public Normalizer {
public:
    enum class Form { nfd, nfkd, nfc, nfkc };
    explicit UnicodeNormalizer(Form form) : form_(form) {}
    void normalize(std::string_view text, std::string& out) const override;

private:
    Form form_;
};

// StripAccents: drops every combining mark (General_Category M: Mn, Mc, Me).
class StripAccentsNormalizer final : public Normalizer {
public:
    void normalize(std::string_view text, std::string& out) const override;
};

// Lowercase: Rust char::to_lowercase on each code point (no context rules: Σ is always σ).
class LowercaseNormalizer final : public Normalizer {
public:
    void normalize(std::string_view text, std::string& out) const override;
};

// Strip: removes leading / trailing whitespace (Rust char::is_whitespace).
class StripNormalizer final : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
    void normalize(std::string_view text, std::string& out) const override;

private:
    bool left_, right_;
};

// Several normalizers in a row: tokenizer.json's Sequence.
class NormalizerChain final : public Normalizer {
public:
    explicit NormalizerChain(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    void normalize(std::string_view text, std::string& out) const override;

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

// The bytes of a named section of a compiled tokenizer (tokenizer/compiled.h), where a
// Precompiled normalizer's charsmap is {"section": name} instead of base64.
using SectionBytes = std::function<std::string_view(const std::string& name)>;

// A normalizer of tokenizer.json other than BertNormalizer / Sequence; nullptr for an unknown
// type (the caller reports it). `sections`: given when reading a compiled tokenizer's spec.
std::unique_ptr<Normalizer> read_hf_normalizer(const nlohmann::json& json, const SectionBytes* sections = nullptr);

// Appends the NFKD (compat = true) or NFD form of valid UTF-8 `text` to `out`.
void append_decomposed(std::string& out, std::string_view text, bool compat);

// General_Category M* (what StripAccents removes).
bool is_combining_mark(char32_t c);

}  // namespace bertcls::tok
