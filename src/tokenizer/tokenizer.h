#pragma once
// The tokenizer contract every family implements. A Tokenizer is a pipeline (normalizer,
// pre-tokenizer, model, post-processor) assembled from Hugging Face tokenizer files by
// make_tokenizer(); callers see encode() and the vocabulary (id_to_token).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
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
    // Fill Encoding::tokens; callers that need only ids can skip the string copies.
    bool with_tokens = true;
};

struct Encoding {
    std::vector<std::string> tokens;  // token strings as Hugging Face reports them
    std::vector<int32_t> input_ids;
    std::vector<int32_t> token_type_ids;
};

// The ids of a text and of its pair without special tokens, not truncated: what encode() holds
// before it truncates and post-processes.
struct Segments {
    std::vector<int32_t> first;
    std::optional<std::vector<int32_t>> second;  // absent for a single text or an empty second text
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Encodes one text (or a pair) with special tokens, truncated per options, exactly as
    // Hugging Face `tokenizers` (the fast tokenizer AutoTokenizer returns) would.
    // Invalid UTF-8 is rejected, not repaired: InputError "invalid UTF-8 in the text at byte N"
    // (N is the offset of the first bad byte in that text). Also throws UsageError when
    // max_length is smaller than num_special_tokens(), or only_second is asked for a single
    // text that needs truncating, and InputError when only_first/only_second cannot reach
    // max_length (HF's "sequence to truncate too short").
    virtual Encoding encode(std::string_view text,
                            std::optional<std::string_view> pair = std::nullopt,
                            const EncodeOptions& options = {}) const = 0;

    // The steps of encode() apart, as Hugging Face's encode(add_special_tokens=False) and
    // post_process(), so that a caller can cut the segments (into windows) before the special
    // tokens go around each piece. encode_segments validates the texts as encode() does.
    virtual Segments encode_segments(std::string_view text, std::optional<std::string_view> pair) const = 0;
    virtual Encoding post_process(std::span<const int32_t> first, std::optional<std::span<const int32_t>> second,
                                  bool with_tokens) const = 0;

    // Number of special tokens added around a single text or a pair.
    virtual std::size_t num_special_tokens(bool pair) const = 0;

    // The string of token `id`, as Hugging Face's id_to_token gives it: the model vocabulary's
    // entry or an added token's content; nullopt for an id outside [0, vocab_size()). The view
    // lives as long as the tokenizer. (An id that the files skip below the largest one reads as
    // "", where HF says None; no supported vocabulary has such gaps.)
    virtual std::optional<std::string_view> id_to_token(int32_t id) const = 0;
    // One more than the largest id the tokenizer knows, added tokens included: HF's
    // get_vocab_size(with_added_tokens=true) for a vocabulary without gaps.
    virtual std::size_t vocab_size() const = 0;
};

// Builds the tokenizer described by Hugging Face tokenizer files: tokenizer.json when
// present, else the legacy files (vocab.txt + tokenizer_config.json, vocab.json + merges.txt,
// spiece.model / sentencepiece.bpe.model). Throws InputError when the files are unusable.
std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerFiles& files);

// Reads the tokenizer files a Hugging Face checkpoint folder holds (only known names).
TokenizerFiles read_tokenizer_dir(const std::filesystem::path& dir);

}  // namespace bertcls
