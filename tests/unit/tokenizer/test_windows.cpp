// Windows over long texts (tokenizer/processors/windows.h): encode_windows on the WordPiece,
// byte-level BPE and Unigram fixtures, against windows spelled out and windows the test makes
// itself, by the definition, of the text's tokens and the frame of special tokens.
#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "tokenizer/processors/windows.h"
#include "tokenizer_test_support.h"
#include "util/error.h"

using namespace bertcls;
namespace fs = std::filesystem;

namespace {

// frame[0, 1) + text[begin, end) + frame[1, ...): a window by definition, the text's tokens
// put where every fixture's template puts the first text, behind one special token.
template <class T>
std::vector<T> window_of(const std::vector<T>& frame, const std::vector<T>& text, std::size_t begin, std::size_t end) {
    std::vector<T> out(frame.begin(), frame.begin() + 1);
    out.insert(out.end(), text.begin() + std::ptrdiff_t(begin), text.begin() + std::ptrdiff_t(end));
    out.insert(out.end(), frame.begin() + 1, frame.end());
    return out;
}

// The tokens of the first text, without special tokens: those of `full` behind its opening
// special token, as many as `full` has more than the frame.
template <class T>
std::vector<T> text_part(const std::vector<T>& full, const std::vector<T>& frame) {
    return {full.begin() + 1, full.begin() + 1 + std::ptrdiff_t(full.size() - frame.size())};
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

// Checks encode_windows(text, pair) for one setting against windows made, by the definition,
// of the text's tokens and the frame (the encoding of the empty text with the pair).
void check_windows(const Tokenizer& tokenizer, const std::string& text, std::optional<std::string> pair,
                   const WindowOptions& options) {
    const auto p = pair ? std::optional<std::string_view>(*pair) : std::nullopt;
    const Encoding full = tokenizer.encode(text, p, {});
    const Encoding frame = tokenizer.encode("", p, {});
    REQUIRE(full.input_ids.front() == frame.input_ids.front());  // the one opening special token
    const std::size_t text_tokens = full.input_ids.size() - frame.input_ids.size();
    const std::size_t f = frame.input_ids.size();
    const std::size_t window = std::min(options.max_length, options.text_tokens ? f + options.text_tokens : SIZE_MAX) - f;
    const std::size_t stride = options.stride.value_or(window / 4);
    INFO("text tokens " << text_tokens << ", frame " << f << ", window " << window << ", stride " << stride);

    const Windows got = encode_windows(tokenizer, text, p, options);
    CHECK(got.tokens == full.input_ids.size());
    if (text_tokens <= window) {
        REQUIRE(got.encodings.size() == 1);
        CHECK(got.encodings[0].input_ids == full.input_ids);
        return;
    }
    const auto ids = text_part(full.input_ids, frame.input_ids);
    const auto type_ids = text_part(full.token_type_ids, frame.token_type_ids);
    const auto tokens = text_part(full.tokens, frame.tokens);
    const auto expected = starts(text_tokens, window, window - stride);
    REQUIRE(got.encodings.size() == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const std::size_t b = expected[k], e = b + window;
        INFO("window " << k << " from text token " << b);
        CHECK(got.encodings[k].input_ids == window_of(frame.input_ids, ids, b, e));
        CHECK(got.encodings[k].token_type_ids == window_of(frame.token_type_ids, type_ids, b, e));
        CHECK(got.encodings[k].tokens == window_of(frame.tokens, tokens, b, e));
        CHECK(got.encodings[k].input_ids.size() <= options.max_length);
    }
}

}  // namespace

TEST_CASE("long texts split into overlapping windows framed by special tokens", "[tokenizer][windows]") {
    const auto tokenizer = make_tokenizer(read_tokenizer_dir(fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "bert-uncased"));
    const std::string text = "a b c d e f g h i j";  // ten tokens between [CLS] and [SEP]
    const auto windows = [&](std::size_t max_length, std::size_t stride) {
        return encode_windows(*tokenizer, text, std::nullopt, {.max_length = max_length, .stride = stride}).encodings;
    };
    using Tokens = std::vector<std::string>;

    // Windows of 6 tokens hold 4 text tokens; overlap 1 means a step of 3; the last window ends at the end.
    const auto chunks = windows(6, 1);
    REQUIRE(chunks.size() == 3);
    CHECK(chunks[0].tokens == Tokens{"[CLS]", "a", "b", "c", "d", "[SEP]"});
    CHECK(chunks[1].tokens == Tokens{"[CLS]", "d", "e", "f", "g", "[SEP]"});
    CHECK(chunks[2].tokens == Tokens{"[CLS]", "g", "h", "i", "j", "[SEP]"});
    CHECK(chunks[2].token_type_ids.size() == 6);

    CHECK(windows(12, 0).size() == 1);  // fits
    CHECK(windows(7, 0).size() == 2);   // a-e, f-j
    CHECK_THROWS_AS(windows(6, 4), UsageError);
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

TEST_CASE("encode_windows keeps the frame of a text that starts with a special token", "[tokenizer][windows]") {
    // The text begins with the token that follows the opening one in the frame ([CLS] [SEP],
    // <s> </s>): the windows must still be that frame around the text's tokens.
    const fs::path root = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers";
    const std::string words = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                              "fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two";
    for (const auto& [folder, special] : {std::pair{"bert-uncased", "[SEP]"}, std::pair{"roberta-bpe", "</s>"},
                                          std::pair{"xlmr-spm", "</s>"}, std::pair{"albert-spm", "[SEP]"}}) {
        const auto tokenizer = make_tokenizer(read_tokenizer_dir(root / folder));
        const std::string text = std::string(special) + " " + words;
        for (const auto& pair : {std::optional<std::string>(), std::optional<std::string>("It rains.")}) {
            INFO(folder << ": " << text << (pair ? " | " + *pair : ""));
            check_windows(*tokenizer, text, pair, {.max_length = 24, .stride = 2});
            check_windows(*tokenizer, text, pair, {.max_length = 32, .stride = 3, .text_tokens = 8});
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
