// Byte-level BPE (RoBERTa / GPT-2): the hand-written GPT-2 pre-tokenization pattern, the byte
// map, merge order, the legacy vocab.json + merges.txt path against tokenizer.json and the
// parity references, and the compiled form (tokenizer/compiled.h) against both.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tokenizer/models/bpe.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_support.h"
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

namespace {

// A tokenizer.json of a BPE model with the given "model" members besides vocab and merges, the
// words split on whitespace.
std::string bpe_json(const json& vocab, const json& merges, const json& settings) {
    json model = settings;
    model["type"] = "BPE";
    model["vocab"] = vocab;
    model["merges"] = merges;
    return json{{"model", model}, {"normalizer", nullptr}, {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
                {"added_tokens", json::array()}, {"post_processor", nullptr}}
        .dump();
}

const char* const kBpeTexts[] = {"ab abc a xyz abxc b", "abab ab ba xy é z aab", "", "Hello, World! Ünïcödé 中文 text",
                                 "don't stop-believing...  <s> </s>"};

void check_same(const Tokenizer& built, const Tokenizer& loaded) { test::check_same_encodings(built, loaded, kBpeTexts); }

}  // namespace

TEST_CASE("BPE: the compiled tokenizer encodes as Hugging Face and as the one built from the files", "[tokenizer][bpe]") {
    int folders = 0;
    for (const auto& [name, root] : test::tokenizer_reference_dirs())
        for (const std::string folder : {"roberta-bpe", "modernbert-bpe"}) {
            if (!fs::is_directory(root / folder)) continue;
            ++folders;
            TokenizerFiles files = read_tokenizer_dir(root / folder);
            std::vector<TokenizerFiles> forms = {files};
            if (files.erase("tokenizer.json") && files.count("vocab.json")) forms.push_back(files);  // vocab.json + merges.txt
            for (const auto& form : forms) {
                INFO((root / folder).string() << (form.count("tokenizer.json") ? "" : " (vocab.json + merges.txt)"));
                const auto built = make_tokenizer(form);
                const auto loaded = test::compiled(form);
                check_same(*built, *loaded);
                int lines = 0;
                for (const json& r : test::read_jsonl(root / "parity" / "expected.jsonl")) {
                    if (!r.contains(folder) || r.contains("max_length")) continue;
                    const json& want = r.at(folder).is_object() ? r.at(folder).at("input_ids") : r.at(folder);
                    const std::string text = r.at("text").get<std::string>();
                    INFO(text);
                    CHECK(loaded->encode(text).input_ids == want.get<std::vector<int32_t>>());
                    ++lines;
                }
                CHECK(lines > 0);
            }
        }
    CHECK(folders >= 2);
}

TEST_CASE("BPE: the compiled tokenizer keeps the model's settings", "[tokenizer][bpe]") {
    // A continuing-subword prefix and an end-of-word suffix, unknown characters fused.
    const TokenizerFiles affixes{{"tokenizer.json",
                                  bpe_json({{"<unk>", 0}, {"a", 1}, {"##b", 2}, {"ab", 3}, {"##c</w>", 4}, {"abc</w>", 5},
                                            {"##b</w>", 6}, {"ab</w>", 7}, {"a</w>", 8}},
                                           json::array({"a ##b", "ab ##c</w>", "a ##b</w>"}),
                                           {{"unk_token", "<unk>"}, {"continuing_subword_prefix", "##"},
                                            {"end_of_word_suffix", "</w>"}, {"fuse_unk", true}})}};
    // Byte fallback, and whole words looked up before merging.
    const TokenizerFiles bytes{{"tokenizer.json",
                                bpe_json({{"<unk>", 0}, {"<0x78>", 1}, {"<0x79>", 2}, {"a", 3}, {"b", 4}, {"ab", 5},
                                          {"abab", 6}, {"<0xC3>", 7}, {"<0xA9>", 8}, {"aab", 9}},
                                         json::array({"a b", "ab ab"}),
                                         {{"unk_token", "<unk>"}, {"byte_fallback", true}, {"ignore_merges", true}})}};
    for (const auto& files : {affixes, bytes}) check_same(*make_tokenizer(files), *test::compiled(files));
    CHECK(test::compiled(affixes)->encode("abc a").input_ids == std::vector<int32_t>{5, 8});
    CHECK(test::compiled(affixes)->encode("xyz").input_ids == std::vector<int32_t>{0});
    CHECK(test::compiled(bytes)->encode("aab xé").input_ids == std::vector<int32_t>{9, 1, 7, 8});
}

TEST_CASE("BPE: a damaged compiled tokenizer is an InputError or still works, never a bad read or an endless probe",
          "[tokenizer][bpe]") {
    const std::string blob = *compile_tokenizer(read_tokenizer_dir(fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "roberta-bpe"));
    test::load_mutations(blob, 2000, kBpeTexts);
    {  // a merge producing an id past the vocabulary
        std::string damaged = blob;
        const test::Section merges = test::section(blob, "bpe.merge_slots");
        for (std::size_t at = merges.offset; at < merges.offset + merges.size; at += 16) {
            uint32_t left;
            std::memcpy(&left, damaged.data() + at, 4);
            if (left == UINT32_MAX) continue;
            const int32_t id = 1 << 30;
            std::memcpy(damaged.data() + at + 12, &id, 4);
            break;
        }
        test::check_load_error(damaged, "out of range");
    }
    {  // a token table whose size is not a power of two
        std::string damaged = blob;
        const uint64_t size = 12;
        std::memcpy(damaged.data() + test::section(blob, "bpe.token_slots").entry + 24, &size, 8);
        test::check_load_error(damaged, "power of two");
    }
    {  // a token slot past the tokens
        std::string damaged = blob;
        const uint32_t k = 1u << 30;
        std::memcpy(damaged.data() + test::section(blob, "bpe.token_slots").offset, &k, 4);
        test::check_load_error(damaged, "token slot");
    }
    {  // full tables, no empty slot to end a probe: every look-up stops after the whole table
        std::string damaged = blob;
        const test::Section tokens = test::section(blob, "bpe.token_slots"), merges = test::section(blob, "bpe.merge_slots");
        std::memset(damaged.data() + tokens.offset, 0, tokens.size);
        std::memset(damaged.data() + merges.offset, 0, merges.size);
        const auto t = test::load(damaged);
        REQUIRE(t != nullptr);
        for (const char* text : kBpeTexts) t->encode(text);
    }
}
