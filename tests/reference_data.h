#pragma once
// Locating reference checkpoints for the tests: the small golden fixtures in tests/data and,
// when present, ../shared. Converted .bertcls files are made by the convert_test_models fixture.
#include <filesystem>
#include <string>
#include <vector>

namespace bertcls::test {

struct ReferenceModel {
    std::string name;                   // e.g. "local/bert" or "shared/roberta"
    std::filesystem::path checkpoint;   // the Hugging Face folder with reference.safetensors
    std::filesystem::path model_file;   // its converted .bertcls
};

inline std::filesystem::path shared_dir() { return BERTCLS_SHARED_DIR; }
inline std::filesystem::path test_data_dir() { return BERTCLS_TEST_DATA_DIR; }
inline bool have_shared() { return std::filesystem::is_directory(shared_dir()); }

// Every checkpoint folder with a reference.safetensors under tests/data/reference and
// ../shared/reference.
std::vector<ReferenceModel> reference_models();

}  // namespace bertcls::test
