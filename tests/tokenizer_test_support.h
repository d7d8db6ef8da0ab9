#pragma once
// What the tokenizer tests share: where the Hugging Face reference files live and how to read
// their JSON Lines.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bertcls::test {

// A folder of tokenizer references: <dir>/<tokenizer folder>/ and <dir>/parity/*.jsonl.
struct TokenizerReferenceDir {
    const char* name;  // for messages
    std::filesystem::path dir;
};

// Both places references come from, present or not: ../shared (the full set) and tests/data
// (the small set kept in the repository).
inline std::vector<TokenizerReferenceDir> tokenizer_reference_dirs() {
    return {{"shared", std::filesystem::path(BERTCLS_SHARED_DIR) / "tokenizers"},
            {"tests/data", std::filesystem::path(BERTCLS_TEST_DATA_DIR) / "tokenizers"},
            // ModernBERT's byte-level BPE in its own root, beside the shared layout's parity files.
            {"tests/data modernbert", std::filesystem::path(BERTCLS_TEST_DATA_DIR) / "tokenizers-modernbert"}};
}

// One JSON value a non-empty line; an unreadable file gives none.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
    std::vector<nlohmann::json> records;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) records.push_back(nlohmann::json::parse(line));
    return records;
}

}  // namespace bertcls::test
