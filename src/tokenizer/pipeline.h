#pragma once
// The tokenizer framework: how a Tokenizer is assembled from small parts, after Hugging Face
// `tokenizers`. Internal to src/tokenizer; callers use tokenizer.h.
//
//   encode(text, pair)
//     1. validate UTF-8 (InputError naming the byte offset)
//     2. AddedVocabulary splits the raw text around added tokens ([CLS], <mask>, ... matched
//        before normalisation, leftmost-longest, honouring lstrip/rstrip/single_word)
//     3. each remaining piece goes to the SegmentEncoder: text -> ids, no special tokens. When
//        truncating, a text stops being tokenized after the first word that brings it to
//        max_length tokens, as HF does (see PipelineTokenizer::encode)
//     4. truncate_segments() applies the truncation strategy (exactly HF's utils/truncation.rs)
//        to those possibly shortened segments
//     5. the PostProcessor adds special tokens and token_type_ids (TemplateProcessing,
//        BertProcessing, RobertaProcessing)
//     6. token strings are looked up from the ids (Vocabulary)
//   encode_segments(text, pair) is steps 1 to 3, never stopping early; post_process(a, b) steps 5
//   and 6. Windows over a long text (processors/windows.h) are cut between the two.
//
// Adding a tokenizer family means adding a SegmentEncoder:
//  - families that HF runs as normalizer -> pre-tokenizer -> model (WordPiece, byte-level BPE)
//    use PipelineSegmentEncoder with a new Normalizer / PreTokenizer / Model implementation;
//  - SentencePiece (ALBERT, XLM-R) can wrap libsentencepiece in its own SegmentEncoder, with
//    the XLM-R fairseq id offset applied inside it.
// Then register a builder for its tokenizer.json "model.type" (or its legacy files) in factory.cpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace bertcls::tok {

// id -> token string, for the model vocabulary plus added tokens. Built with set(), or a view
// of the flat form (offsets + bytes) that a compiled tokenizer keeps in the model file.
class Vocabulary {
public:
    // Sets the string of `id`, growing the table as needed (building only, not on a view).
    void set(int32_t id, std::string token);
    // Room for `tokens` entries.
    void reserve(std::size_t tokens) { tokens_.reserve(tokens); }
    std::string_view token(int32_t id) const;  // "" for an unknown id
    std::size_t size() const { return view_ ? offsets_.size() - 1 : tokens_.size(); }

    // The flat form: token i is bytes[offsets[i], offsets[i + 1]).
    void flatten(std::vector<uint32_t>& offsets, std::string& bytes) const;
    // A view of a flat form, which must outlive it. Throws InputError when the offsets do not
    // increase from 0 to at most bytes.size().
    static Vocabulary view(std::span<const uint32_t> offsets, std::string_view bytes);

private:
    std::vector<std::string> tokens_;
    bool view_ = false;
    std::span<const uint32_t> offsets_;
    std::string_view bytes_;
};

// Turns one text (valid UTF-8, no added tokens inside) into ids, appended to `ids`.
// With a `stop_at`, it stops after the first word (pre-token) at whose end ids.size() >= stop_at
// and returns true; it returns false when it tokenized the whole text. ids.size() counts what
// was in `ids` before, so a caller can carry the count across added tokens.
// Implementations must be thread-safe (const, with thread_local scratch where needed).
class SegmentEncoder {
public:
    static constexpr std::size_t no_limit = static_cast<std::size_t>(-1);
    virtual ~SegmentEncoder() = default;
    virtual bool encode(std::string_view text, std::vector<int32_t>& ids, std::size_t stop_at = no_limit) const = 0;
};

// Text -> text, e.g. BertNormalizer. `out` is cleared first.
class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string_view text, std::string& out) const = 0;
};

// The words of a pre-tokenized text: spans into `text`, which points either at the
// pre-tokenizer's input or at `storage` when the pre-tokenizer rewrites the text.
struct Words {
    struct Span {
        uint32_t begin, length;
    };
    std::string_view text;
    std::string storage;
    std::vector<Span> spans;
    void clear() {
        text = {};
        storage.clear();
        spans.clear();
    }
    std::string_view word(const Span& s) const { return text.substr(s.begin, s.length); }
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Fills `words` (cleared first) with the words of `text`.
    virtual void pre_tokenize(std::string_view text, Words& words) const = 0;
};

// A subword model: one pre-tokenized word -> ids.
class Model {
public:
    virtual ~Model() = default;
    virtual void tokenize_word(std::string_view word, std::vector<int32_t>& ids) const = 0;
};

// normalizer (optional) -> pre-tokenizer (optional) -> model.
class PipelineSegmentEncoder final : public SegmentEncoder {
public:
    PipelineSegmentEncoder(std::unique_ptr<Normalizer> normalizer, std::unique_ptr<PreTokenizer> pre_tokenizer,
                           std::unique_ptr<Model> model);
    bool encode(std::string_view text, std::vector<int32_t>& ids, std::size_t stop_at = no_limit) const override;

private:
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    std::unique_ptr<Model> model_;
};

// An entry of tokenizer.json "added_tokens".
struct AddedToken {
    std::string content;
    int32_t id = 0;
    bool single_word = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = true;
};

