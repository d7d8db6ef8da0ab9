#include "models/model_config.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace bertcls {

namespace {

[[noreturn]] void bad_field(const std::string& field, const std::string& problem) {
    throw InputError("config field '" + field + "' " + problem);
}

int64_t positive(const nlohmann::json& json, const char* field, int64_t min = 1) {
    if (!json.contains(field) || !json[field].is_number_integer()) bad_field(field, "is missing or not an integer");
    const auto value = json[field].get<int64_t>();
    if (value < min || value > (int64_t{1} << 31)) bad_field(field, "is out of range: " + std::to_string(value));
    return value;
}

Activation parse_activation(const nlohmann::json& json, const char* field) {
    if (!json.contains(field) || !json[field].is_string()) bad_field(field, "is missing or not a string");
    const auto name = json[field].get<std::string>();
    if (name == "gelu") return Activation::gelu_erf;
    if (name == "gelu_new") return Activation::gelu_tanh;
    if (name == "relu") return Activation::relu;
    if (name == "tanh") return Activation::tanh;
    bad_field(field, "has unsupported activation '" + name + "'");
}

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& json) {
    if (!json.is_object()) throw InputError("config is not a JSON object");
    ModelConfig c;
    c.family = json.value("family", "");
    c.architecture = json.value("architecture", "");
    c.vocab_size = positive(json, "vocab_size");
    c.hidden_size = positive(json, "hidden_size");
    c.embedding_size = positive(json, "embedding_size");
    c.num_layers = positive(json, "num_layers");
    c.num_heads = positive(json, "num_heads");
    c.intermediate_size = positive(json, "intermediate_size");
    c.max_position_embeddings = positive(json, "max_position_embeddings");
    c.type_vocab_size = positive(json, "type_vocab_size", 0);
    c.position_offset = positive(json, "position_offset", 0);
    c.pad_token_id = positive(json, "pad_token_id", 0);
    c.num_layer_weights = positive(json, "num_layer_weights");
    c.max_length = positive(json, "max_length");
    if (!json.contains("layer_norm_eps") || !json["layer_norm_eps"].is_number())
        bad_field("layer_norm_eps", "is missing or not a number");
    c.layer_norm_eps = json["layer_norm_eps"].get<double>();
    if (!json.contains("embedding_projection") || !json["embedding_projection"].is_boolean())
        bad_field("embedding_projection", "is missing or not a boolean");
    c.embedding_projection = json["embedding_projection"].get<bool>();
    c.hidden_act = parse_activation(json, "hidden_act");
    c.head_activation = parse_activation(json, "head_activation");

    const std::string problem = json.value("problem_type", "");
    if (problem == "single_label_classification") c.problem_type = ProblemType::single_label;
    else if (problem == "multi_label_classification") c.problem_type = ProblemType::multi_label;
    else if (problem == "regression") c.problem_type = ProblemType::regression;
    else bad_field("problem_type", "has unknown value '" + problem + "'");

    if (!json.contains("labels") || !json["labels"].is_array() || json["labels"].empty())
        bad_field("labels", "is missing or empty");
    for (const auto& label : json["labels"]) {
        if (!label.is_string()) bad_field("labels", "holds a non-string");
        c.labels.push_back(label.get<std::string>());
    }
    if (json.contains("tokenizer") && !json["tokenizer"].is_null()) {
        const auto& tok = json["tokenizer"];
        if (!tok.is_object() || !tok.contains("files") || !tok["files"].is_array())
            bad_field("tokenizer", "must be null or {\"files\": [...]}");
        for (const auto& f : tok["files"]) {
            if (!f.is_string()) bad_field("tokenizer.files", "holds a non-string");
            c.tokenizer_files.push_back(f.get<std::string>());
        }
    }

    if (c.hidden_size % c.num_heads != 0) bad_field("num_heads", "does not divide hidden_size");
    if (c.embedding_size != c.hidden_size && !c.embedding_projection)
        bad_field("embedding_projection", "must be true when embedding_size differs from hidden_size");
    if (c.num_layer_weights > c.num_layers) bad_field("num_layer_weights", "exceeds num_layers");
    if (c.max_length + c.position_offset > c.max_position_embeddings)
        bad_field("max_length", "exceeds the position table");
    if (c.pad_token_id >= c.vocab_size) bad_field("pad_token_id", "is outside the vocabulary");
    return c;
}

const char* activation_name(Activation activation) {
    switch (activation) {
        case Activation::gelu_erf: return "gelu";
        case Activation::gelu_tanh: return "gelu_new";
        case Activation::relu: return "relu";
        case Activation::tanh: return "tanh";
    }
    return "?";
}

const char* problem_type_name(ProblemType problem_type) {
    switch (problem_type) {
        case ProblemType::single_label: return "single_label_classification";
        case ProblemType::multi_label: return "multi_label_classification";
        case ProblemType::regression: return "regression";
    }
    return "?";
}

}  // namespace bertcls
