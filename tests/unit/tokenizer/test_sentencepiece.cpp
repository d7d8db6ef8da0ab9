// SentencePiece (ALBERT / XLM-R / DeBERTa): the pieces of the pipeline, the legacy .model path
// against tokenizer.json and the parity references, libsentencepiece agreement on ordinary text,
// thread safety, and the Unigram compiled form (tokenizer/compiled.h) against both.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include "tokenizer/normalizers/hf_normalizers.h"
#include "tokenizer/pre_tokenizers/hf_pre_tokenizers.h"
#include "tokenizer/normalizers/precompiled_charsmap.h"
#include "tokenizer/loaders/sentencepiece.h"
#include "tokenizer/compiled.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/models/unigram.h"
#include "tokenizer_test_support.h"
#include "util/error.h"

using namespace bertcls;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using test::read_jsonl;

std::vector<fs::path> tokenizer_roots() {
    std::vector<fs::path> roots;
    for (const auto& [name, dir] : test::tokenizer_reference_dirs())
        if (fs::is_directory(dir / "parity")) roots.push_back(dir);
    return roots;
}

std::vector<std::string> words_of(const tok::PreTokenizer& p, std::string_view text) {
    tok::Words words;
    p.pre_tokenize(text, words);
    std::vector<std::string> out;
    for (const auto& span : words.spans) out.emplace_back(words.word(span));
    return out;
}

std::string normalize(const tok::Normalizer& n, std::string_view text) {
    std::string out;
    n.normalize(text, out);
    return out;
}

const std::string kMeta = "\xE2\x96\x81";  // ▁

}  // namespace

TEST_CASE("Metaspace after WhitespaceSplit, as HF's converted SentencePiece tokenizers", "[tokenizer][spm]") {
    std::vector<std::unique_ptr<tok::PreTokenizer>> parts;
    parts.push_back(std::make_unique<tok::WhitespaceSplitPreTokenizer>());
    parts.push_back(std::make_unique<tok::MetaspacePreTokenizer>(kMeta, tok::MetaspacePreTokenizer::Prepend::always, true));
    const tok::SequencePreTokenizer p(std::move(parts));
    CHECK(words_of(p, "Hello  world\t!") == std::vector<std::string>{kMeta + "Hello", kMeta + "world", kMeta + "!"});
    CHECK(words_of(p, "\xC2\xA0 \xE3\x80\x80").empty());  // NBSP and ideographic space are whitespace
    // A literal ▁ in the text is not prepended again; "▁▁a" splits as "▁", "▁a" (MergedWithNext).
    CHECK(words_of(p, kMeta + "x") == std::vector<std::string>{kMeta + "x"});
    CHECK(words_of(p, kMeta + kMeta + "a") == std::vector<std::string>{kMeta, kMeta + "a"});
    CHECK(words_of(p, "a" + kMeta) == std::vector<std::string>{kMeta + "a", kMeta});

    // The generic path (no fusion): each part runs on every word of the previous one.
    std::vector<std::unique_ptr<tok::PreTokenizer>> generic;
    generic.push_back(std::make_unique<tok::WhitespaceSplitPreTokenizer>());
    generic.push_back(std::make_unique<tok::MetaspacePreTokenizer>(kMeta, tok::MetaspacePreTokenizer::Prepend::never, true));
    generic.push_back(std::make_unique<tok::MetaspacePreTokenizer>(kMeta, tok::MetaspacePreTokenizer::Prepend::always, true));
    const tok::SequencePreTokenizer g(std::move(generic));
    CHECK(words_of(g, " ab  c" + kMeta + "d ") == std::vector<std::string>{kMeta + "ab", kMeta + "c", kMeta + "d"});
}