// Splits raw text around added tokens, like HF's AddedVocabulary (leftmost-longest match).
// Tokens with normalized=true are matched on the raw text too (documented deviation: HF
// matches them after normalisation; no supported tokenizer has such tokens).
class AddedVocabulary {
public:
    explicit AddedVocabulary(std::vector<AddedToken> tokens);
    // Calls on_text(piece) for each stretch of ordinary text and on_token(id) for each added token.
    template <class OnText, class OnToken>
    void split(std::string_view text, OnText&& on_text, OnToken&& on_token) const;
    const std::vector<AddedToken>& tokens() const { return tokens_; }

private:
    // The longest token matching at text[i], or nullptr.
    const AddedToken* match_at(std::string_view text, std::size_t i) const;
    static bool passes_single_word(std::string_view text, std::size_t begin, std::size_t end);
    // Where the whitespace that ends text[0, begin) starts / that starts text[end, ...) ends.
    static std::size_t strip_left(std::string_view text, std::size_t begin);
    static std::size_t strip_right(std::string_view text, std::size_t end);

    std::vector<AddedToken> tokens_;                 // sorted by first byte, then longest first
    std::array<uint16_t, 257> first_byte_index_{};   // tokens_[index[b], index[b+1]) start with byte b
};

// One piece of a post-processing template.
struct TemplatePiece {
    enum class Kind { special, sequence_a, sequence_b } kind = Kind::special;
    std::vector<int32_t> ids;  // for special pieces
    int32_t type_id = 0;
};

// Adds special tokens and token type ids around one or two (already truncated) segments.
// TemplateProcessing, BertProcessing and RobertaProcessing all reduce to two templates.
class PostProcessor {
public:
    PostProcessor() = default;  // no special tokens, type id 0 (and 1 for the pair)
    PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair);
    std::size_t num_special_tokens(bool pair) const;
    void process(std::span<const int32_t> a, std::optional<std::span<const int32_t>> b, Encoding& out) const;
    const std::vector<TemplatePiece>& single_template() const { return single_; }
    const std::vector<TemplatePiece>& pair_template() const { return pair_; }

private:
    std::vector<TemplatePiece> single_, pair_;
};

// HF's truncate_encodings() on the segments, with max_length already reduced by the number of
// special tokens. The segments must be as HF holds them when it truncates: cut short at the
// first word boundary at or past the full max_length (PipelineTokenizer::encode). Throws
// InputError when the strategy cannot reach max_length (as HF does).
void truncate_segments(std::vector<int32_t>& a, std::vector<int32_t>* b, std::size_t max_length,
                       Truncation strategy);

// The Tokenizer every family shares.
class PipelineTokenizer final : public Tokenizer {
public:
    PipelineTokenizer(std::shared_ptr<const Vocabulary> vocabulary, AddedVocabulary added,
                      std::unique_ptr<SegmentEncoder> encoder, PostProcessor post_processor);
    Encoding encode(std::string_view text, std::optional<std::string_view> pair,
                    const EncodeOptions& options) const override;
    Segments encode_segments(std::string_view text, std::optional<std::string_view> pair) const override;
    Encoding post_process(std::span<const int32_t> first, std::optional<std::span<const int32_t>> second,
                          bool with_tokens) const override;
    std::size_t num_special_tokens(bool pair) const override { return post_processor_.num_special_tokens(pair); }
    std::optional<std::string_view> id_to_token(int32_t id) const override;
    std::size_t vocab_size() const override { return vocabulary_->size(); }

private:
    // Validates the texts and encodes them into `a` and `b` (steps 1 to 3), `pair` reset when its
    // second text is empty, since transformers encodes a pair only then (`if text_pair`).
    void encode_texts(std::string_view text, std::optional<std::string_view>& pair, std::vector<int32_t>& a,
                      std::vector<int32_t>& b, std::size_t stop_at) const;
    // Added tokens and encoder pieces of `text`, in order; stops after the word that the encoder
    // stopped at (SegmentEncoder::encode), dropping the rest, added tokens included.
    void encode_segment(std::string_view text, std::vector<int32_t>& ids, std::size_t stop_at) const;

    std::shared_ptr<const Vocabulary> vocabulary_;
    AddedVocabulary added_;
    std::unique_ptr<SegmentEncoder> encoder_;
    PostProcessor post_processor_;
};

// ---------------------------------------------------------------------------------------------

template <class OnText, class OnToken>
void AddedVocabulary::split(std::string_view text, OnText&& on_text, OnToken&& on_token) const {
    if (tokens_.empty()) {
        if (!text.empty()) on_text(text);
        return;
    }
    std::size_t piece_begin = 0;  // start of the pending ordinary text
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (first_byte_index_[b] == first_byte_index_[b + 1]) {
            ++i;
            continue;
        }
        const AddedToken* token = match_at(text, i);
        if (token == nullptr) {
            ++i;
            continue;
        }
        std::size_t begin = i;
        std::size_t end = i + token->content.size();
        if (token->single_word && !passes_single_word(text, begin, end)) {
            i = end;  // like HF, a rejected match is skipped, not retried shorter
            continue;
        }
        if (token->lstrip) begin = std::max(strip_left(text, begin), piece_begin);
        if (token->rstrip) end = strip_right(text, end);
        if (begin > piece_begin) on_text(text.substr(piece_begin, begin - piece_begin));
        on_token(token->id);
        piece_begin = end;
        i = end;
    }
    if (piece_begin < n) on_text(text.substr(piece_begin));
}

}  // namespace bertcls::tok
