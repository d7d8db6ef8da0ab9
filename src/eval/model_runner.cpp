#include "eval/model_runner.h"

#include "models/model_config.h"
#include "util/error.h"
#include "util/resources.h"

namespace bertcls::eval {

namespace {

// The model file, once it is known to suit eval.
const ModelFile& checked_model(const SequenceClassifier& classifier) {
    const ModelConfig& c = classifier.config();
    const std::string name = classifier.model_file().path().string();
    // Accuracy and F1 need one label per example; multi-label and regression heads have none.
    if (c.problem_type != ProblemType::single_label)
        throw InputError(name + ": eval supports single-label classification models only; this model is " +
                         problem_type_name(c.problem_type));
    if (!classifier.model_file().has_tokenizer())
        throw InputError(name + " has no tokenizer: eval needs one to encode the texts");
    return classifier.model_file();
}

}  // namespace

ModelRunner::ModelRunner(SequenceClassifier& classifier, int64_t max_length)
    : classifier_(classifier), encoder_(checked_model(classifier), max_length) {}

bool ModelRunner::encodes_like(const ModelRunner& other) const {
    return encoder_.max_length() == other.encoder_.max_length() &&
           classifier_.model_file().tokenizer_files() == other.classifier_.model_file().tokenizer_files();
}

std::vector<Encoding> ModelRunner::encode(const LabelledSet& set, std::size_t begin, std::size_t end) {
    Stopwatch clock;
    std::vector<Encoding> encodings(end - begin);
    std::vector<std::string> errors(end - begin);
#pragma omp parallel for schedule(dynamic, 16)
    for (std::size_t i = begin; i < end; ++i) errors[i - begin] = encoder_.encode(set.examples[i].record, encodings[i - begin]);
    for (std::size_t i = begin; i < end; ++i)
        if (!errors[i - begin].empty())
            throw InputError(set.name + ":" + std::to_string(set.examples[i].line) + ": " + errors[i - begin]);
    tokenize_ms += clock.elapsed_ms();
    return encodings;
}

void ModelRunner::classify(const std::vector<Encoding>& encodings, const pipeline::BatchLimits& limits, std::vector<float>& logits) {
    Stopwatch clock;
    std::vector<SequenceInput> inputs;
    inputs.reserve(encodings.size());
    for (const auto& e : encodings) inputs.push_back({e.input_ids, e.token_type_ids});
    const std::vector<float> out = pipeline::classify_all(classifier_, inputs, limits);
    logits.insert(logits.end(), out.begin(), out.end());
    forward_ms += clock.elapsed_ms();
}

}  // namespace bertcls::eval
