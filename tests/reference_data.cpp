#include "reference_data.h"

#include <algorithm>

namespace bertcls::test {

namespace {

void collect(const std::filesystem::path& root, const std::string& kind, std::vector<ReferenceModel>& out) {
    if (!std::filesystem::is_directory(root)) return;
    std::vector<std::filesystem::path> dirs;
    for (const auto& entry : std::filesystem::directory_iterator(root))
        if (std::filesystem::is_regular_file(entry.path() / "reference.safetensors")) dirs.push_back(entry.path());
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
