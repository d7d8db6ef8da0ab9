// WordPiece/BERT tokenizer behaviour that the parity files do not pin down on their own:
// invalid UTF-8, added tokens in the text, truncation strategies, the LinMaxMatch trie against
// HF's own greedy loop, and the legacy vocab.txt path against tokenizer.json.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <catch2/catch.hpp>

#include "tokenizer/compiled.h"
#include "tokenizer/models/wordpiece.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_support.h"
#include "util/error.h"

using namespace bertcls;
using test::compiled;
namespace fs = std::filesystem;

namespace {

// A tiny BERT tokenizer.json: ids 0-4 special, then a handful of words and pieces.
// With `hashes`, "##" (the prefix) and "#" are tokens too.
std::string tiny_bert_json(bool lowercase = true, bool hashes = false) {
    return R"({
      "added_tokens": [
        {"id": 0, "content": "[PAD]", "special": true, "normalized": false},
        {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
        {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
        {"id": 3, "content": "[SEP]", "special": true, "normalized": false},
        {"id": 4, "content": "[MASK]", "special": true, "normalized": false}],
      "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                     "strip_accents": null, "lowercase": )" + std::string(lowercase ? "true" : "false") + R"(},
      "pre_tokenizer": {"type": "BertPreTokenizer"},
      "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
      "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                "max_input_chars_per_word": 100,
                "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "un": 5, "##aff": 6,
                          "##able": 7, "hello": 8, "world": 9, "!": 10, "a": 11, "##a": 12, "cafe": 13,
                          "[": 14, "]": 15, "中": 16, "b": 17, "##b": 18)" + std::string(hashes ? R"(, "##": 19, "#": 20)" : "") + R"(}}
    })";
}

std::unique_ptr<Tokenizer> tiny_bert(bool lowercase = true) { return make_tokenizer({{"tokenizer.json", tiny_bert_json(lowercase)}}); }

const char* const kSampleTexts[] = {
    "unaffable Hello, WORLD! Café a中b", "##aff ## # ###a [MASK] [CLS]x", "",
    "Hello, World! Ünïcödé [SEP] 中文 text", "don't stop-believing...", "İstanbul ÅNGSTRÖM",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b"};

void check_same(const Tokenizer& a, const Tokenizer& b) { test::check_same_encodings(a, b, kSampleTexts); }

std::vector<int32_t> ids(const Tokenizer& t, std::string_view text, std::optional<std::string_view> pair = {},
                         EncodeOptions options = {}) {
    return t.encode(text, pair, options).input_ids;
}

}  // namespace

TEST_CASE("wordpiece: basic pipeline", "[tokenizer]") {
    const auto t = tiny_bert();
    CHECK(ids(*t, "unaffable") == std::vector<int32_t>{2, 5, 6, 7, 3});
    CHECK(ids(*t, "Hello, WORLD!") == std::vector<int32_t>{2, 8, 1, 9, 10, 3});  // "," is not in the vocab
    CHECK(ids(*t, "Café") == std::vector<int32_t>{2, 13, 3});                   // accents stripped when lowercasing
    CHECK(ids(*t, "a中b") == std::vector<int32_t>{2, 11, 16, 17, 3});           // CJK characters are split off
    CHECK(ids(*t, "unaffablex") == std::vector<int32_t>{2, 1, 3});              // any unknown piece: whole word [UNK]
    CHECK(ids(*t, "") == std::vector<int32_t>{2, 3});
    CHECK(ids(*t, " \t\n ") == std::vector<int32_t>{2, 3});
    const auto e = t->encode("hello");
    CHECK(e.tokens == std::vector<std::string>{"[CLS]", "hello", "[SEP]"});
    CHECK(e.token_type_ids == std::vector<int32_t>{0, 0, 0});
    const auto cased = tiny_bert(false);
    CHECK(ids(*cased, "Hello hello") == std::vector<int32_t>{2, 1, 8, 3});
}

TEST_CASE("wordpiece: max_input_chars_per_word counts characters", "[tokenizer]") {
    const auto t = tiny_bert();
    CHECK(ids(*t, std::string(100, 'a')) == std::vector<int32_t>(
                                               [] {
                                                   std::vector<int32_t> v{2, 11};
                                                   v.insert(v.end(), 99, 12);
                                                   v.push_back(3);
                                                   return v;
                                               }()));
    CHECK(ids(*t, std::string(101, 'a')) == std::vector<int32_t>{2, 1, 3});
}

