// PipelineTokenizer and PipelineSegmentEncoder: the assembly described in pipeline.h.
#include "tokenizer/pipeline.h"

#include "tokenizer/unicode.h"
#include "util/error.h"

namespace bertcls::tok {

void Vocabulary::set(int32_t id, std::string token) {
    if (id < 0) throw InputError("tokenizer: negative token id " + std::to_string(id));
    // The table is dense: a hostile id of 2^31 - 1 must not ask for 64 GiB. Real vocabularies
    // have at most a few hundred thousand tokens.
    constexpr int32_t kMaxTokenId = (1 << 22) - 1;
    if (id > kMaxTokenId)
        throw InputError("tokenizer: token id " + std::to_string(id) + " is over the limit of " + std::to_string(kMaxTokenId));
    if (static_cast<std::size_t>(id) >= tokens_.size()) tokens_.resize(static_cast<std::size_t>(id) + 1);
    tokens_[static_cast<std::size_t>(id)] = std::move(token);
}

std::string_view Vocabulary::token(int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= size()) return {};
    if (!view_) return tokens_[static_cast<std::size_t>(id)];
    const auto i = static_cast<std::size_t>(id);
    return bytes_.substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

void Vocabulary::flatten(std::vector<uint32_t>& offsets, std::string& bytes) const {
    offsets.assign(1, 0);
    bytes.clear();
    for (std::size_t i = 0; i < size(); ++i) {
        bytes += token(static_cast<int32_t>(i));
        if (bytes.size() > UINT32_MAX) throw InputError("tokenizer: vocabulary over 4 GiB");
        offsets.push_back(static_cast<uint32_t>(bytes.size()));
    }
}

Vocabulary Vocabulary::view(std::span<const uint32_t> offsets, std::string_view bytes) {
    if (offsets.empty() || offsets[0] != 0) throw InputError("vocabulary offsets do not start at 0");
    for (std::size_t i = 1; i < offsets.size(); ++i)
        if (offsets[i] < offsets[i - 1] || offsets[i] > bytes.size())
            throw InputError("vocabulary offset " + std::to_string(i) + " is out of order or past the strings");
    Vocabulary v;
    v.view_ = true;
    v.offsets_ = offsets;
    v.bytes_ = bytes;
    return v;
}

PipelineSegmentEncoder::PipelineSegmentEncoder(std::unique_ptr<Normalizer> normalizer,
                                               std::unique_ptr<PreTokenizer> pre_tokenizer,
                                               std::unique_ptr<Model> model)
    : normalizer_(std::move(normalizer)), pre_tokenizer_(std::move(pre_tokenizer)), model_(std::move(model)) {}

bool PipelineSegmentEncoder::encode(std::string_view text, std::vector<int32_t>& ids, std::size_t stop_at) const {
    thread_local std::string normalized;
    thread_local Words words;
    std::string_view current = text;
    if (normalizer_) {
        normalizer_->normalize(text, normalized);
        current = normalized;
    }
    if (!pre_tokenizer_) {  // the whole text is one word, as in HF
        if (current.empty()) return false;
        model_->tokenize_word(current, ids);
        return ids.size() >= stop_at;
    }
    pre_tokenizer_->pre_tokenize(current, words);
    for (const auto& span : words.spans) {
        model_->tokenize_word(words.word(span), ids);
        if (ids.size() >= stop_at) return true;
    }
    return false;
}

PipelineTokenizer::PipelineTokenizer(std::shared_ptr<const Vocabulary> vocabulary, AddedVocabulary added,
                                     std::unique_ptr<SegmentEncoder> encoder, PostProcessor post_processor)
    : vocabulary_(std::move(vocabulary)),
      added_(std::move(added)),
      encoder_(std::move(encoder)),
      post_processor_(std::move(post_processor)) {}

void PipelineTokenizer::encode_segment(std::string_view text, std::vector<int32_t>& ids, std::size_t stop_at) const {
    bool stopped = false;
    added_.split(
        text,
        [&](std::string_view piece) {
            if (!stopped) stopped = encoder_->encode(piece, ids, stop_at);
        },
        [&](int32_t id) {
            if (!stopped) ids.push_back(id);
        });
}

std::optional<std::string_view> PipelineTokenizer::id_to_token(int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= vocabulary_->size()) return std::nullopt;
    return vocabulary_->token(id);
}

void PipelineTokenizer::encode_texts(std::string_view text, std::optional<std::string_view>& pair,
                                     std::vector<int32_t>& a, std::vector<int32_t>& b, std::size_t stop_at) const {
    if (pair && pair->empty()) pair.reset();
    unicode::validate_utf8(text, pair ? "the first text" : "the text");
    if (pair) unicode::validate_utf8(*pair, "the second text");
    a.clear();
    b.clear();
    encode_segment(text, a, stop_at);
    if (pair) encode_segment(*pair, b, stop_at);
}

Segments PipelineTokenizer::encode_segments(std::string_view text, std::optional<std::string_view> pair) const {
    Segments out;
    std::vector<int32_t> b;
    encode_texts(text, pair, out.first, b, SegmentEncoder::no_limit);
    if (pair) out.second = std::move(b);
    return out;
}

Encoding PipelineTokenizer::post_process(std::span<const int32_t> first,
                                         std::optional<std::span<const int32_t>> second, bool with_tokens) const {
    Encoding out;
    post_processor_.process(first, second, out);
    if (with_tokens) {
        out.tokens.reserve(out.input_ids.size());
        for (const int32_t id : out.input_ids) out.tokens.emplace_back(vocabulary_->token(id));
    }
    return out;
}

Encoding PipelineTokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                                   const EncodeOptions& options) const {
    // When truncating, each text is tokenized only until it holds max_length tokens (the full
    // max_length, special tokens included), and only at a word boundary, because HF does so: in
    // `tokenizers` 0.23.2 the encoding of a long text, its overflowing tokens included, ends at
    // that word. Its truncate_encodings() then sees those lengths, so they, not the full lengths,
    // decide which text of a pair is "the longer" one (see truncate_segments). Precisely: the
    // count includes added tokens, but it is checked only after a word that the model tokenized,
    // and everything after that word (added tokens too) is dropped. This was measured, not read
    // in HF's source: it fits every pair line of ../shared and tests/data and 16,200 random pairs
    // over the nine tokenizer folders. The kept tokens are the same as without the early stop
    // (truncation keeps fewer than max_length); only the longest_first split of a pair differs.
    const bool truncating = options.max_length > 0 && options.truncation != Truncation::do_not_truncate;
    const std::size_t stop_at = truncating ? options.max_length : SegmentEncoder::no_limit;
    thread_local std::vector<int32_t> a, b;
    encode_texts(text, pair, a, b, stop_at);

    if (truncating) {
        const std::size_t specials = num_special_tokens(pair.has_value());
        if (options.max_length < specials)
            throw UsageError("max length " + std::to_string(options.max_length) + " leaves no room for the " +
                             std::to_string(specials) + " special tokens");
        truncate_segments(a, pair ? &b : nullptr, options.max_length - specials, options.truncation);
    }
    return post_process(a, pair ? std::optional<std::span<const int32_t>>(b) : std::nullopt, options.with_tokens);
}

}  // namespace bertcls::tok
