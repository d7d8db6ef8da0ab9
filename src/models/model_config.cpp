#include "models/model_config.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace bertcls {

namespace config_field {

void bad(const std::string& field, const std::string& problem) {
    throw InputError("config field '" + field + "' " + problem);
}

// An integer field in [min, max]; `max` is one of ModelConfig::Limits.
int64_t integer(const nlohmann::json& json, const char* field, int64_t min, int64_t max) {
    if (!json.contains(field) || !json[field].is_number_integer()) bad(field, "is missing or not an integer");
    const auto& value = json[field];
    // Integers past int64 (nlohmann keeps them as uint64) are out of range too, not a wrapped value.
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max))
        bad(field, "is out of range: " + std::to_string(value.get<uint64_t>()) + " (at most " + std::to_string(max) + ")");
    const auto n = value.get<int64_t>();
    if (n < min) bad(field, "is out of range: " + std::to_string(n) + " (at least " + std::to_string(min) + ")");
    if (n > max) bad(field, "is out of range: " + std::to_string(n) + " (at most " + std::to_string(max) + ")");
    return n;
}

Activation activation(const nlohmann::json& json, const char* field) {
    if (!json.contains(field) || !json[field].is_string()) bad(field, "is missing or not a string");
    const auto name = json[field].get<std::string>();
    if (name == "gelu") return Activation::gelu_erf;
    if (name == "gelu_new") return Activation::gelu_tanh;
    if (name == "relu") return Activation::relu;
    if (name == "tanh") return Activation::tanh;
    bad(field, "has unsupported activation '" + name + "'");
}

double number(const nlohmann::json& json, const char* field) {
    if (!json.contains(field) || !json[field].is_number()) bad(field, "is missing or not a number");
    return json[field].get<double>();
}

bool boolean(const nlohmann::json& json, const char* field) {
    if (!json.contains(field) || !json[field].is_boolean()) bad(field, "is missing or not a boolean");
    return json[field].get<bool>();
}

std::string string(const nlohmann::json& json, const char* field) {
    if (!json.contains(field) || !json[field].is_string()) bad(field, "is missing or not a string");
    return json[field].get<std::string>();
}

}  // namespace config_field

ModelConfig ModelConfig::from_json(const nlohmann::json& json) {
    using config_field::bad;
    using config_field::integer;
    if (!json.is_object()) throw InputError("config is not a JSON object");
    ModelConfig c;
    c.family = json.value("family", "");
    c.architecture = json.value("architecture", "");
    using L = Limits;
    c.vocab_size = integer(json, "vocab_size", 1, L::vocab_size);
    c.hidden_size = integer(json, "hidden_size", 1, L::hidden_size);
    c.embedding_size = integer(json, "embedding_size", 1, L::hidden_size);
    c.num_layers = integer(json, "num_layers", 1, L::num_layers);
    c.num_heads = integer(json, "num_heads", 1, L::num_heads);
    c.intermediate_size = integer(json, "intermediate_size", 1, L::intermediate_size);
    c.max_position_embeddings = integer(json, "max_position_embeddings", 1, L::max_position_embeddings);
    c.type_vocab_size = integer(json, "type_vocab_size", 0, L::type_vocab_size);
    // Checked against the position table and the vocabulary below.
    c.position_offset = integer(json, "position_offset", 0, L::max_position_embeddings);
    c.pad_token_id = integer(json, "pad_token_id", 0, L::vocab_size);
    c.num_layer_weights = integer(json, "num_layer_weights", 1, L::num_layers);
    c.max_length = integer(json, "max_length", 1, L::max_position_embeddings);
    c.layer_norm_eps = config_field::number(json, "layer_norm_eps");
    c.embedding_projection = config_field::boolean(json, "embedding_projection");
    c.hidden_act = config_field::activation(json, "hidden_act");
    c.head_activation = config_field::activation(json, "head_activation");

    const std::string problem = json.value("problem_type", "");
    if (problem == "single_label_classification") c.problem_type = ProblemType::single_label;
    else if (problem == "multi_label_classification") c.problem_type = ProblemType::multi_label;
    else if (problem == "regression") c.problem_type = ProblemType::regression;
    else bad("problem_type", "has unknown value '" + problem + "'");
    // Both written by converters since the pipeline's score rules (README "Scores"); a file
    // without them keeps its stored problem_type as given.
    if (json.contains("problem_type_inferred")) c.problem_type_inferred = config_field::boolean(json, "problem_type_inferred");
    if (json.contains("function_to_apply") && !json["function_to_apply"].is_null()) {
        const std::string f = config_field::string(json, "function_to_apply");
        c.function_to_apply = parse_score_function(f);
        if (!c.function_to_apply) bad("function_to_apply", "has unknown value '" + f + "' (softmax, sigmoid or none)");
    }

    if (!json.contains("labels") || !json["labels"].is_array() || json["labels"].empty())
        bad("labels", "is missing or empty");
    if (json["labels"].size() > static_cast<std::size_t>(Limits::labels))
        bad("labels", "holds " + std::to_string(json["labels"].size()) + " labels (at most " +
                                std::to_string(Limits::labels) + ")");
    for (const auto& label : json["labels"]) {
        if (!label.is_string()) bad("labels", "holds a non-string");
        c.labels.push_back(label.get<std::string>());
    }
    if (json.contains("tokenizer") && !json["tokenizer"].is_null()) {
        const auto& tok = json["tokenizer"];
        if (!tok.is_object() || !tok.contains("files") || !tok["files"].is_array())
            bad("tokenizer", "must be null or {\"files\": [...]}");
        for (const auto& f : tok["files"]) {
            if (!f.is_string()) bad("tokenizer.files", "holds a non-string");
            c.tokenizer_files.push_back(f.get<std::string>());
        }
    }

    if (c.hidden_size % c.num_heads != 0) bad("num_heads", "does not divide hidden_size");
    if (c.embedding_size != c.hidden_size && !c.embedding_projection)
        bad("embedding_projection", "must be true when embedding_size differs from hidden_size");
    if (c.num_layer_weights > c.num_layers) bad("num_layer_weights", "exceeds num_layers");
    if (c.num_layers > c.num_layer_weights * Limits::layers_per_weight_set)
        bad("num_layers", "is " + std::to_string(c.num_layers) + " for " + std::to_string(c.num_layer_weights) +
                                    " stored weight set(s) (num_layer_weights): at most " +
                                    std::to_string(Limits::layers_per_weight_set) + " layers per set");
    if (c.max_length + c.position_offset > c.max_position_embeddings)
        bad("max_length", "exceeds the position table");
    if (c.pad_token_id >= c.vocab_size) bad("pad_token_id", "is outside the vocabulary");
    c.json = std::make_shared<const nlohmann::json>(json);
    return c;
}

const char* problem_type_name(ProblemType problem_type) {
    switch (problem_type) {
        case ProblemType::single_label: return "single_label_classification";
        case ProblemType::multi_label: return "multi_label_classification";
        case ProblemType::regression: return "regression";
    }
    return "?";
}

const char* score_function_name(ScoreFunction function) {
    switch (function) {
        case ScoreFunction::softmax: return "softmax";
        case ScoreFunction::sigmoid: return "sigmoid";
        case ScoreFunction::none: return "none";
    }
    return "?";
}

std::optional<ScoreFunction> parse_score_function(std::string_view name) {
    std::string lower(name);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const ScoreFunction f : {ScoreFunction::softmax, ScoreFunction::sigmoid, ScoreFunction::none})
        if (lower == score_function_name(f)) return f;
    return std::nullopt;
}

}  // namespace bertcls