TEST_CASE("Metaspace alone replaces spaces and splits before each", "[tokenizer][spm]") {
    const tok::MetaspacePreTokenizer always(kMeta, tok::MetaspacePreTokenizer::Prepend::always, true);
    CHECK(words_of(always, "a b") == std::vector<std::string>{kMeta + "a", kMeta + "b"});
    CHECK(words_of(always, "a  b") == std::vector<std::string>{kMeta + "a", kMeta, kMeta + "b"});
    CHECK(words_of(always, " a") == std::vector<std::string>{kMeta + "a"});
    const tok::MetaspacePreTokenizer never(kMeta, tok::MetaspacePreTokenizer::Prepend::never, true);
    CHECK(words_of(never, "a b") == std::vector<std::string>{"a", kMeta + "b"});
    const tok::MetaspacePreTokenizer whole(kMeta, tok::MetaspacePreTokenizer::Prepend::always, false);
    CHECK(words_of(whole, "a b") == std::vector<std::string>{kMeta + "a" + kMeta + "b"});
}

TEST_CASE("HF normalizers: Replace, NFKD, StripAccents, Lowercase", "[tokenizer][spm]") {
    CHECK(normalize(tok::ReplaceNormalizer("``", "\""), "``a`` ```") == "\"a\" \"`");
    CHECK(normalize(tok::ReplaceNormalizer(" ", " ", 2), "a  b   c d") == "a b c d");  // Regex " {2,}"
    CHECK(normalize(tok::UnicodeNormalizer(tok::UnicodeNormalizer::Form::nfkd), "\xEF\xAC\x81 \xC3\xA9") ==
          "fi e\xCC\x81");  // ﬁ é
    CHECK(normalize(tok::UnicodeNormalizer(tok::UnicodeNormalizer::Form::nfkd), std::string("a\0b", 3)) ==
          std::string("a\0b", 3));
    CHECK(normalize(tok::StripAccentsNormalizer(), "e\xCC\x81 \xE0\xA4\x95\xE0\xA4\xBE") == "e \xE0\xA4\x95");  // Mn and Mc go
    CHECK(normalize(tok::LowercaseNormalizer(), "\xC4\xB0 \xCE\xA3\xCE\xA3 ABC") == "i\xCC\x87 \xCF\x83\xCF\x83 abc");
    // HF's tables are Unicode 9.0: U+A7F2 (<super> C, Unicode 14) does not decompose and
    // U+0D00 (a Malayalam Mn, Unicode 10) is no mark.
    CHECK(normalize(tok::UnicodeNormalizer(tok::UnicodeNormalizer::Form::nfkd), "\xEA\x9F\xB2\xE2\x84\xA2") ==
          "\xEA\x9F\xB2TM");
    CHECK(normalize(tok::StripAccentsNormalizer(), "a\xE0\xB4\x80") == "a\xE0\xB4\x80");
    // Canonical reordering of marks: U+0301 (230) after U+0323 (220).
    CHECK(normalize(tok::UnicodeNormalizer(tok::UnicodeNormalizer::Form::nfd), "\xE1\xBA\xA0\xCC\x81") ==
          "A\xCC\xA3\xCC\x81");
    CHECK(normalize(tok::UnicodeNormalizer(tok::UnicodeNormalizer::Form::nfd), "a\xCC\x81\xCC\xA3") ==
          "a\xCC\xA3\xCC\x81");
}

