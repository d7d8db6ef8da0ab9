#pragma once
// The tokenizer contract every family implements. A Tokenizer is a pipeline (normalizer,
// pre-tokenizer, model, post-processor) assembled from Hugging Face tokenizer files by
// make_tokenizer(); callers only see encode().
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertcls {

// File name (e.g. "tokenizer.json", "vocab.txt", "spiece.model") -> raw file bytes.
using TokenizerFiles = std::map<std::string, std::string>;

enum class Truncation { longest_first, only_first, only_second, do_not_truncate };

// Parses "longest_first" etc.; throws UsageError on an unknown name.
Truncation parse_truncation(std::string_view name);

struct EncodeOptions {
    // Maximum length including special tokens; 0 means no limit.
    std::size_t max_length = 0;
    Truncation truncation = Truncation::longest_first;
};

struct Encoding {
    std::vector<std::string> tokens;  // token strings as Hugging Face reports them
    std::vector<int32_t> input_ids;
    std::vector<int32_t> token_type_ids;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Encodes one text (or a pair) with special tokens, truncated per options.
    // Throws InputError for invalid UTF-8 (the message says where in the text).
    virtual Encoding encode(std::string_view text,
                            std::optional<std::string_view> pair = std::nullopt,
                            const EncodeOptions& options = {}) const = 0;

    // Number of special tokens added around a single text or a pair.
    virtual std::size_t num_special_tokens(bool pair) const = 0;
};

// Builds the tokenizer described by Hugging Face tokenizer files: tokenizer.json when
// present, else the legacy files (vocab.txt + tokenizer_config.json, vocab.json + merges.txt,
// spiece.model / sentencepiece.bpe.model). Throws InputError when the files are unusable.
std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerFiles& files);

// Reads the tokenizer files a Hugging Face checkpoint folder holds (only known names).
TokenizerFiles read_tokenizer_dir(const std::filesystem::path& dir);

}  // namespace bertcls
