// Tokenizer::id_to_token and vocab_size for every model kind (WordPiece, byte-level BPE,
// Unigram), built from tokenizer.json, from the legacy files and from the compiled form, against
// the vocabulary files themselves: vocab.txt's line N is id N, vocab.json maps token -> id,
// tokenizer.json's Unigram vocab is a list in id order, and added_tokens name their ids.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tokenizer/compiled.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_support.h"

using namespace bertcls;
using test::compiled;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using IdToToken = std::map<int32_t, std::string>;

const fs::path kRoot = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers";

IdToToken from_vocab_txt(const std::string& bytes) {
    IdToToken out;
    std::istringstream in(bytes);
    std::string line;
    for (int32_t id = 0; std::getline(in, line); ++id) out[id] = line;
    return out;
}

IdToToken from_token_to_id(const json& map) {
    IdToToken out;
    for (const auto& [token, id] : map.items()) out[id.get<int32_t>()] = token;
    return out;
}

// tokenizer.json: the model's vocabulary (a map, or Unigram's [[piece, score], ...]) and the
// added tokens.
IdToToken from_tokenizer_json(const std::string& bytes) {
    const json j = json::parse(bytes);
    const json& vocab = j.at("model").at("vocab");
    IdToToken out;
    if (vocab.is_object()) out = from_token_to_id(vocab);
    else
        for (std::size_t i = 0; i < vocab.size(); ++i) out[int32_t(i)] = vocab[i][0].get<std::string>();
    for (const auto& t : j.at("added_tokens")) out[t.at("id").get<int32_t>()] = t.at("content").get<std::string>();
    return out;
}

void check_names(const Tokenizer& tokenizer, const IdToToken& want) {
    REQUIRE(!want.empty());
    CHECK(tokenizer.vocab_size() == std::size_t(want.rbegin()->first) + 1);
    for (const auto& [id, token] : want) {
        INFO("id " << id);
        const auto got = tokenizer.id_to_token(id);
        REQUIRE(got.has_value());
        CHECK(*got == token);
    }
    CHECK_FALSE(tokenizer.id_to_token(-1));
    CHECK_FALSE(tokenizer.id_to_token(int32_t(tokenizer.vocab_size())));
}

}  // namespace

TEST_CASE("id_to_token: WordPiece names ids as vocab.txt's lines", "[tokenizer][vocabulary]") {
    for (const char* folder : {"bert-uncased", "bert-cased"}) {
        INFO(folder);
        TokenizerFiles files = read_tokenizer_dir(kRoot / folder);
        const IdToToken want = from_vocab_txt(files.at("vocab.txt"));
        CHECK(want == from_tokenizer_json(files.at("tokenizer.json")));  // the two files agree
        check_names(*make_tokenizer(files), want);
        check_names(*compiled(files), want);
        files.erase("tokenizer.json");
        check_names(*make_tokenizer(files), want);
    }
}

TEST_CASE("id_to_token: byte-level BPE names ids as vocab.json maps them", "[tokenizer][vocabulary]") {
    TokenizerFiles files = read_tokenizer_dir(kRoot / "roberta-bpe");
    const IdToToken want = from_token_to_id(json::parse(files.at("vocab.json")));
    check_names(*make_tokenizer(files), from_tokenizer_json(files.at("tokenizer.json")));
    files.erase("tokenizer.json");
    check_names(*make_tokenizer(files), want);
}

TEST_CASE("id_to_token: Unigram names ids as tokenizer.json's vocabulary list", "[tokenizer][vocabulary]") {
    for (const char* folder : {"albert-spm", "xlmr-spm", "deberta-spm"}) {
        INFO(folder);
        TokenizerFiles files = read_tokenizer_dir(kRoot / folder);
        const IdToToken want = from_tokenizer_json(files.at("tokenizer.json"));
        check_names(*make_tokenizer(files), want);
        // The legacy .model converts to the same vocabulary (XLM-R's fairseq offset included).
        files.erase("tokenizer.json");
        if (files.count("spiece.model") || files.count("sentencepiece.bpe.model")) check_names(*make_tokenizer(files), want);
    }
}
