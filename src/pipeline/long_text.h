#pragma once
// Texts longer than the model's limit: keep the first max_length tokens (truncate), or split the
// text into overlapping windows, classify each and average their scores (chunk).
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "models/model_config.h"
#include "models/prediction.h"
#include "tokenizer/tokenizer.h"

namespace bertcls::pipeline {

enum class LongTextStrategy { truncate, chunk };

struct LongTextOptions {
    LongTextStrategy strategy = LongTextStrategy::truncate;
    std::size_t max_length = 512;  // tokens per window, special tokens included
    // Tokens shared by consecutive windows; 0 picks a quarter of a window's text tokens.
    std::size_t stride = 0;
    bool with_tokens = false;  // fill Encoding::tokens (the token strings)
    // How a pair is cut to max_length. only_first (zero-shot: the hypothesis is never cut) also
    // lets chunk split a pair's first text into windows, each with the whole second text.
    Truncation truncation = Truncation::longest_first;
    // chunk, set: text tokens per window (so that pairs with second texts of different lengths
    // get the same windows); 0: what max_length leaves beside the special tokens (and the pair).
    std::size_t window_text_tokens = 0;
};

struct DocumentEncoding {
    std::vector<Encoding> chunks;  // one unless the text was chunked
    std::size_t tokens = 0;        // the whole text's length, special tokens included
    bool truncated = false;        // tokens were dropped
    LongTextStrategy applied = LongTextStrategy::truncate;  // pairs: truncated unless only_first
};

// Encodes one text (or pair): cut to max_length (truncate), or split into the tokenizer's windows
// (chunk: encode_windows, tokenizer/processors/windows.h). A pair is chunked only with
// Truncation::only_first: its first text is split and every window carries the whole second text.
// Throws InputError for invalid UTF-8 and UsageError when the stride leaves no room for the
// windows to advance.
DocumentEncoding encode_document(const Tokenizer& tokenizer, std::string_view text,
                                 std::optional<std::string_view> pair, const LongTextOptions& options);

// One prediction from the logits of a text's windows ([chunks, labels]): scores (by `function`,
// else the model's rule: prediction.h) and logits averaged over the windows.
Prediction average_prediction(const ModelConfig& config, std::span<const float> logits, std::size_t chunks,
                              std::optional<ScoreFunction> function = std::nullopt);

}  // namespace bertcls::pipeline
