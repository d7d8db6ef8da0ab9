#pragma once
// The bertcls model file (docs/FORMAT.md): a safetensors container whose metadata carries the
// canonical architecture config and whose U8 tensors carry the tokenizer files.
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "format/safetensors.h"
#include "models/model_config.h"
#include "ops/compute_type.h"
#include "ops/dense_weight.h"
#include "tokenizer/tokenizer.h"

namespace bertcls {

class ModelFile {
public:
    static constexpr int kFormatVersion = 1;
    // The compiled tokenizer (tokenizer/compiled.h), optional: without it the tokenizer is built
    // from the embedded files at every load.
    static constexpr const char* kCompiledTokenizerTensor = "tokenizer/compiled";

    // Opens, maps and validates the file, including every weight the config requires.
    // Throws InputError with a one-line message naming the file and the problem.
    explicit ModelFile(const std::filesystem::path& path);

    const ModelConfig& config() const { return config_; }
    const SafetensorsFile& container() const { return file_; }
    const std::filesystem::path& path() const { return file_.path(); }

    // A weight with the given name, checked against the expected shape; throws InputError.
    const TensorInfo& weight(const std::string& name, const std::vector<int64_t>& shape) const;

    // One of the encoder's GEMM weights: F32, BF16, or I8 with its `_scale` tensor.
    DenseWeight dense_weight(const std::string& name, const std::vector<int64_t>& shape) const;
    // The arithmetic the converter chose for the encoder (metadata 'weights_dtype', f32 if absent).
    ComputeType stored_compute_type() const;

    bool has_tokenizer() const { return !config_.tokenizer_files.empty(); }
    TokenizerFiles tokenizer_files() const;
    // Throws InputError "<file> has no tokenizer: <why_needed>" for a model without one.
    void require_tokenizer(std::string_view why_needed) const;
    // The model's tokenizer (require_tokenizer first): read in place from the compiled tokenizer
    // when the file has one, else built from the embedded files (with a one-line note on stderr,
    // once, suggesting re-conversion). It may outlive this object.
    std::unique_ptr<Tokenizer> make_tokenizer(std::string_view why_needed) const;

private:
    SafetensorsFile file_;
    ModelConfig config_;
    std::set<std::string> blocked_weights_;  // metadata "blocked_weights"
};

}  // namespace bertcls
