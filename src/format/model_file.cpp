#include "format/model_file.h"

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls {

namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

const std::string& required_metadata(const SafetensorsFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end())
        throw InputError(file.path().string() + ": not a bertcls model file (metadata '" + key +
                         "' is missing; convert checkpoints with scripts/convert_checkpoint.py)");
    return it->second;
}

ModelConfig parse_config(const SafetensorsFile& file) {
    if (required_metadata(file, "format") != "bertcls")
        throw InputError(file.path().string() + ": not a bertcls model file (format is '" +
                         file.metadata().at("format") + "')");
    const std::string& version = required_metadata(file, "format_version");
    if (version != std::to_string(ModelFile::kFormatVersion))
        throw InputError(file.path().string() + ": unsupported format_version '" + version + "' (this build reads " +
                         std::to_string(ModelFile::kFormatVersion) + ")");
    const std::string& text = required_metadata(file, "config");
    if (json_text_depth(text) > kMaxJsonDepth)
        throw InputError(file.path().string() + ": metadata 'config' is nested too deeply");
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) throw InputError(file.path().string() + ": metadata 'config' is not valid JSON");
    try {
        return ModelConfig::from_json(json);
    } catch (const InputError& e) {
        throw InputError(file.path().string() + ": " + e.what());
    } catch (const nlohmann::json::exception& e) {  // a field of the wrong type, e.g. "family": 5
        throw InputError(file.path().string() + ": metadata 'config': " + e.what());
    }
}

// Every weight the generic encoder reads, with its expected shape; checked once at open so a
// bad file fails before any computation.
std::vector<std::pair<std::string, std::vector<int64_t>>> required_weights(const ModelConfig& c) {
    const int64_t E = c.embedding_size, H = c.hidden_size, I = c.intermediate_size;
    const auto C = static_cast<int64_t>(c.labels.size());
    std::vector<std::pair<std::string, std::vector<int64_t>>> w = {
        {"embeddings.word", {c.vocab_size, E}},
        {"embeddings.position", {c.max_position_embeddings, E}},
        {"embeddings.norm.weight", {E}},
        {"embeddings.norm.bias", {E}},
        {"head.dense.weight", {H, H}},
        {"head.dense.bias", {H}},
        {"head.out.weight", {C, H}},
        {"head.out.bias", {C}},
    };
    if (c.type_vocab_size > 0) w.push_back({"embeddings.token_type", {c.type_vocab_size, E}});
    if (c.embedding_projection) {
        w.push_back({"embeddings.projection.weight", {H, E}});
        w.push_back({"embeddings.projection.bias", {H}});
    }
    for (int64_t g = 0; g < c.num_layer_weights; ++g) {
        const std::string p = "layers." + std::to_string(g) + ".";
        w.push_back({p + "attention.qkv.weight", {3 * H, H}});
        w.push_back({p + "attention.qkv.bias", {3 * H}});
        w.push_back({p + "attention.output.weight", {H, H}});
        w.push_back({p + "attention.output.bias", {H}});
        w.push_back({p + "attention.norm.weight", {H}});
        w.push_back({p + "attention.norm.bias", {H}});
        w.push_back({p + "ffn.intermediate.weight", {I, H}});
        w.push_back({p + "ffn.intermediate.bias", {I}});
        w.push_back({p + "ffn.output.weight", {H, I}});
        w.push_back({p + "ffn.output.bias", {H}});
        w.push_back({p + "ffn.norm.weight", {H}});
        w.push_back({p + "ffn.norm.bias", {H}});
    }
    return w;
}

}  // namespace

ModelFile::ModelFile(const std::filesystem::path& path) : file_(path), config_(parse_config(file_)) {
    for (const auto& [name, shape] : required_weights(config_)) weight(name, shape);
    for (const auto& name : config_.tokenizer_files) {
        const TensorInfo* blob = file_.find("tokenizer/" + name);
        if (!blob || blob->dtype != DType::U8 || blob->shape.size() != 1)
            throw InputError(path.string() + ": tokenizer file '" + name + "' is missing or not a U8 vector");
    }
}

const TensorInfo& ModelFile::weight(const std::string& name, const std::vector<int64_t>& shape) const {
    const TensorInfo* t = file_.find(name);
    if (!t) throw InputError(path().string() + ": missing tensor '" + name + "'");
    if (t->dtype != DType::F32)
        throw InputError(path().string() + ": tensor '" + name + "' has dtype " + dtype_name(t->dtype) +
                         ", expected F32");
    if (t->shape != shape)
        throw InputError(path().string() + ": tensor '" + name + "' has shape " + shape_string(t->shape) +
                         ", expected " + shape_string(shape));
    return *t;
}

TokenizerFiles ModelFile::tokenizer_files() const {
    TokenizerFiles files;
    for (const auto& name : config_.tokenizer_files) {
        const auto bytes = file_.find("tokenizer/" + name)->bytes;
        files.emplace(name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    return files;
}

}  // namespace bertcls
