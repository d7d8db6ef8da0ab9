#pragma once
// What the tokenizer tests share: where the Hugging Face reference files live, how to read
// their JSON Lines, and the compiled form of a tokenizer, intact or damaged.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tokenizer/compiled.h"
#include "util/error.h"

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

// The compiled form of `files`, loaded from a copy of the blob.
inline std::unique_ptr<Tokenizer> compiled(const TokenizerFiles& files) {
    const auto blob = compile_tokenizer(files);
    REQUIRE(blob.has_value());
    auto owner = std::make_shared<const std::string>(*blob);
    auto tokenizer = load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner);
    REQUIRE(tokenizer != nullptr);
    return tokenizer;
}

// Same ids, types and token strings for every text, alone and as a pair, with and without truncation.
inline void check_same_encodings(const Tokenizer& a, const Tokenizer& b, std::span<const char* const> texts) {
    for (const char* text : texts)
        for (const std::size_t max_length : {std::size_t{0}, std::size_t{6}}) {
            INFO(text << " max_length " << max_length);
            const EncodeOptions options{.max_length = max_length};
            const Encoding x = a.encode(text, std::nullopt, options), y = b.encode(text, std::nullopt, options);
            CHECK(x.input_ids == y.input_ids);
            CHECK(x.tokens == y.tokens);
            const Encoding px = a.encode(text, "pair text", options), py = b.encode(text, "pair text", options);
            CHECK(px.input_ids == py.input_ids);
            CHECK(px.token_type_ids == py.token_type_ids);
        }
    CHECK(a.num_special_tokens(false) == b.num_special_tokens(false));
    CHECK(a.num_special_tokens(true) == b.num_special_tokens(true));
}

// Where the section `name` of a compiled tokenizer lies (compiled.h: a table of {name, offset,
// size} after the 16-byte header), and where its table entry is.
struct Section {
    std::size_t entry, offset, size;
};
inline Section section(const std::string& blob, const std::string& name) {
    uint32_t count;
    std::memcpy(&count, blob.data() + 12, 4);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t at = 16 + i * 32;
        if (std::string(blob.data() + at, strnlen(blob.data() + at, 16)) != name) continue;
        uint64_t offset, size;
        std::memcpy(&offset, blob.data() + at + 16, 8);
        std::memcpy(&size, blob.data() + at + 24, 8);
        return {at, offset, size};
    }
    FAIL("no section " << name);
    return {};
}

// A compiled tokenizer loaded from a copy of `blob`.
inline std::unique_ptr<Tokenizer> load(const std::string& blob) {
    auto owner = std::make_shared<const std::string>(blob);
    return load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner);
}

// Expects loading `bytes` to fail with one "compiled tokenizer: ..." line that mentions `what`.
inline void check_load_error(const std::string& bytes, const std::string& what) {
    try {
        load(bytes);
        FAIL("accepted");
    } catch (const InputError& e) {
        const std::string message = e.what();
        CHECK(message.starts_with("compiled tokenizer: "));
        CHECK(message.find(what) != std::string::npos);
    }
}

// Loads `bytes` as a compiled tokenizer and encodes every text with it, alone and as a pair: an
// InputError is fine (and a UsageError: a damaged template with more special tokens than
// max_length), a bad read or an endless loop is not.
inline void load_damaged(const std::string& bytes, std::span<const char* const> texts) {
    auto owner = std::make_shared<const std::string>(bytes);
    try {
        if (const auto t = load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner))
            for (const char* text : texts) t->encode(text, "pair text", {.max_length = 64});
    } catch (const InputError&) {
    } catch (const UsageError&) {
    }
}

// `rounds` copies of `blob` with 1 to 4 random bytes changed, each through load_damaged.
inline void load_mutations(const std::string& blob, int rounds, std::span<const char* const> texts) {
    std::mt19937 random(21);
    for (int round = 0; round < rounds; ++round) {
        std::string damaged = blob;
        const int changes = 1 + static_cast<int>(random() % 4);
        for (int c = 0; c < changes; ++c) damaged[random() % damaged.size()] = static_cast<char>(random());
        load_damaged(damaged, texts);
    }
}

}  // namespace bertcls::test
