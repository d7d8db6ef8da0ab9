#include "models/model_file.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "models/bert_weights.h"
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

std::string weights_dtype_of(const SafetensorsFile& file) {
    const auto it = file.metadata().find("weights_dtype");
    return it == file.metadata().end() ? "f32" : it->second;
}

}  // namespace

ModelFile::ModelFile(const std::filesystem::path& path) : file_(path), config_(parse_config(file_)) {
    if (const auto it = file_.metadata().find("blocked_weights"); it != file_.metadata().end()) {
        if (json_text_depth(it->second) > kMaxJsonDepth)
            throw InputError(path.string() + ": metadata 'blocked_weights' is nested too deeply");
        const auto names = nlohmann::json::parse(it->second, nullptr, false);
        if (!names.is_array() || !std::all_of(names.begin(), names.end(), [](const auto& n) { return n.is_string(); }))
            throw InputError(path.string() + ": metadata 'blocked_weights' is not a JSON list of names");
        for (const auto& n : names) blocked_weights_.insert(n.template get<std::string>());
    }
    const std::string dtype = weights_dtype_of(file_);
    if (!parse_compute_type(dtype))
        throw InputError(path.string() + ": metadata 'weights_dtype' is '" + dtype + "', expected f32, bf16 or int8");
    // Every weight is checked once here, so a bad file fails before any computation.
    for (const auto& spec : bert_weights::table(config_)) {
        if (spec.dense()) dense_weight(spec.name, spec.shape);
        else weight(spec.name, spec.shape);
    }
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

DenseWeight ModelFile::dense_weight(const std::string& name, const std::vector<int64_t>& shape) const {
    const TensorInfo* t = file_.find(name);
    if (!t) throw InputError(path().string() + ": missing tensor '" + name + "'");
    if (t->dtype != DType::F32 && t->dtype != DType::BF16 && t->dtype != DType::I8)
        throw InputError(path().string() + ": tensor '" + name + "' has dtype " + dtype_name(t->dtype) +
                         ", expected F32, BF16 or I8");
    if (t->shape != shape)
        throw InputError(path().string() + ": tensor '" + name + "' has shape " + shape_string(t->shape) +
                         ", expected " + shape_string(shape));
    const bool blocked = blocked_weights_.count(name) > 0;
    if (blocked && !can_store_blocked(t->dtype, shape.at(0), shape.at(1)))
        throw InputError(path().string() + ": tensor '" + name + "' is listed in 'blocked_weights' but its shape " +
                         shape_string(t->shape) + " does not divide into blocks");
    if (t->dtype != DType::I8) return {t, nullptr, blocked};
    const TensorInfo* scales = file_.find(name + "_scale");
    if (!scales || scales->dtype != DType::F32 || scales->shape != std::vector<int64_t>{shape.at(0)})
        throw InputError(path().string() + ": I8 tensor '" + name + "' needs an F32 tensor '" + name + "_scale' of shape [" +
                         std::to_string(shape.at(0)) + "]");
    for (float scale : scales->as<float>())
        if (!(scale > 0.0f) || !std::isfinite(scale))
            throw InputError(path().string() + ": tensor '" + name + "_scale' holds a scale that is not a positive finite number");
    return {t, scales, blocked};
}

ComputeType ModelFile::stored_compute_type() const { return *parse_compute_type(weights_dtype_of(file_)); }

TokenizerFiles ModelFile::tokenizer_files() const {
    TokenizerFiles files;
    for (const auto& name : config_.tokenizer_files) {
        const auto bytes = file_.find("tokenizer/" + name)->bytes;
        files.emplace(name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    return files;
}

}  // namespace bertcls