TEST_CASE("Precompiled charsmap: grapheme rules of spm_precompiled", "[tokenizer][spm]") {
    CHECK(tok::grapheme_end("e\xCC\x81x", 0) == 3);
    CHECK(tok::grapheme_end("\r\nx", 0) == 2);
    CHECK(tok::grapheme_end("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA\xF0\x9F\x87\xAB", 0) == 8);  // two flags
    CHECK(tok::grapheme_end("ab", 0) == 1);

    // The local XLM-R fixture's hand-written table: fullwidth ASCII -> ASCII, and the
    // two-code-point rule ｶﾞ -> ガ, which HF cannot use (the cluster is 6 bytes).
    const fs::path model = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "xlmr-spm" / "sentencepiece.bpe.model";
    std::ifstream in(model, std::ios::binary);
    REQUIRE(in);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto spm = tok::read_sentencepiece_model(bytes, "sentencepiece.bpe.model");
    const tok::PrecompiledNormalizer n(spm.precompiled_charsmap);
    CHECK(normalize(n, "\xEF\xBC\xA1\xEF\xBC\xA2") == "AB");  // ＡＢ -> AB
    CHECK(normalize(n, "\xEF\xBD\xB6\xEF\xBE\x9E") != "\xE3\x82\xAC");           // not ガ
    CHECK(normalize(n, "\xEF\xBC\xA1\xCC\x81") == "A");  // Ａ + U+0301: the whole cluster takes Ａ's rule
    CHECK(normalize(n, std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("Unigram: best segmentation, fused unknowns, repeated pieces", "[tokenizer][spm]") {
    const std::vector<std::pair<std::string, double>> vocab = {
        {"<unk>", 0.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -1.5}, {"abc", -5.0}, {"c", -1.0}, {"ab", -0.5}};
    const tok::Unigram u(vocab, {.unk_id = 0});
    std::vector<int32_t> ids;
    u.tokenize_word("abc", ids);
    CHECK(ids == std::vector<int32_t>{6, 5});  // "ab" (last id, score -0.5) + "c" beats "abc"
    ids.clear();
    u.tokenize_word("xyab\xC3\xA9z", ids);
    CHECK(ids == std::vector<int32_t>{0, 6, 0});  // unknown runs fuse into one <unk> each
    ids.clear();
    const tok::Unigram unfused(vocab, {.unk_id = 0, .fuse_unk = false});
    unfused.tokenize_word("xya", ids);
    CHECK(ids == std::vector<int32_t>{0, 0, 1});
    CHECK_THROWS_AS(tok::Unigram(vocab, {.unk_id = 7}), InputError);
}

TEST_CASE("SentencePiece legacy .model files convert like transformers", "[tokenizer][spm]") {
    const auto roots = tokenizer_roots();
    if (roots.empty()) WARN("no tokenizer references; skipping");
    for (const fs::path& root : roots) {
        for (const char* folder : {"albert-spm", "xlmr-spm"}) {
            if (!fs::is_directory(root / folder)) continue;
            TokenizerFiles files = read_tokenizer_dir(root / folder);
            const auto from_json = make_tokenizer(files);
            files.erase("tokenizer.json");
            const auto legacy = make_tokenizer(files);
            files.erase("tokenizer_config.json");
            const auto bare = make_tokenizer(files);  // the .model alone: the class defaults
            int lines = 0, equal = 0;
            for (const json& r : read_jsonl(root / "parity" / "expected.jsonl")) {
                if (!r.contains(folder)) continue;
                const std::string text = r.at("text").get<std::string>();
                const auto want = r.at(folder).get<std::vector<int32_t>>();
                const auto got = legacy->encode(text).input_ids;
                ++lines;
                equal += got == want;
                if (got != want) FAIL_CHECK(root.string() << " " << folder << " legacy: " << json(text).dump());
                // Without tokenizer_config.json only the extra special tokens can differ.
                if (text.find('[') == std::string::npos && text.find('<') == std::string::npos)
                    CHECK(bare->encode(text).input_ids == want);
            }
            for (const json& r : read_jsonl(root / "parity" / "pairs.jsonl")) {
                if (!r.contains(folder)) continue;
                EncodeOptions o;
                o.max_length = r.at("max_length").get<std::size_t>();
                const std::string a = r.at("a").get<std::string>(), b = r.at("b").get<std::string>();
                CHECK(legacy->encode(a, b, o).input_ids == from_json->encode(a, b, o).input_ids);
            }
            WARN(root.string() << " " << folder << " from the .model alone: " << equal << "/" << lines
                               << " expected.jsonl lines equal");
        }
    }
}

TEST_CASE("xlmr-spm agrees with libsentencepiece (id + 1) on ordinary text", "[tokenizer][spm]") {
    const fs::path dir = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "xlmr-spm";
    sentencepiece::SentencePieceProcessor sp;
    REQUIRE(sp.Load((dir / "sentencepiece.bpe.model").string()).ok());
    const auto tokenizer = make_tokenizer(read_tokenizer_dir(dir));
    for (const char* text : {"Hello world", "The quick brown fox jumps over the lazy dog.", "  spaces   between  ",
                             "Über café naïve", "Привет, мир", "数字 123 и 4.5", "ｆｕｌｌｗｉｄｔｈ"}) {
        std::vector<int> pieces;
        REQUIRE(sp.Encode(text, &pieces).ok());
        std::vector<int32_t> want = {0};
        for (const int id : pieces) want.push_back(id == sp.unk_id() ? 3 : id + 1);
        want.push_back(2);
        CHECK(tokenizer->encode(text).input_ids == want);
    }
}

TEST_CASE("SentencePiece tokenizers reject invalid UTF-8 and are thread-safe", "[tokenizer][spm]") {
    const fs::path root = fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers";
    for (const char* folder : {"albert-spm", "xlmr-spm", "roberta-bpe"}) {
        const auto tokenizer = make_tokenizer(read_tokenizer_dir(root / folder));
        try {
            tokenizer->encode("ok \xC3\x28 bad");
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()).find("byte 3") != std::string::npos);
        }
        std::vector<std::string> texts;
        for (const json& r : read_jsonl(root / "parity" / "expected.jsonl")) texts.push_back(r.at("text").get<std::string>());
        std::vector<std::vector<int32_t>> serial;
        for (const auto& t : texts) serial.push_back(tokenizer->encode(t).input_ids);
        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (int k = 0; k < 4; ++k)
            threads.emplace_back([&, k] {
                for (int pass = 0; pass < 20; ++pass)
                    for (std::size_t i = 0; i < texts.size(); ++i)
                        mismatches[k] += tokenizer->encode(texts[(i + k * 7) % texts.size()]).input_ids !=
                                         serial[(i + k * 7) % texts.size()];
            });
        for (auto& t : threads) t.join();
        for (const int m : mismatches) CHECK(m == 0);
    }
}

namespace {

const char* const kUnigramTexts[] = {"The quick brown fox didn't jump; it sat.",
                                     "  Ünïcödé  ＡＢＣ ｶﾞ text\twith\ttabs  ",
                                     "",
                                     "中文 text, emoji 🙂 and a [MASK] token",
                                     "xyzzy qwertyuiop zzzzzzzzzzzzzzzzzzzzzzzz"};

// A tokenizer.json with a Unigram model over `vocab` and the given model settings, words split
// on whitespace with no normalizer.
std::string unigram_json(const std::vector<std::pair<std::string, double>>& vocab, const json& settings) {
    json model = settings;
    model["type"] = "Unigram";
    model["vocab"] = json::array();
    for (const auto& [piece, score] : vocab) model["vocab"].push_back({piece, score});
    return json{{"model", model}, {"pre_tokenizer", {{"type", "WhitespaceSplit"}}}}.dump();
}

void check_same_ids(const Tokenizer& built, const Tokenizer& loaded) { test::check_same_encodings(built, loaded, kUnigramTexts); }

}  // namespace

TEST_CASE("Unigram: the compiled tokenizer encodes as Hugging Face and as the one built from the files", "[tokenizer][spm]") {
    int folders = 0;
    for (const auto& [name, root] : test::tokenizer_reference_dirs())
        for (const std::string folder : {"albert-spm", "xlmr-spm", "deberta-spm", "deberta-spm-legacy"}) {
            if (!fs::is_directory(root / folder)) continue;
            ++folders;
            TokenizerFiles files = read_tokenizer_dir(root / folder);
            std::vector<TokenizerFiles> forms = {files};
            if (files.erase("tokenizer.json") && (files.count("spiece.model") || files.count("sentencepiece.bpe.model") ||
                                                  files.count("spm.model")))
                forms.push_back(files);  // the .model path
            for (const auto& form : forms) {
                INFO((root / folder).string() << (form.count("tokenizer.json") ? "" : " (.model)"));
                const auto built = make_tokenizer(form);
                const auto loaded = test::compiled(form);
                check_same_ids(*built, *loaded);
                int lines = 0;
                for (const json& r : read_jsonl(root / "parity" / "expected.jsonl")) {
                    if (!r.contains(folder)) continue;
                    const std::string text = r.at("text").get<std::string>();
                    INFO(text);
                    CHECK(loaded->encode(text).input_ids == r.at(folder).get<std::vector<int32_t>>());
                    ++lines;
                }
                CHECK(lines > 0);
            }
        }
    CHECK(folders >= 4);
}

TEST_CASE("Unigram: the compiled tokenizer keeps the model's settings", "[tokenizer][spm]") {
    const std::vector<std::pair<std::string, double>> vocab = {
        {"<unk>", 0.0}, {"a", -1.0}, {"b", -1.0}, {"ab", -1.5}, {"<0x78>", -3.0}, {"<0xC3>", -3.0}, {"<0xA9>", -3.0}};
    const TokenizerFiles fused{{"tokenizer.json", unigram_json(vocab, {{"unk_id", 0}})}};
    const TokenizerFiles bytes{{"tokenizer.json", unigram_json(vocab, {{"unk_id", 0}, {"byte_fallback", true}})}};
    for (const auto& files : {fused, bytes}) check_same_ids(*make_tokenizer(files), *test::compiled(files));
    CHECK(test::compiled(fused)->encode("ab qq").input_ids == std::vector<int32_t>{3, 0});
    CHECK(test::compiled(bytes)->encode("ab xé").input_ids == std::vector<int32_t>{3, 4, 5, 6});
}

TEST_CASE("Unigram: a damaged compiled tokenizer is an InputError or still works, never a bad read", "[tokenizer][spm]") {
    const std::string blob =
        *compile_tokenizer(read_tokenizer_dir(fs::path(BERTCLS_TEST_DATA_DIR) / "tokenizers" / "albert-spm"));
    test::load_mutations(blob, 2000, kUnigramTexts);
    for (std::size_t size = 0; size < blob.size(); size += 1 + size / 8) test::load_damaged(blob.substr(0, size), kUnigramTexts);
    const auto write_u32 = [](std::string& bytes, std::size_t at, uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); };
    const test::Section nodes = test::section(blob, "ug.nodes");
    {  // a node's edges past the edge arrays
        std::string damaged = blob;
        write_u32(damaged, nodes.offset + 16, 1u << 30);
        test::check_load_error(damaged, "node 1 points outside");
    }
    {  // a piece id past the scores
        std::string damaged = blob;
        write_u32(damaged, nodes.offset + 16 + 8, 1u << 30);
        test::check_load_error(damaged, "node 1 points outside");
    }
    {  // an edge to a node that does not exist
        std::string damaged = blob;
        write_u32(damaged, test::section(blob, "ug.targets").offset, 1u << 30);
        test::check_load_error(damaged, "an edge leads to node");
    }
    {  // a dense table entry to a node that does not exist
        std::string damaged = blob;
        const test::Section dense = test::section(blob, "ug.dense");
        write_u32(damaged, dense.offset + 4 * 'a', static_cast<uint32_t>(nodes.size / 16));
        test::check_load_error(damaged, "an edge leads to node");
    }
    {  // the root without its table
        std::string damaged = blob;
        write_u32(damaged, nodes.offset + 12, UINT32_MAX);
        test::check_load_error(damaged, "root table");
    }
    {  // a charsmap whose trie runs past its section
        std::string damaged = blob;
        write_u32(damaged, test::section(blob, "charsmap.0").offset, 1u << 30);
        test::check_load_error(damaged, "bad trie size");
    }
    {  // more scores than the vocabulary has ids
        std::string damaged = blob;
        const test::Section vocab = test::section(blob, "vocab.offsets");
        const uint64_t fewer = vocab.size - 4 * 100;
        std::memcpy(damaged.data() + vocab.entry + 24, &fewer, 8);
        test::check_load_error(damaged, "more pieces than the vocabulary");
    }
}
