#pragma once
// The architecture description stored in a model file's metadata (docs/FORMAT.md, `config`).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ops/activation.h"

namespace bertcls {

enum class ProblemType { single_label, multi_label, regression };

// What turns logits into scores (transformers' ClassificationFunction).
enum class ScoreFunction { softmax, sigmoid, none };

struct ModelConfig {
    // Caps on the architecture numbers a model file may declare, far above any real checkpoint
    // (the largest BERT-family encoders, e.g. XLM-R XXL, have 48 layers, 32 heads, hidden 4096,
    // ffn 16384 and a 250k vocabulary; long-context encoders have up to 8192 positions). A config
    // over one is refused at load with an InputError naming the field. They stop hostile files that pass every weight check and then never finish:
    // num_layers layers can share one stored weight set (num_layer_weights), so 2^31 layers in a
    // 4 KB file used to load and hang in the forward pass. README.md "Limits and interruptions".
    struct Limits {
        static constexpr int64_t num_layers = 1024;  // also bounds num_layer_weights (<= num_layers)
        // Layers sharing one stored weight set (ALBERT: 12 or 24 on one set), so a forward pass
        // costs at most this many times the weights the file holds.
        static constexpr int64_t layers_per_weight_set = 64;
        static constexpr int64_t num_heads = 1024;
        static constexpr int64_t hidden_size = 65536;        // and embedding_size
        static constexpr int64_t intermediate_size = 65536;
        static constexpr int64_t max_position_embeddings = int64_t{1} << 20;  // bounds max_length, position_offset
        static constexpr int64_t vocab_size = int64_t{1} << 22;  // token ids in tokenizer files are < 2^22 too
        static constexpr int64_t type_vocab_size = 1024;
        static constexpr int64_t labels = 100000;
    };

    std::string family;
    std::string architecture;
    int64_t vocab_size = 0;
    int64_t hidden_size = 0;
    int64_t embedding_size = 0;
    int64_t num_layers = 0;
    int64_t num_heads = 0;
    int64_t intermediate_size = 0;
    int64_t max_position_embeddings = 0;
    int64_t type_vocab_size = 0;
    int64_t position_offset = 0;
    int64_t pad_token_id = 0;
    int64_t num_layer_weights = 0;
    int64_t max_length = 0;
    bool embedding_projection = false;
    double layer_norm_eps = 1e-12;
    Activation hidden_act = Activation::gelu_erf;
    Activation head_activation = Activation::tanh;
    ProblemType problem_type = ProblemType::single_label;
    // config.json had no problem_type: the converter inferred it (regression for one label).
    // transformers' pipeline then scores a one-label model with sigmoid, not raw.
    bool problem_type_inferred = false;
    // config.json's function_to_apply, which the pipeline uses for a model of several labels
    // that is neither regression nor multi-label.
    std::optional<ScoreFunction> function_to_apply;
    std::vector<std::string> labels;
    std::vector<std::string> tokenizer_files;
    // The whole canonical config, for the fields only one family reads (models/<family>.cpp
    // parses them with the readers below).
    std::shared_ptr<const nlohmann::json> json;

    int64_t head_size() const { return hidden_size / num_heads; }
    // Which stored weight set layer `layer` uses (ALBERT shares sets across layers).
    int64_t weight_set_of_layer(int64_t layer) const { return layer * num_layer_weights / num_layers; }

    // Parses and checks the canonical config; throws InputError naming the bad field.
    static ModelConfig from_json(const nlohmann::json& json);
};

const char* problem_type_name(ProblemType problem_type);
const char* score_function_name(ScoreFunction function);
// "softmax", "sigmoid" or "none" (any case); nullopt for anything else.
std::optional<ScoreFunction> parse_score_function(std::string_view name);

// Readers for one config field, throwing InputError "config field 'F' ..." when it is missing,
// of the wrong type or out of [min, max].
namespace config_field {
int64_t integer(const nlohmann::json& json, const char* field, int64_t min, int64_t max);
double number(const nlohmann::json& json, const char* field);
bool boolean(const nlohmann::json& json, const char* field);
std::string string(const nlohmann::json& json, const char* field);
Activation activation(const nlohmann::json& json, const char* field);
[[noreturn]] void bad(const std::string& field, const std::string& problem);
}  // namespace config_field

}  // namespace bertcls
