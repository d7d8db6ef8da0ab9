#include "pipeline/long_text.h"

#include <algorithm>

#include "tokenizer/processors/windows.h"

namespace bertcls::pipeline {

DocumentEncoding encode_document(const Tokenizer& tokenizer, std::string_view text,
                                 std::optional<std::string_view> pair, const LongTextOptions& options) {
    DocumentEncoding doc;
    // A pair is split only when its second text is never cut (only_first).
    if (options.strategy == LongTextStrategy::chunk && (!pair || options.truncation == Truncation::only_first)) {
        Windows windows = encode_windows(tokenizer, text, pair,
                                         {.max_length = options.max_length,
                                          .stride = options.stride > 0 ? std::optional(options.stride) : std::nullopt,
                                          .text_tokens = options.window_text_tokens,
                                          .with_tokens = options.with_tokens});
        doc.chunks = std::move(windows.encodings);
        doc.tokens = windows.tokens;
        doc.applied = LongTextStrategy::chunk;
        return doc;
    }
    // One pass, cut at the limit; only a text that reaches the limit is encoded again in full,
    // to say how long it was.
    doc.chunks.push_back(tokenizer.encode(
        text, pair,
        {.max_length = options.max_length, .truncation = options.truncation, .with_tokens = options.with_tokens}));
    doc.tokens = doc.chunks.front().input_ids.size();
    if (doc.tokens == options.max_length)
        doc.tokens = tokenizer.encode(text, pair, {.max_length = 0, .truncation = options.truncation, .with_tokens = false})
                         .input_ids.size();
    doc.truncated = doc.tokens > options.max_length;
    doc.applied = doc.truncated ? LongTextStrategy::truncate : options.strategy;
    return doc;
}

Prediction average_prediction(const ModelConfig& config, std::span<const float> logits, std::size_t chunks,
                              std::optional<ScoreFunction> function) {
    if (chunks == 1) return make_prediction(config, logits, function);
    const std::size_t labels = config.labels.size();
    std::vector<double> score_sum(labels, 0), logit_sum(labels, 0);
    for (std::size_t c = 0; c < chunks; ++c) {
        const Prediction p = make_prediction(config, logits.subspan(c * labels, labels), function);
        for (std::size_t k = 0; k < labels; ++k) {
            score_sum[k] += p.scores[k];
            logit_sum[k] += p.logits[k];
        }
    }
    Prediction out;
    for (std::size_t k = 0; k < labels; ++k) {
        out.scores.push_back(static_cast<float>(score_sum[k] / double(chunks)));
        out.logits.push_back(static_cast<float>(logit_sum[k] / double(chunks)));
        out.ranked.push_back({config.labels[k], out.scores.back()});
    }
    std::stable_sort(out.ranked.begin(), out.ranked.end(),
                     [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
    return out;
}

}  // namespace bertcls::pipeline
