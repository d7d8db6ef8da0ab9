// `bertcls info`: what a model file holds.
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "models/family.h"
#include "models/model_file.h"
#include "models/prediction.h"
#include "util/error.h"

namespace bertcls::cli {

namespace {

// {"part": "I8"} or, for a mix, {"part": "I8 x6, F32 x2"} (tensor counts).
nlohmann::json part_dtypes(const ModelFile& model) {
    std::map<std::string, std::map<std::string, int>> counts;
    const std::vector<WeightSpec> table = family_of(model.config()).weights(model.config());
    for (const auto& [name, tensor] : model.container().tensors())
        if (!name.starts_with("tokenizer/")) ++counts[weight_part_name(part_of(table, name))][dtype_name(tensor.dtype)];
    nlohmann::json parts = nlohmann::json::object();
    for (const auto& [part, by_dtype] : counts) {
        std::string text;
        for (const auto& [dtype, n] : by_dtype)
            text += (text.empty() ? "" : ", ") + dtype + (by_dtype.size() > 1 ? " x" + std::to_string(n) : "");
        parts[part] = text;
    }
    return parts;
}

nlohmann::json describe(const ModelFile& model) {
    const ModelConfig& c = model.config();
    int64_t parameters = 0;
    std::map<std::string, int64_t> dtypes;  // dtype -> parameter count
    for (const auto& [name, tensor] : model.container().tensors()) {
        if (name.starts_with("tokenizer/")) continue;
        parameters += tensor.numel();
        dtypes[dtype_name(tensor.dtype)] += tensor.numel();
    }
    return {
        {"file", model.path().string()},
        {"file_size_bytes", model.container().file_size()},
        {"architecture", c.architecture},
        {"family", c.family},
        {"problem_type", problem_type_name(c.problem_type)},
        {"scores", score_rule(c)},
        {"labels", c.labels},
        {"parameters", parameters},
        {"dtypes", dtypes},
        {"part_dtypes", part_dtypes(model)},
        {"weights_dtype", compute_type_name(model.stored_compute_type())},
        {"vocab_size", c.vocab_size},
        {"hidden_size", c.hidden_size},
        {"embedding_size", c.embedding_size},
        {"num_layers", c.num_layers},
        {"num_heads", c.num_heads},
        {"intermediate_size", c.intermediate_size},
        {"hidden_act", activation_name(c.hidden_act)},
        {"max_length", c.max_length},
        {"tokenizer_files", c.tokenizer_files},
        {"family_settings", family_of(c).describe(c)},
    };
}

void print_text(const nlohmann::json& info) {
    for (const auto& [key, value] : info.items()) {
        if (key == "part_dtypes") {
            std::cout << key << ":\n";
            for (const auto& [part, dtype] : value.items())
                std::cout << "  " << part << std::string(part.size() < 28 ? 28 - part.size() : 1, ' ') << dtype.get<std::string>()
                          << '\n';
            continue;
        }
        std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << '\n';
    }
}

}  // namespace

void register_info_command(CLI::App& app) {
    auto model_path = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("info", "Show a model's architecture, sizes, labels and dtype");
    add_model_option(cmd, *model_path);
    cmd->add_flag("--json", *json, "Print one JSON object");
    cmd->footer("Examples:\n  bertcls info\n  bertcls info -m model.bertcls --json\n"
                "\"scores\" is the rule that turns the model's logits into scores, as transformers' pipeline:\n"
                "problem_type regression: none (raw); multi-label or exactly one label: sigmoid; otherwise the\n"
                "config's function_to_apply, else softmax.");
    cmd->callback([model_path, json] {
        const ModelFile model(resolve_model_path(*model_path));
        const auto info = describe(model);
        if (*json) std::cout << info.dump() << '\n';
        else print_text(info);
    });
}

}  // namespace bertcls::cli
