// Fuzzing in normal CI (no clang or libFuzzer needed): every saved input in tests/fuzz/regressions/
// (the crashes the fuzzers found, minimised, and hand-written hostile inputs) goes through the
// same target code as the libFuzzer binaries, and a short deterministic mutation run per target
// checks the targets' properties on a few thousand inputs. See tests/fuzz/fuzz_targets.h and
// docs/RELIABILITY.md.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_targets.h"
#include "tokenizer/compiled.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;
using bertcls::fuzz::Target;

namespace {

std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const Target& target(const std::string& name) {
    for (const auto& t : bertcls::fuzz::targets())
        if (name == t.name) return t;
    throw std::logic_error("no fuzz target " + name);
}

void run(const Target& t, const std::string& input, const std::string& what) {
    INFO("fuzz target " << t.name << ", input " << what << " (" << input.size() << " bytes)");
    REQUIRE_NOTHROW(t.run(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
}

fs::path regressions_dir() { return bertcls::fuzz::test_data_dir().parent_path() / "fuzz" / "regressions"; }

// libFuzzer-style mutations, kept simple: flip, set to an interesting value, insert, erase,
// duplicate a slice, truncate. `protect` leading bytes (the layout's selector bytes) stay put
// only for erase/insert so layouts keep their meaning most of the time.
std::string mutate(std::string s, std::mt19937& rng, std::size_t region_end = std::string::npos) {
    static const char kInteresting[] = {'\0', '\xff', '\x7f', '\x80', '\n', '"', '\\', '{', '}', '[', ']', ',', ':', '-', '9', '\xc3', '\xed'};
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        const std::size_t limit = std::min(s.size(), region_end);
        const std::size_t pos = limit ? rng() % limit : 0;
        switch (rng() % 6) {
            case 0: if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8))); break;
            case 1: if (!s.empty()) s[pos] = kInteresting[rng() % sizeof kInteresting]; break;
            case 2: s.insert(pos, 1, kInteresting[rng() % sizeof kInteresting]); break;
            case 3: if (!s.empty()) s.erase(pos, 1 + rng() % 8); break;
            case 4: if (!s.empty()) s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 16)); break;
            case 5: if (s.size() > 2 && rng() % 4 == 0) s.resize(rng() % s.size()); break;
        }
    }
    return s;
}

std::vector<std::string> parity_texts() {
    std::vector<std::string> texts;
    std::ifstream in(bertcls::fuzz::test_data_dir() / "tokenizers" / "parity" / "expected.jsonl");
    for (std::string line; std::getline(in, line);) texts.push_back(nlohmann::json::parse(line)["text"]);
    REQUIRE(texts.size() > 10);
    return texts;
}

}  // namespace

TEST_CASE("saved fuzz inputs (tests/fuzz/regressions) pass through their targets", "[fuzz][regressions]") {
    std::size_t replayed = 0;
    for (const auto& t : bertcls::fuzz::targets()) {
        const fs::path dir = regressions_dir() / t.name;
        if (!fs::is_directory(dir)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir))
            if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            run(t, read_bytes(file), file.filename().string());
            ++replayed;
        }
    }
    INFO("replayed " << replayed << " inputs");
    CHECK(replayed > 0);
}

TEST_CASE("fuzz smoke: tokenizers on mutated parity texts", "[fuzz][smoke]") {
    const Target& t = target("tokenizer");
    const auto texts = parity_texts();
    std::mt19937 rng(20240611);
    for (int i = 0; i < 1500; ++i) {
        std::string input(3, '\0');
        input[0] = static_cast<char>(rng() % 10);
        input[1] = static_cast<char>(rng() % 16);
        input[2] = static_cast<char>(rng() % 3 == 0 ? rng() % 24 : 0);
        input += texts[rng() % texts.size()];
        if (input[1] & 1) input += '\xff' + texts[rng() % texts.size()];
        run(t, i % 4 ? mutate(input, rng) : input, "smoke " + std::to_string(i));
    }
}

