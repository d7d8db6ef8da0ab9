#include "pipeline/text_classifier.h"

#include <algorithm>
#include <exception>
#include <mutex>

#include "models/sequence_check.h"
#include "util/error.h"
#include "util/resources.h"

namespace bertcls::pipeline {

TextClassifier::TextClassifier(std::shared_ptr<const ModelFile> model, const TextClassifierOptions& options)
    : classifier_(std::move(model), options.compute),
      options_(options),
      max_length_(static_cast<std::size_t>(options.max_length > 0 ? std::min(options.max_length, config().max_length)
                                                                  : config().max_length)) {
    // The compiled tokenizer when the file has one (ModelFile::make_tokenizer), else built from the files.
    if (model_file().has_tokenizer()) tokenizer_ = model_file().make_tokenizer("");
}

bool TextClassifier::encodes_like(const TextClassifier& other) const {
    return max_length_ == other.max_length_ && model_file().tokenizer_files() == other.model_file().tokenizer_files();
}

void TextClassifier::encode_one(const TextInput& input, const LongTextOptions& options, EncodedText& out) const {
    if (input.input_ids) {
        Encoding e;
        e.input_ids.assign(input.input_ids->begin(), input.input_ids->end());
        e.token_type_ids.assign(input.token_type_ids.begin(), input.token_type_ids.end());
        out.document.tokens = e.input_ids.size();
        out.document.chunks.push_back(std::move(e));
    } else {
        if (!tokenizer_) {
            out.error = "the model has no tokenizer: give input_ids";
            return;
        }
        try {
            LongTextOptions own = options;
            own.truncation = input.truncation;
            own.window_text_tokens = input.window_text_tokens;
            out.document = encode_document(*tokenizer_, input.text, input.pair, own);
            if (!options_.classify_empty) {
                const std::size_t special = input.pair ? tokenizer_->encode("", input.pair, {.max_length = 0, .with_tokens = false}).input_ids.size()
                                                       : tokenizer_->num_special_tokens(false);
                out.empty = out.document.tokens <= special;
            }
        } catch (const InputError& e) {
            out.error = e.what();
            return;
        }
    }
    for (const Encoding& window : out.document.chunks) {
        out.error = check_sequence(config(), window.input_ids, window.token_type_ids, static_cast<int64_t>(max_length_));
        if (!out.error.empty()) return;
    }
}

std::vector<EncodedText> TextClassifier::encode(std::span<const TextInput> inputs, LongTextStrategy strategy) {
    const Stopwatch clock;
    const LongTextOptions options{.strategy = strategy, .max_length = max_length_, .stride = options_.stride};
    std::vector<EncodedText> out(inputs.size());
    std::exception_ptr failure;  // a UsageError (the same for every text) or an internal failure
    std::mutex failure_mutex;
    // Texts go to threads 8 at a time: fewer have nothing to share, and starting the OpenMP
    // pool would cost a one-text call more than its tokenizing.
    constexpr std::size_t kChunk = 8;
#pragma omp parallel for schedule(dynamic, kChunk) if (inputs.size() > kChunk)
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        try {
            encode_one(inputs[i], options, out[i]);
        } catch (...) {
            const std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
    tokenize_ms += clock.elapsed_ms();
    return out;
}

std::vector<float> TextClassifier::logits(std::span<const EncodedText> encoded) {
    std::vector<SequenceInput> windows;
    for (const EncodedText& e : encoded)
        if (e.runs())
            for (const Encoding& w : e.document.chunks) windows.push_back({w.input_ids, w.token_type_ids});
    const Stopwatch clock;
    std::vector<float> out = classify_all(classifier_, windows, options_.limits);
    forward_ms += clock.elapsed_ms();
    return out;
}

std::vector<Prediction> TextClassifier::predict(std::span<const EncodedText> encoded) {
    const std::vector<float> logits = this->logits(encoded);
    const Stopwatch clock;

    const std::size_t labels = config().labels.size();
    std::vector<std::size_t> first_row(encoded.size());
    std::size_t row = 0;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        first_row[i] = row;
        if (encoded[i].runs()) row += encoded[i].document.chunks.size();
    }
    std::vector<Prediction> predictions(encoded.size());
    // A text's prediction is a softmax over a few labels: threads pay only for a large batch.
    constexpr std::size_t kMinParallelTexts = 256;
#pragma omp parallel for schedule(static) if (encoded.size() >= kMinParallelTexts)
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (!encoded[i].runs()) continue;
        const std::size_t windows_of_text = encoded[i].document.chunks.size();
        predictions[i] = average_prediction(config(), std::span(logits).subspan(first_row[i] * labels, windows_of_text * labels),
                                            windows_of_text, options_.function_to_apply);
    }
    forward_ms += clock.elapsed_ms();
    return predictions;
}

std::vector<Prediction> TextClassifier::classify(std::span<const TextInput> inputs, LongTextStrategy strategy,
                                                 std::vector<EncodedText>* encoded) {
    std::vector<EncodedText> own = encode(inputs, strategy);
    std::vector<Prediction> predictions = predict(own);
    if (encoded) *encoded = std::move(own);
    return predictions;
}

}  // namespace bertcls::pipeline
