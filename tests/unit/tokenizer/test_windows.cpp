// Windows over long texts (tokenizer/processors/windows.h): split_into_chunks on hand-made
// encodings, and encode_windows on the WordPiece, byte-level BPE and Unigram fixtures against
// windows the test cuts itself, by the definition, from the whole untruncated encoding.
#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "tokenizer/processors/windows.h"
#include "tokenizer_test_support.h"
#include "util/error.h"

using namespace bertcls;
namespace fs = std::filesystem;

namespace {

Encoding make(std::vector<int32_t> ids) {
    Encoding e;
    e.token_type_ids.assign(ids.size(), 0);
    e.input_ids = std::move(ids);
    return e;
}

// v[0, 1) + v[1 + begin, 1 + end) + v[1 + text, ...): the window of a sequence with one special
// token before its first text (every fixture's template) and `text` tokens of that text.
template <class T>
std::vector<T> window_of(const std::vector<T>& v, std::size_t text, std::size_t begin, std::size_t end) {
    std::vector<T> out(v.begin(), v.begin() + 1);
    out.insert(out.end(), v.begin() + 1 + std::ptrdiff_t(begin), v.begin() + 1 + std::ptrdiff_t(end));
    out.insert(out.end(), v.begin() + 1 + std::ptrdiff_t(text), v.end());
    return out;
}

// The windows by definition: `window` text tokens each, starting 0, step, 2 step, ... while a
// window ends before the text does, then one ending at the text's end.
std::vector<std::size_t> starts(std::size_t text, std::size_t window, std::size_t step) {
    std::vector<std::size_t> out;
    std::size_t s = 0;
    for (; s + window < text; s += step) out.push_back(s);
    out.push_back(text > window ? text - window : 0);
    return out;
}

// Checks encode_windows(text, pair) for one setting against windows cut from the full encoding.
void check_windows(const Tokenizer& tokenizer, const std::string& text, std::optional<std::string> pair,
                   const WindowOptions& options) {
    const auto p = pair ? std::optional<std::string_view>(*pair) : std::nullopt;
    const Encoding full = tokenizer.encode(text, p, {});
    const std::size_t text_tokens = tokenizer.encode(text, std::nullopt, {}).input_ids.size() - tokenizer.num_special_tokens(false);
    const std::size_t frame = full.input_ids.size() - text_tokens;
    const std::size_t window = std::min(options.max_length, options.text_tokens ? frame + options.text_tokens : SIZE_MAX) - frame;
    const std::size_t stride = options.stride.value_or(window / 4);
    INFO("text tokens " << text_tokens << ", frame " << frame << ", window " << window << ", stride " << stride);

    const Windows got = encode_windows(tokenizer, text, p, options);
    CHECK(got.tokens == full.input_ids.size());
    if (text_tokens <= window) {
        REQUIRE(got.encodings.size() == 1);
        CHECK(got.encodings[0].input_ids == full.input_ids);
        return;
    }
    const auto expected = starts(text_tokens, window, window - stride);
    REQUIRE(got.encodings.size() == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const std::size_t b = expected[k], e = b + window;
        INFO("window " << k << " from text token " << b);
        CHECK(got.encodings[k].input_ids == window_of(full.input_ids, text_tokens, b, e));
        CHECK(got.encodings[k].token_type_ids == window_of(full.token_type_ids, text_tokens, b, e));
        CHECK(got.encodings[k].tokens == window_of(full.tokens, text_tokens, b, e));
        CHECK(got.encodings[k].input_ids.size() <= options.max_length);
    }
}

}  // namespace

TEST_CASE("long texts split into overlapping windows framed by special tokens", "[tokenizer][windows]") {
    const Encoding frame = make({101, 102});
    Encoding full = make({101});
    for (int32_t i = 1; i <= 10; ++i) full.input_ids.push_back(i);
    full.input_ids.push_back(102);
    full.token_type_ids.assign(full.input_ids.size(), 0);

    // Windows of 6 tokens hold 4 text tokens; overlap 1 means a step of 3; the last window ends at the end.
    const auto chunks = split_into_chunks(full, frame, 6, 1);
    REQUIRE(chunks.size() == 3);
    CHECK(chunks[0].input_ids == std::vector<int32_t>{101, 1, 2, 3, 4, 102});
    CHECK(chunks[1].input_ids == std::vector<int32_t>{101, 4, 5, 6, 7, 102});
    CHECK(chunks[2].input_ids == std::vector<int32_t>{101, 7, 8, 9, 10, 102});
    CHECK(chunks[2].token_type_ids.size() == 6);

    CHECK(split_into_chunks(full, frame, 12, 0).size() == 1);  // fits
    CHECK(split_into_chunks(full, frame, 7, 0).size() == 2);   // 1-5, 6-10
    CHECK_THROWS_AS(split_into_chunks(full, frame, 6, 4), UsageError);
    CHECK_THROWS_AS(split_into_chunks(make({5, 6, 7}), frame, 6, 1), InputError);
}

TEST_CASE("encode_windows cuts single texts and only_first pairs as the definition does", "[tokenizer][windows]") {
    const fs::path root = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers";
    // The longest texts of the parity set (many scripts), a pair's first text among them.
    std::vector<std::string> texts;
    for (const auto& r : test::read_jsonl(root / "parity" / "expected.jsonl")) texts.push_back(r["text"]);
    std::stable_sort(texts.begin(), texts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    texts.resize(4);
    const std::string hypothesis = "It rains.";
    for (const char* folder : {"bert-uncased", "roberta-bpe", "xlmr-spm", "albert-spm"}) {
        const auto tokenizer = make_tokenizer(read_tokenizer_dir(root / folder));
        for (const auto& text : texts)
            for (const auto& pair : {std::optional<std::string>(), std::optional<std::string>(hypothesis)}) {
                INFO(folder << ": " << text << (pair ? " | " + *pair : ""));
                check_windows(*tokenizer, text, pair, {.max_length = 40, .stride = 5});
                check_windows(*tokenizer, text, pair, {.max_length = 40});  // a quarter of a window
                check_windows(*tokenizer, text, pair, {.max_length = 56, .stride = 0});
                check_windows(*tokenizer, text, pair, {.max_length = 64, .stride = 3, .text_tokens = 12});
                check_windows(*tokenizer, text, pair, {.max_length = 4096});  // fits
            }
    }
}

TEST_CASE("encode_windows refuses windows with no room to advance", "[tokenizer][windows]") {
    const auto tokenizer = make_tokenizer(read_tokenizer_dir(fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "bert-uncased"));
    const std::string text = "one two three four five six seven eight nine ten";
    CHECK_THROWS_AS(encode_windows(*tokenizer, text, std::nullopt, {.max_length = 2}), UsageError);
    CHECK_THROWS_AS(encode_windows(*tokenizer, text, std::nullopt, {.max_length = 6, .stride = 4}), UsageError);
    // The second text alone fills the window: no room for the first.
    CHECK_THROWS_AS(encode_windows(*tokenizer, text, std::string_view(text), {.max_length = 8}), InputError);
    CHECK_THROWS_AS(encode_windows(*tokenizer, "bad \xff", std::nullopt, {.max_length = 8}), InputError);
}
