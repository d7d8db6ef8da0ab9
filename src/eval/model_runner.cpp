#include "eval/model_runner.h"

#include <memory>

#include "util/error.h"

namespace bertcls::eval {

namespace {

// The model file, once it is known to suit eval.
std::shared_ptr<const ModelFile> checked_model(const std::filesystem::path& path) {
    auto model = std::make_shared<const ModelFile>(path);
    const ModelConfig& c = model->config();
    // Accuracy and F1 need one label per example; multi-label and regression heads have none.
    if (c.problem_type != ProblemType::single_label)
        throw InputError(path.string() + ": eval supports single-label classification models only; this model is " +
                         problem_type_name(c.problem_type));
    model->require_tokenizer("eval needs one to encode the texts");
    return model;
}

}  // namespace

ModelRunner::ModelRunner(const std::filesystem::path& path, std::optional<ComputeType> compute, int64_t max_length,
                         const pipeline::BatchLimits& limits)
    : classifier_(checked_model(path), {.compute = compute, .max_length = max_length, .limits = limits}) {}

std::vector<pipeline::EncodedText> ModelRunner::encode(const LabelledSet& set, std::size_t begin, std::size_t end) {
    std::vector<pipeline::TextInput> inputs;
    for (std::size_t i = begin; i < end; ++i) {
        const batch::Record& r = set.examples[i].record;
        if (!r.error.empty()) throw InputError(set.name + ":" + std::to_string(set.examples[i].line) + ": " + r.error);
        inputs.push_back({.text = r.text, .pair = r.has_pair ? std::optional<std::string_view>(r.pair) : std::nullopt});
    }
    std::vector<pipeline::EncodedText> encoded = classifier_.encode(inputs, pipeline::LongTextStrategy::truncate);
    for (std::size_t i = begin; i < end; ++i)
        if (!encoded[i - begin].error.empty())
            throw InputError(set.name + ":" + std::to_string(set.examples[i].line) + ": " + encoded[i - begin].error);
    return encoded;
}

void ModelRunner::classify(const std::vector<pipeline::EncodedText>& encoded, std::vector<float>& logits) {
    for (const Prediction& p : classifier_.predict(encoded)) logits.insert(logits.end(), p.logits.begin(), p.logits.end());
}

}  // namespace bertcls::eval
