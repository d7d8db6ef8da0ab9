#include "models/model_file.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "models/family.h"
#include "tokenizer/compiled.h"
#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls {

namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// The Hugging Face checkpoint folder (one with config.json) that `path` is or lies in, if any.
std::optional<std::filesystem::path> checkpoint_folder(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::path folder = std::filesystem::is_directory(path, ec) ? path : path.parent_path();
    if (folder.empty()) folder = ".";
    if (!std::filesystem::is_regular_file(folder / "config.json", ec)) return std::nullopt;
    return folder;
}

// "PATH: not a bertcls model file (WHY; convert ...)"; for a Hugging Face checkpoint, the exact
// command that converts it.
[[noreturn]] void not_a_model(const std::filesystem::path& path, const std::string& why) {
    if (const auto folder = checkpoint_folder(path)) {
        std::error_code ec;
        std::filesystem::path absolute = std::filesystem::absolute(*folder, ec).lexically_normal();
        if (!absolute.has_filename()) absolute = absolute.parent_path();  // "ckpt/" or "."
        const std::string name = absolute.filename().empty() ? "model" : absolute.filename().string();
        throw InputError(path.string() + ": a Hugging Face checkpoint, not a bertcls model file; convert it with " +
                         "/usr/bin/python3 scripts/convert_checkpoint.py " + folder->string() + " -o " + name + ".bertcls");
    }
    throw InputError(path.string() + ": not a bertcls model file (" + (why.empty() ? "" : why + "; ") +
                     "convert a checkpoint with scripts/convert_checkpoint.py)");
}

// Checked before the file is mapped and parsed as safetensors, so that another kind of file is
// called what it is: a README rather than its first 8 bytes read as an absurd header length
// (the safetensors format requires the JSON header to begin with '{' right after them), a
// checkpoint's model.safetensors or pytorch_model.bin rather than whatever check it fails
// first. A file beside a config.json is taken for part of a checkpoint unless it is named
// *.bertcls. Missing paths and special files are left to MappedFile.
const std::filesystem::path& checked_model_path(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) not_a_model(path, "it is a directory");
    if (!std::filesystem::is_regular_file(path, ec)) return path;
    if (path.extension() != ".bertcls" && checkpoint_folder(path)) not_a_model(path, "");
    std::ifstream in(path, std::ios::binary);
    char head[9];
    if (in.read(head, sizeof head) && head[8] != '{') not_a_model(path, "");
    return path;
}

const std::string& required_metadata(const SafetensorsFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end()) not_a_model(file.path(), "metadata '" + key + "' is missing");
    return it->second;
}

ModelConfig parse_config(const SafetensorsFile& file) {
    if (required_metadata(file, "format") != "bertcls")
        not_a_model(file.path(), "format is '" + file.metadata().at("format") + "'");
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

ModelFile::ModelFile(const std::filesystem::path& path) : file_(checked_model_path(path)), config_(parse_config(file_)) {
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
    std::vector<WeightSpec> table;
    try {
        table = family_of(config_).weights(config_);
    } catch (const InputError& e) {
        throw InputError(path.string() + ": " + e.what());
    }
    for (const auto& spec : table) {
        if (spec.dense()) dense_weight(spec.name, spec.shape);
        else weight(spec.name, spec.shape);
    }
    for (const auto& name : config_.tokenizer_files) {
        const TensorInfo* blob = file_.find("tokenizer/" + name);
        if (!blob || blob->dtype != DType::U8 || blob->shape.size() != 1)
            throw InputError(path.string() + ": tokenizer file '" + name + "' is missing or not a U8 vector");
    }
    if (const TensorInfo* blob = file_.find(kCompiledTokenizerTensor)) {
        if (blob->dtype != DType::U8 || blob->shape.size() != 1)
            throw InputError(path.string() + ": tensor '" + kCompiledTokenizerTensor + "' is not a U8 vector");
        if (!has_tokenizer())
            throw InputError(path.string() + ": tensor '" + kCompiledTokenizerTensor + "' is present but the config has no tokenizer");
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

void ModelFile::require_tokenizer(std::string_view why_needed) const {
    if (!has_tokenizer()) throw InputError(path().string() + " has no tokenizer: " + std::string(why_needed));
}

std::unique_ptr<Tokenizer> ModelFile::make_tokenizer(std::string_view why_needed) const {
    require_tokenizer(why_needed);
    std::string why_built = "has no compiled tokenizer";
    if (const TensorInfo* blob = file_.find(kCompiledTokenizerTensor)) {
        try {
            if (auto tokenizer = load_compiled_tokenizer(blob->bytes, file_.shared_mapping())) return tokenizer;
        } catch (const InputError& e) {
            throw InputError(path().string() + ": tensor '" + kCompiledTokenizerTensor + "': " + e.what());
        }
        why_built = "has a compiled tokenizer from another bertcls version";
    }
    bool has_compiled_form = false;
    auto tokenizer = bertcls::make_tokenizer(tokenizer_files(), has_compiled_form);
    static std::atomic<bool> noted{false};
    if (has_compiled_form && !noted.exchange(true))
        std::cerr << "bertcls: note: " << path().string() << " " << why_built
                  << ", so its tokenizer is built at every start; re-convert it with scripts/convert_checkpoint.py to start faster\n";
    return tokenizer;
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
