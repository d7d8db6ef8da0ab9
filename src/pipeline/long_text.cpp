#include "pipeline/long_text.h"

#include <algorithm>

#include "util/error.h"

namespace bertcls::pipeline {

namespace {

std::vector<int32_t> slice(const std::vector<int32_t>& v, std::size_t begin, std::size_t end) {
    if (v.empty()) return {};
    return {v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end)};
}

}  // namespace

std::vector<Encoding> split_into_chunks(const Encoding& full, const Encoding& frame, std::size_t max_length,
                                        std::size_t overlap) {
    const auto& ids = full.input_ids;
    const std::size_t n = ids.size(), f = frame.input_ids.size();
    // The frame's ids split into those before the text and those after it.
    std::size_t prefix = 0;
    while (prefix < f && prefix < n && ids[prefix] == frame.input_ids[prefix]) ++prefix;
    const std::size_t suffix = f - prefix;
    if (n < f || !std::equal(frame.input_ids.begin() + static_cast<std::ptrdiff_t>(prefix), frame.input_ids.end(),
                             ids.end() - static_cast<std::ptrdiff_t>(suffix)))
        throw InputError("cannot split the text into chunks: unexpected special tokens");
    if (max_length <= f) throw UsageError("--max-length leaves no room for text between the special tokens");
    const std::size_t window = max_length - f, text = n - f;
    if (overlap >= window)
        throw UsageError("--stride " + std::to_string(overlap) + " must be less than the " + std::to_string(window) +
                         " text tokens of a window");

    std::vector<Encoding> chunks;
    const auto add = [&](std::size_t start) {
        const std::size_t begin = prefix + start, end = prefix + std::min(start + window, text);
        Encoding e;
        for (const auto* part : {&ids, &full.token_type_ids}) {
            if (part->empty()) continue;
            auto& out = part == &ids ? e.input_ids : e.token_type_ids;
            out = slice(*part, 0, prefix);
            const auto body = slice(*part, begin, end), tail = slice(*part, n - suffix, n);
            out.insert(out.end(), body.begin(), body.end());
            out.insert(out.end(), tail.begin(), tail.end());
        }
        chunks.push_back(std::move(e));
    };
    for (std::size_t start = 0;; start += window - overlap) {
        if (start + window >= text) {
            add(text > window ? text - window : 0);
            break;
        }
        add(start);
    }
    return chunks;
}

DocumentEncoding encode_document(const Tokenizer& tokenizer, std::string_view text,
                                 std::optional<std::string_view> pair, const LongTextOptions& options) {
    DocumentEncoding doc;
    const EncodeOptions ids_only{.max_length = 0, .truncation = options.truncation, .with_tokens = false};
    // Truncating: one pass, cut at the limit; only a text that reaches the limit is encoded again
    // in full, to say how long it was.
    const bool chunking = options.strategy == LongTextStrategy::chunk && (!pair || options.truncation == Truncation::only_first);
    Encoding first = tokenizer.encode(text, pair,
                                      {.max_length = chunking ? 0 : options.max_length,
                                       .truncation = options.truncation,
                                       .with_tokens = options.with_tokens});
    doc.tokens = first.input_ids.size();
    if (!chunking && doc.tokens == options.max_length) doc.tokens = tokenizer.encode(text, pair, ids_only).input_ids.size();
    // The special tokens (and a pair's second text) around every window.
    std::optional<Encoding> frame;
    std::size_t window_limit = options.max_length;  // tokens per window, frame included
    if (chunking && options.window_text_tokens > 0) {
        frame = tokenizer.encode("", pair, {.max_length = 0, .with_tokens = options.with_tokens});
        window_limit = std::min(options.max_length, frame->input_ids.size() + options.window_text_tokens);
    }
    if (doc.tokens <= window_limit || !chunking) {
        doc.truncated = doc.tokens > options.max_length;
        doc.applied = doc.truncated ? LongTextStrategy::truncate : options.strategy;
        doc.chunks.push_back(std::move(first));
        return doc;
    }
    doc.applied = LongTextStrategy::chunk;
    if (!frame) frame = tokenizer.encode("", pair, {.max_length = 0, .with_tokens = options.with_tokens});
    const std::size_t f = frame->input_ids.size();
    if (pair && f >= options.max_length)
        throw InputError("the second text of the pair leaves no room for the first within " + std::to_string(options.max_length) +
                         " tokens");
    const std::size_t window = window_limit > f ? window_limit - f : 0;
    const std::size_t overlap = options.stride > 0 ? options.stride : window / 4;
    doc.chunks = split_into_chunks(first, *frame, window_limit, overlap);
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
