#include "reference_data.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>

namespace bertcls::test {

namespace {

// The checkpoint folders scripts/convert_test_models.py skipped: ../shared holds references of
// families the converter does not support yet.
std::set<std::filesystem::path> unsupported_checkpoints() {
    std::set<std::filesystem::path> folders;
    std::ifstream list(std::filesystem::path(BERTCLS_TEST_MODEL_DIR) / "unsupported.txt");
    for (std::string line; std::getline(list, line);)
        if (!line.empty()) folders.insert(std::filesystem::weakly_canonical(line));
    return folders;
}

void collect(const std::filesystem::path& root, const std::string& kind, std::vector<ReferenceModel>& out) {
    if (!std::filesystem::is_directory(root)) return;
    static const std::set<std::filesystem::path> unsupported = unsupported_checkpoints();
    std::vector<std::filesystem::path> dirs;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        if (!std::filesystem::is_regular_file(entry.path() / "reference.safetensors")) continue;
        if (unsupported.count(std::filesystem::weakly_canonical(entry.path()))) {
            WARN(entry.path().string() << ": architecture not supported yet, not checked");
            continue;
        }
        dirs.push_back(entry.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& dir : dirs) {
        const std::string name = dir.filename().string();
        out.push_back({kind + "/" + name, dir,
                       std::filesystem::path(BERTCLS_TEST_MODEL_DIR) / kind / (name + ".bertcls")});
    }
}

}  // namespace

std::vector<ReferenceModel> reference_models() {
    std::vector<ReferenceModel> models;
    collect(test_data_dir() / "reference", "local", models);
    collect(shared_dir() / "reference", "shared", models);
    return models;
}

}  // namespace bertcls::test