TEST_CASE("wordpiece: added tokens are matched in the raw text", "[tokenizer]") {
    const auto t = tiny_bert();
    // Literal special tokens become their ids, glued to words or not, in any case of the text around.
    CHECK(ids(*t, "hello[SEP]world") == std::vector<int32_t>{2, 8, 3, 9, 3});
    CHECK(ids(*t, "[MASK] [CLS]") == std::vector<int32_t>{2, 4, 2, 3});
    // Only the exact, unnormalised spelling matches: lower-case "[sep]" is ordinary text.
    CHECK(ids(*t, "[sep]") == std::vector<int32_t>{2, 14, 1, 15, 3});
    CHECK(ids(*t, "[SEP") == std::vector<int32_t>{2, 14, 1, 3});
}

TEST_CASE("tokenizer: invalid UTF-8 is rejected with its byte offset", "[tokenizer]") {
    const auto t = tiny_bert();
    const auto message = [&](std::string_view text, std::optional<std::string_view> pair = {}) {
        try {
            t->encode(text, pair);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("abc\xff") == "invalid UTF-8 in the text at byte 3");
    CHECK(message("ab\xc3") == "invalid UTF-8 in the text at byte 2");               // truncated sequence
    CHECK(message("\xc0\xaf") == "invalid UTF-8 in the text at byte 0");             // overlong
    CHECK(message("x\xed\xa0\x80") == "invalid UTF-8 in the text at byte 1");        // surrogate
    CHECK(message("\xf4\x90\x80\x80") == "invalid UTF-8 in the text at byte 0");     // above U+10FFFF
    CHECK(message("ok", std::string_view("fine\x80")) == "invalid UTF-8 in the second text at byte 4");
    CHECK(message("caf\xc3\xa9 \xf0\x9f\x98\x80") == "no error");
}

TEST_CASE("tokenizer: truncation strategies", "[tokenizer]") {
    const auto t = tiny_bert();
    const std::string five = "a b a b a", three = "b a b";  // 5 and 3 tokens
    EncodeOptions o;
    o.max_length = 7;  // 4 tokens after [CLS] A [SEP] B [SEP]
    CHECK(ids(*t, five, three, o) == std::vector<int32_t>{2, 11, 17, 3, 17, 11, 3});
    o.truncation = Truncation::only_first;
    o.max_length = 8;
    CHECK(ids(*t, five, three, o) == std::vector<int32_t>{2, 11, 17, 3, 17, 11, 17, 3});
    o.truncation = Truncation::only_second;
    o.max_length = 9;
    CHECK(ids(*t, five, three, o) == std::vector<int32_t>{2, 11, 17, 11, 17, 11, 3, 17, 3});
    o.max_length = 6;  // the second text would need to lose all of its 3 tokens and more
    CHECK_THROWS_AS(t->encode(five, three, o), InputError);
    o.truncation = Truncation::do_not_truncate;
    CHECK(ids(*t, five, three, o).size() == 11);
    o.truncation = Truncation::longest_first;
    o.max_length = 2;  // room for the specials only
    CHECK(ids(*t, five, std::nullopt, o) == std::vector<int32_t>{2, 3});
    o.max_length = 1;
    CHECK_THROWS_AS(t->encode(five, std::nullopt, o), UsageError);
    // An empty second text is no pair at all (transformers: `if text_pair`).
    CHECK(ids(*t, "a", "") == std::vector<int32_t>{2, 11, 3});
    CHECK(t->num_special_tokens(false) == 2);
    CHECK(t->num_special_tokens(true) == 3);
    CHECK_THROWS_AS(parse_truncation("shortest_first"), UsageError);
}

TEST_CASE("wordpiece: LinMaxMatch equals HF's greedy loop on random vocabularies", "[tokenizer]") {
    std::mt19937 rng(1234);
    const std::string alphabet = "ab#\xc3\xa9";  // includes '#' and a two-byte character
    const auto random_string = [&](std::size_t max_len) {
        std::string s;
        const std::size_t len = 1 + rng() % max_len;
        for (std::size_t i = 0; i < len; ++i) {
            const std::size_t k = rng() % 4;
            s += k == 3 ? std::string("\xc3\xa9") : std::string(1, alphabet[k]);
        }
        return s;
    };
    for (int round = 0; round < 200; ++round) {
        std::vector<std::pair<std::string, int32_t>> vocab{{"[UNK]", 0}};
        const int size = 2 + static_cast<int>(rng() % 30);
        for (int i = 0; i < size; ++i) {
            std::string token = random_string(4);
            if (rng() % 2) token = "##" + token;
            vocab.emplace_back(token, static_cast<int32_t>(vocab.size()));
        }
        const tok::WordPiece model(vocab, "[UNK]", "##", 12);
        for (int w = 0; w < 50; ++w) {
            const std::string word = random_string(14);
            std::vector<int32_t> fast, reference;
            model.tokenize_word(word, fast);
            model.tokenize_word_reference(word, reference);
            INFO("round " << round << " word " << word);
            REQUIRE(fast == reference);
        }
    }
}

TEST_CASE("wordpiece: legacy vocab.txt + tokenizer_config.json equals tokenizer.json", "[tokenizer]") {
    const fs::path dir = fs::path(BERTCLS_SHARED_DIR) / "tokenizers" / "bert-base-cased-style";
    if (!fs::is_directory(dir)) {
        WARN("skipping: " << dir.string() << " is absent");
        return;
    }
    TokenizerFiles files = read_tokenizer_dir(dir);
    const auto from_json = make_tokenizer(files);
    files.erase("tokenizer.json");
    const auto legacy = make_tokenizer(files);
    for (const char* text : {"Hello, World! Ünïcödé [SEP] 中文 text", "don't stop-believing...", "İstanbul ÅNGSTRÖM"}) {
        INFO(text);
        CHECK(legacy->encode(text, "pair text").input_ids == from_json->encode(text, "pair text").input_ids);
    }
}

TEST_CASE("wordpiece: the compiled tokenizer encodes as the one built from the files", "[tokenizer]") {
    for (const bool lowercase : {true, false})
        for (const bool hashes : {false, true}) {
            const TokenizerFiles files{{"tokenizer.json", tiny_bert_json(lowercase, hashes)}};
            check_same(*make_tokenizer(files), *compiled(files));
        }
    for (const fs::path& dir : {fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "bert-uncased",
                               fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "bert-cased"}) {
        INFO(dir.string());
        TokenizerFiles files = read_tokenizer_dir(dir);
        check_same(*make_tokenizer(files), *compiled(files));
        files.erase("tokenizer.json");  // the legacy vocab.txt path
        check_same(*make_tokenizer(files), *compiled(files));
    }
}

TEST_CASE("wordpiece: a damaged compiled tokenizer is an InputError or still works, never a bad read", "[tokenizer]") {
    const std::string blob = *compile_tokenizer({{"tokenizer.json", tiny_bert_json(true, true)}});
    for (std::size_t size = 0; size < blob.size(); size += 1 + size / 16)
        test::load_damaged(blob.substr(0, size), kSampleTexts);  // truncated
    test::load_mutations(blob, 3000, kSampleTexts);
    std::string other_version = blob;
    other_version[8] = 99;
    auto owner = std::make_shared<const std::string>(other_version);
    CHECK(load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner) == nullptr);
    CHECK_THROWS_AS(load_compiled_tokenizer(std::as_bytes(std::span(blob.data(), 8)), nullptr), InputError);
    // Edges that make the nodes something else than a tree numbered breadth-first: a child that
    // is its parent or the root (a loop), one given twice, one out of order, one past the nodes.
    const test::Section edges = test::section(blob, "wp.edges");
    REQUIRE(edges.size >= 8);
    uint32_t first, second;
    std::memcpy(&first, blob.data() + edges.offset, 4);
    std::memcpy(&second, blob.data() + edges.offset + 4, 4);
    for (const uint32_t target : {0u, first >> 8, (second >> 8) + 1, 1u << 23}) {
        std::string damaged = blob;
        const uint32_t edge = (target << 8) | (second & 0xFF);
        std::memcpy(damaged.data() + edges.offset + 4, &edge, 4);
        INFO("second edge to node " << target);
        test::check_load_error(damaged, "not a tree in breadth-first order");
    }
}

TEST_CASE("wordpiece: the hostile compiled tokenizers of the fuzz regressions are one-line errors", "[tokenizer]") {
    const fs::path dir = fs::path(BERTCLS_TEST_DATA_DIR).parent_path() / "fuzz" / "regressions" / "compiled_tokenizer";
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.path().filename().string().starts_with("hostile-")) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        auto owner = std::make_shared<const std::string>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        INFO(entry.path().filename().string());
        try {
            load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner);
            FAIL("accepted");
        } catch (const InputError& e) {
            const std::string message = e.what();
            CHECK(message.starts_with("compiled tokenizer: "));
            CHECK(message.find('\n') == std::string::npos);
        }
        ++checked;
    }
    CHECK(checked >= 8);
}