TEST_CASE("fuzz smoke: JSONL reader and records on mutated lines", "[fuzz][smoke]") {
    const Target& t = target("jsonl");
    std::vector<std::string> lines;
    {
        std::ifstream in(bertcls::fuzz::test_data_dir() / "reference" / "bert-with-tokenizer" / "texts.jsonl");
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    for (const auto& text : parity_texts()) lines.push_back(nlohmann::json{{"text", text}, {"id", 1}}.dump());
    lines.push_back(R"({"input_ids": [101, 2023, 102], "token_type_ids": [0, 0, 0], "pair": "x"})");
    lines.push_back(R"({"text": "a", "pair": "b", "id": [1, {"k": null}]})");
    std::mt19937 rng(7);
    for (int i = 0; i < 600; ++i) {
        std::string input(1, static_cast<char>(rng() % 32));
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) input += mutate(lines[rng() % lines.size()], rng) + (rng() % 5 ? "\n" : "\r\n");
        run(t, input, "smoke " + std::to_string(i));
    }
}

TEST_CASE("fuzz smoke: model files with mutated headers", "[fuzz][smoke]") {
    const Target& t = target("model_file");
    const fs::path model = fs::path(BERTCLS_TEST_MODEL_DIR) / "local" / "bert-with-tokenizer.bertcls";
    if (!fs::is_regular_file(model)) {
        WARN("skipped: " << model << " not converted (run the convert_test_models fixture)");
        return;
    }
    const std::string original = read_bytes(model);
    run(t, original, "the original");
    uint64_t header_len = 0;
    std::memcpy(&header_len, original.data(), 8);
    REQUIRE(header_len + 8 <= original.size());
    std::mt19937 rng(99);
    for (int i = 0; i < 150; ++i) {
        // Mostly the header (where the loader's decisions are), sometimes anywhere.
        std::string input = mutate(original, rng, i % 5 ? header_len + 8 : std::string::npos);
        if (i % 7 == 0) {  // a header length that disagrees with the JSON
            const uint64_t lie = header_len + (rng() % 2 ? 1 : -1) * (rng() % 64);
            std::memcpy(input.data(), &lie, 8);
        }
        run(t, input, "smoke " + std::to_string(i));
    }
}

TEST_CASE("fuzz smoke: tokenizer files with mutations", "[fuzz][smoke]") {
    const Target& t = target("tokenizer_files");
    // The small folders only (bert-uncased, bert-cased and their legacy files): a big
    // tokenizer.json costs a parse per input.
    const std::vector<std::pair<int, fs::path>> files = {
        {0, "bert-uncased/tokenizer.json"}, {1, "bert-uncased/vocab.txt"}, {2, "bert-cased/tokenizer.json"},
        {0, "bert-uncased/tokenizer_config.json"}};
    std::mt19937 rng(5);
    for (int i = 0; i < 60; ++i) {
        const auto& [base, path] = files[rng() % files.size()];
        std::string content = read_bytes(bertcls::fuzz::test_data_dir() / "tokenizers" / path);
        // The file's index in the folder's sorted names.
        const std::string name = path.filename().string();
        const int index = base % 2 == 0 ? (name == "tokenizer.json" ? 0 : name == "tokenizer_config.json" ? 1 : 2)
                                        : (name == "tokenizer_config.json" ? 0 : 1);
        std::string input{static_cast<char>(base), static_cast<char>(index)};
        input += mutate(content, rng);
        run(t, input, "smoke " + std::to_string(i) + " (" + path.string() + ")");
    }
}

TEST_CASE("fuzz smoke: compiled tokenizers with mutations", "[fuzz][smoke]") {
    const Target& t = target("compiled_tokenizer");
    // One folder of each model with a compiled form: WordPiece, BPE (tokenizer.json and the
    // vocab.json + merges.txt path), and ModernBERT's BPE.
    const fs::path data = bertcls::fuzz::test_data_dir();
    bertcls::TokenizerFiles legacy_bpe = bertcls::read_tokenizer_dir(data / "tokenizers" / "roberta-bpe");
    legacy_bpe.erase("tokenizer.json");
    const std::vector<std::pair<std::string, bertcls::TokenizerFiles>> folders = {
        {"bert-uncased", bertcls::read_tokenizer_dir(data / "tokenizers" / "bert-uncased")},
        {"roberta-bpe", bertcls::read_tokenizer_dir(data / "tokenizers" / "roberta-bpe")},
        {"roberta-bpe legacy", legacy_bpe},
        {"modernbert-bpe", bertcls::read_tokenizer_dir(data / "tokenizers-modernbert" / "modernbert-bpe")}};
    std::mt19937 rng(2121);
    for (const auto& [name, files] : folders) {
        const auto blob = bertcls::compile_tokenizer(files);
        REQUIRE(blob.has_value());
        run(t, *blob, name + ": the original");
        for (int i = 0; i < 300; ++i) run(t, mutate(*blob, rng), name + ": smoke " + std::to_string(i));
    }
}
