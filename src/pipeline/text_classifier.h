#pragma once
// The library's front door: texts (or pairs, or token ids) in, predictions out. Tokenizes in
// parallel, truncates long texts or cuts them into windows, checks every sequence against the
// model, runs them in length-sorted batches and averages each text's windows. `classify`,
// `batch`, `eval` and `bench` all go through it; only the attention dump also reaches below,
// for the maps of one forward pass.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/model_file.h"
#include "models/prediction.h"
#include "models/sequence_classifier.h"
#include "ops/compute_type.h"
#include "pipeline/length_batcher.h"
#include "pipeline/long_text.h"
#include "tokenizer/tokenizer.h"

namespace bertcls::pipeline {

struct TextClassifierOptions {
    std::optional<ComputeType> compute;  // unset: what the model file was converted for
    int64_t max_length = 0;  // tokens per text or window, special tokens included; 0: the model's
    std::size_t stride = 0;  // chunk: tokens shared by consecutive windows; 0: a quarter of a window
    BatchLimits limits;
    // A text with no tokens besides the special ones is classified like any other (as Hugging
    // Face does); when false it is marked `empty` and left out.
    bool classify_empty = true;
    // Scores of predict(): unset, the model's rule (models/prediction.h); set, as transformers'
    // function_to_apply.
    std::optional<ScoreFunction> function_to_apply;
};

// One thing to classify: a text or a pair, or ids that are already tokenized.
struct TextInput {
    std::string_view text;
    std::optional<std::string_view> pair;
    // Set: classify these ids (special tokens included) instead of tokenizing text.
    std::optional<std::span<const int32_t>> input_ids;
    std::span<const int32_t> token_type_ids;  // with input_ids; empty means all zeros
    // How a pair is cut to the length limit. only_first never cuts `pair` (a zero-shot
    // hypothesis) and lets chunk split `text` into windows that each carry the whole pair.
    Truncation truncation = Truncation::longest_first;
    // With chunk: text tokens per window, so that inputs with pairs of different lengths get
    // the same windows (zero-shot); 0: whatever the limit leaves.
    std::size_t window_text_tokens = 0;
};

struct EncodedText {
    std::string error;          // non-empty: why this input cannot be classified
    bool empty = false;         // only special tokens, left out (TextClassifierOptions::classify_empty)
    DocumentEncoding document;  // the windows that run (one unless the text was chunked)
    bool runs() const { return error.empty() && !empty; }
};

class TextClassifier {
public:
    // Throws InputError when the model file is unusable.
    TextClassifier(std::shared_ptr<const ModelFile> model, const TextClassifierOptions& options);

    const ModelConfig& config() const { return classifier_.config(); }
    const ModelFile& model_file() const { return classifier_.model_file(); }
    const ComputeChoice& compute_choice() const { return classifier_.compute_choice(); }
    // The network itself, for a forward pass that keeps attention maps.
    SequenceClassifier& model() { return classifier_; }
    std::size_t max_length() const { return max_length_; }
    // Whether `other` turns text into the same ids (same tokenizer files and length limit), so
    // its encodings can be used here instead of tokenizing twice.
    bool encodes_like(const TextClassifier& other) const;

    // Encodes the inputs in parallel; a bad one (invalid UTF-8, an id outside the vocabulary,
    // text for a model without a tokenizer, ...) gets `error`. Throws UsageError when the
    // options cannot work (a stride that leaves windows no room to advance, a max_length with
    // no room for text).
    std::vector<EncodedText> encode(std::span<const TextInput> inputs, LongTextStrategy strategy);

    // One prediction per encoded text that runs() (an empty Prediction for the others), its
    // windows averaged. All windows of all texts are batched together.
    std::vector<Prediction> predict(std::span<const EncodedText> encoded);

    // The raw logits of every window of every encoded text that runs(), in order
    // ([windows, labels]): a text's windows are consecutive rows.
    std::vector<float> logits(std::span<const EncodedText> encoded);

    // encode, then predict.
    std::vector<Prediction> classify(std::span<const TextInput> inputs, LongTextStrategy strategy,
                                     std::vector<EncodedText>* encoded = nullptr);

    double tokenize_ms = 0, forward_ms = 0;  // time spent so far, for --timing

private:
    void encode_one(const TextInput& input, const LongTextOptions& options, EncodedText& out) const;

    SequenceClassifier classifier_;
    TextClassifierOptions options_;
    std::size_t max_length_;
    std::unique_ptr<Tokenizer> tokenizer_;  // null when the model file has none
};

}  // namespace bertcls::pipeline
