// Byte-level BPE (RoBERTa / GPT-2): the hand-written GPT-2 pre-tokenization pattern, the byte
// map, merge order, and the legacy vocab.json + merges.txt path against tokenizer.json and the
// parity references.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tokenizer/models/bpe.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

using namespace bertcls;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(std::string_view text) {
    std::vector<tok::Words::Span> spans;
    tok::gpt2_split(text, spans);
    std::vector<std::string> out;
    for (const auto& s : spans) out.emplace_back(text.substr(s.begin, s.length));
    return out;
}

using S = std::vector<std::string>;

}  // namespace

TEST_CASE("GPT-2 pre-tokenization pattern, by hand", "[tokenizer][bpe]") {
    CHECK(split("Hello world") == S{"Hello", " world"});
    CHECK(split("it's we'll I'M") == S{"it", "'s", " we", "'ll", " I", "'", "M"});
    CHECK(split("a   b") == S{"a", "  ", " b"});
    CHECK(split("a\t\tb") == S{"a", "\t", "\t", "b"});
    CHECK(split("a \tb") == S{"a", " ", "\t", "b"});
    CHECK(split("end  ") == S{"end", "  "});
    CHECK(split("x!!! y?") == S{"x", "!!!", " y", "?"});
    CHECK(split("!'s") == S{"!'", "s"});
    CHECK(split("123abc 4.5") == S{"123", "abc", " 4", ".", "5"});
    CHECK(split(" \xF0\x9F\x98\x80\xF0\x9F\x98\x80") == S{" \xF0\x9F\x98\x80\xF0\x9F\x98\x80"});
    CHECK(split("\xC3\xA9t\xC3\xA9 e\xCC\x81") == S{"\xC3\xA9t\xC3\xA9", " e", "\xCC\x81"});  // a mark is not \p{L}
    CHECK(split("a\xC2\xA0" "b") == S{"a", "\xC2\xA0", "b"});  // NBSP is \s but not the optional space
    CHECK(split("\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C") == S{"\xE4\xBD\xA0\xE5\xA5\xBD", "\xEF\xBC\x8C"});
    CHECK(split("").empty());
}

TEST_CASE("GPT-2 byte map", "[tokenizer][bpe]") {
    const auto& map = tok::byte_to_unicode();
    CHECK(map[' '] == 0x120);  // Ġ
    CHECK(map['\n'] == 0x10A);  // Ċ
    CHECK(map['a'] == U'a');
    CHECK(map[0xAD] == 0x143);
    CHECK(map[0] == 0x100);
}

TEST_CASE("BPE merges by rank, leftmost first", "[tokenizer][bpe]") {
    const std::vector<std::pair<std::string, int32_t>> vocab = {{"a", 0}, {"b", 1}, {"c", 2},  {"ab", 3},
                                                                {"bc", 4}, {"abc", 5}, {"aa", 6}, {"aaa", 7}};
    std::vector<int32_t> ids;
    {
        const tok::Bpe bpe(vocab, {{"a", "b"}, {"b", "c"}, {"ab", "c"}}, {});
        bpe.tokenize_word("abc", ids);
        CHECK(ids == std::vector<int32_t>{5});
    }
    {
        ids.clear();
        const tok::Bpe bpe(vocab, {{"b", "c"}, {"a", "b"}}, {});
        bpe.tokenize_word("abc", ids);
        CHECK(ids == std::vector<int32_t>{0, 4});
    }
    {
        ids.clear();
        const tok::Bpe bpe(vocab, {{"a", "a"}, {"aa", "a"}}, {});
        bpe.tokenize_word("aaaa", ids);  // leftmost pairs first: aa aa
        CHECK(ids == std::vector<int32_t>{6, 6});
        ids.clear();
        bpe.tokenize_word("aaaa", ids);  // again, from the cache
        CHECK(ids == std::vector<int32_t>{6, 6});
    }
    CHECK_THROWS_AS(tok::Bpe(vocab, {{"a", "x"}}, {}), InputError);
    CHECK_THROWS_AS(tok::Bpe(vocab, {{"c", "a"}}, {}), InputError);  // "ca" is not in the vocabulary
}

TEST_CASE("byte-level BPE: vocab.json + merges.txt convert like transformers", "[tokenizer][bpe]") {
    int roots = 0;
    for (const fs::path& root : {fs::path(BERTCLS_SHARED_DIR) / "tokenizers", fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers"}) {
        if (!fs::is_directory(root / "roberta-bpe")) continue;
        ++roots;
        TokenizerFiles files = read_tokenizer_dir(root / "roberta-bpe");
        const auto from_json = make_tokenizer(files);
        files.erase("tokenizer.json");
        const auto legacy = make_tokenizer(files);
        std::ifstream in(root / "parity" / "expected.jsonl");
        std::string line;
        int lines = 0, equal = 0;
        while (std::getline(in, line)) {
            const json r = json::parse(line);
            if (!r.contains("roberta-bpe")) continue;
            const std::string text = r.at("text").get<std::string>();
            const auto got = legacy->encode(text).input_ids;
            ++lines;
            equal += got == r.at("roberta-bpe").get<std::vector<int32_t>>();
            CHECK(got == from_json->encode(text).input_ids);
        }
        CHECK(equal == lines);
        // A pair is <s> A </s></s> B </s>.
        const auto pair = legacy->encode("a", std::string_view("b"));
        REQUIRE(pair.input_ids.size() >= 6);
        CHECK(pair.input_ids.front() == 0);
        CHECK(pair.input_ids.back() == 2);
        CHECK(legacy->num_special_tokens(true) == 4);
    }
    if (roots == 0) WARN("no roberta-bpe reference folder; skipping");
}

TEST_CASE("legacy BPE files honour added_tokens.json", "[tokenizer][bpe]") {
    const fs::path dir = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "roberta-bpe";
    TokenizerFiles files = read_tokenizer_dir(dir);
    files.erase("tokenizer.json");
    const auto vocab_size = static_cast<int32_t>(json::parse(files.at("vocab.json")).size());
    files["added_tokens.json"] = "{\"<extra>\": " + std::to_string(vocab_size) + "}";
    const auto tokenizer = make_tokenizer(files);
    const auto ids = tokenizer->encode("a<extra>b").input_ids;
    CHECK(std::count(ids.begin(), ids.end(), vocab_size) == 1);
    CHECK(tokenizer->encode("<extra>").input_ids == std::vector<int32_t>{0, vocab_size, 2});
}

TEST_CASE("BPE files that do not fit are rejected", "[tokenizer][bpe]") {
    TokenizerFiles files;
    files["vocab.json"] = R"({"a": 0, "b": 1})";
    files["merges.txt"] = "#version: 0.2\na b\n";
    CHECK_THROWS_AS(make_tokenizer(files), InputError);  // "ab" missing
    files["merges.txt"] = "#version: 0.2\na b c\n";
    CHECK_THROWS_AS(make_tokenizer(files), InputError);
    files["vocab.json"] = "[1, 2";
    CHECK_THROWS_AS(make_tokenizer(files), InputError);
}
