// Fuzz target bodies; see fuzz_targets.h for the input layouts and the properties checked.
#include "fuzz/fuzz_targets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "batch/line_reader.h"
#include "batch/output_format.h"
#include "batch/record.h"
#include "pipeline/text_classifier.h"
#include "util/utf8_check.h"
#include "models/model_file.h"
#include "models/sequence_check.h"
#include "models/sequence_classifier.h"
#include "tokenizer/compiled.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json_depth.h"
#include "util/text_input.h"

namespace bertcls::fuzz {

namespace {

void check(bool ok, const std::string& what) {
    if (!ok) throw InvariantViolation(what);
}

std::string_view as_text(const uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// An anonymous in-memory file holding `bytes`, closed on destruction; path() names it for
// APIs that open files by name (/proc/self/fd/N).
class MemFile {
public:
    explicit MemFile(std::string_view bytes) : fd_(::memfd_create("bertcls-fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("memfd write: ") + std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
        ::lseek(fd_, 0, SEEK_SET);
    }
    ~MemFile() { ::close(fd_); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    int fd() const { return fd_; }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

// --- tokenizers ------------------------------------------------------------------------

struct NamedFiles {
    std::string name;
    TokenizerFiles files;
};

// Every tokenizers/* folder as it is, and again without tokenizer.json (the legacy builders).
const std::vector<NamedFiles>& tokenizer_file_sets() {
    static const std::vector<NamedFiles> sets = [] {
        std::vector<NamedFiles> out;
        for (const char* folder : {"bert-uncased", "bert-cased", "albert-spm", "xlmr-spm", "roberta-bpe"}) {
            TokenizerFiles files = read_tokenizer_dir(test_data_dir() / "tokenizers" / folder);
            if (files.empty()) throw std::runtime_error(std::string("no tokenizer files in tests/data/tokenizers/") + folder);
            out.push_back({folder, files});
            files.erase("tokenizer.json");
            out.push_back({std::string(folder) + "/legacy", std::move(files)});
        }
        return out;
    }();
    return sets;
}

struct BuiltTokenizer {
    std::string name;
    std::unique_ptr<Tokenizer> tokenizer;
};

const std::vector<BuiltTokenizer>& tokenizers() {
    static const std::vector<BuiltTokenizer> built = [] {
        std::vector<BuiltTokenizer> out;
        for (const auto& set : tokenizer_file_sets()) {
            try {
                out.push_back({set.name, make_tokenizer(set.files)});
            } catch (const InputError&) {
                // A folder whose legacy files alone do not make a tokenizer: the tokenizer.json
                // variant covers that family.
            }
        }
        if (out.empty()) throw std::runtime_error("no tokenizer could be built from tests/data/tokenizers");
        return out;
    }();
    return built;
}

bool valid_utf8(std::string_view s) { return !find_invalid_utf8(s).has_value(); }

bool same(const Encoding& a, const Encoding& b) {
    return a.tokens == b.tokens && a.input_ids == b.input_ids && a.token_type_ids == b.token_type_ids;
}

// Encodes and checks the properties of tokenizer_one; returns nullopt when the tokenizer
// refused the input with InputError/UsageError.
std::optional<Encoding> checked_encode(const Tokenizer& tokenizer, std::string_view text,
                                       std::optional<std::string_view> pair, const EncodeOptions& options) {
    Encoding e;
    try {
        e = tokenizer.encode(text, pair, options);
    } catch (const InputError& error) {
        // Only invalid UTF-8 and impossible truncation may fail.
        check(!(options.max_length == 0 && valid_utf8(text) && (!pair || valid_utf8(*pair))),
              std::string("valid UTF-8 without a length limit was refused: ") + error.what());
        return std::nullopt;
    } catch (const UsageError&) {
        check(options.max_length > 0, "UsageError without a length limit");
        return std::nullopt;
    }
    check(e.input_ids.size() == e.token_type_ids.size(), "input_ids and token_type_ids differ in length");
    check(!options.with_tokens || e.tokens.size() == e.input_ids.size(), "tokens and input_ids differ in length");
    check(options.with_tokens || e.tokens.empty(), "tokens filled although not asked for");
    for (const int32_t id : e.input_ids) check(id >= 0, "negative token id");
    for (const int32_t t : e.token_type_ids) check(t == 0 || t == 1, "token type id other than 0 or 1");
    if (options.max_length > 0 && options.truncation != Truncation::do_not_truncate)
        check(e.input_ids.size() <= options.max_length, "longer than max_length after truncation");
    // An empty pair counts as no pair (as transformers' `if text_pair`).
    if (options.max_length == 0)
        check(e.input_ids.size() >= tokenizer.num_special_tokens(pair && !pair->empty()), "fewer ids than special tokens");
    return e;
}

// --- batch records ---------------------------------------------------------------------

const ModelFile& bundled_model() {
    static const ModelFile model(std::filesystem::path(BERTCLS_SOURCE_MODEL_DIR) / "emotion-bert-L2-H128.bertcls");
    return model;
}

pipeline::TextClassifier& bundled_classifier() {
    static pipeline::TextClassifier classifier(
        std::make_shared<const ModelFile>(std::filesystem::path(BERTCLS_SOURCE_MODEL_DIR) / "emotion-bert-L2-H128.bertcls"), {});
    return classifier;
}

// The lines LineReader must produce: '\n'-separated, a last line without '\n' included.
std::vector<std::string_view> split_lines(std::string_view data) {
    std::vector<std::string_view> lines;
    std::size_t begin = 0;
    while (begin < data.size()) {
        const auto nl = data.find('\n', begin);
        if (nl == std::string_view::npos) {
            lines.push_back(data.substr(begin));
            break;
        }
        lines.push_back(data.substr(begin, nl - begin));
        begin = nl + 1;
    }
    return lines;
}

// --- model files -----------------------------------------------------------------------

// One forward pass of a model that loaded, when it is small enough to be quick. Ids cover both
// ends of the vocabulary and every token type.
void run_small_model(const std::shared_ptr<const ModelFile>& model) {
    const ModelConfig& c = model->config();
    if (c.num_layers > 8 || c.hidden_size > 512 || c.intermediate_size > 2048 || c.num_heads > 64) return;
    SequenceClassifier classifier(model);
    const auto length = static_cast<std::size_t>(std::min<int64_t>(c.max_length, 6));
    std::vector<int32_t> ids(length), types(length);
    const int64_t type_rows = std::max<int64_t>(c.type_vocab_size, 1);
    for (std::size_t i = 0; i < length; ++i) {
        ids[i] = static_cast<int32_t>(i % 2 ? c.vocab_size - 1 - static_cast<int64_t>(i) % c.vocab_size
                                            : static_cast<int64_t>(i) % c.vocab_size);
        types[i] = static_cast<int32_t>(static_cast<int64_t>(i) % type_rows);
    }
    const std::vector<int32_t> one_id{static_cast<int32_t>(c.pad_token_id)};
    const std::array<SequenceInput, 2> inputs{SequenceInput{ids, types}, SequenceInput{one_id, {}}};
    const ForwardResult result = classifier.forward(inputs);
    check(result.logits.size() == 2 * c.labels.size(), "forward returned the wrong number of logits");
}

}  // namespace

std::filesystem::path test_data_dir() { return BERTCLS_TEST_DATA_DIR; }

int tokenizer_one(const uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const auto& all = tokenizers();
    const Tokenizer& tokenizer = *all[data[0] % all.size()].tokenizer;
    const uint8_t flags = data[1];
    EncodeOptions options;
    options.max_length = data[2];
    options.truncation = static_cast<Truncation>((flags >> 1) & 3);
    options.with_tokens = !(flags & 8);
    std::string_view text = as_text(data + 3, size - 3);
    std::optional<std::string_view> pair;
    if (flags & 1) {
        const auto split = text.find('\xff');
        pair = split == std::string_view::npos ? std::string_view() : text.substr(split + 1);
        text = text.substr(0, std::min(split, text.size()));
    }
    const auto first = checked_encode(tokenizer, text, pair, options);
    const auto second = checked_encode(tokenizer, text, pair, options);
    check(first.has_value() == second.has_value() && (!first || same(*first, *second)),
          "encoding the same input twice gave different results");
    // The same text without a limit must contain the truncated ids' special-token frame.
    if (first && options.max_length > 0 && options.truncation != Truncation::do_not_truncate) {
        EncodeOptions unlimited = options;
        unlimited.max_length = 0;
        const auto full = checked_encode(tokenizer, text, pair, unlimited);
        check(full.has_value(), "text encodes with a limit but not without");
        check(full->input_ids.size() >= first->input_ids.size(), "truncation made the encoding longer");
        if (full->input_ids.size() <= options.max_length)
            check(same(*full, *first), "an encoding within the limit changed when the limit was set");
    }
    return 0;
}

namespace {

const std::string_view kTexts[] = {
    "",
    "Hello, world! The quick brown fox.",
    "  Ünïcödé  naïve café 日本語のテキスト 🙂👍🏽 e\xcc\x81 \t\r\n",
    "[CLS] [SEP] [MASK] <s> </s> <unk> <pad> [UNK]",
    "unbelievably-long-hyphenated_word_with_digits_1234567890",
};

// A tokenizer must encode the fixed texts, alone, as a pair and truncated, or refuse with InputError / UsageError.
void check_encodes(const Tokenizer& tokenizer) {
    for (const auto text : kTexts)
        for (const std::size_t max_length : {std::size_t{0}, std::size_t{8}}) {
            EncodeOptions options;
            options.max_length = max_length;
            try {
                const Encoding e = tokenizer.encode(text, std::nullopt, options);
                check(e.input_ids.size() == e.token_type_ids.size(), "input_ids and token_type_ids differ in length");
                check(e.tokens.size() == e.input_ids.size(), "tokens and input_ids differ in length");
                if (max_length) check(e.input_ids.size() <= max_length, "longer than max_length after truncation");
                tokenizer.encode(text, text, options);
            } catch (const InputError&) {
            } catch (const UsageError&) {
            }
        }
}

// ids, types and tokens of `text` and of the pair (text, text) truncated to 8, or the error message.
std::string encode_or_error(const Tokenizer& tokenizer, std::string_view text) {
    try {
        const Encoding e = tokenizer.encode(text);
        const Encoding p = tokenizer.encode(text, text, {.max_length = 8});
        return nlohmann::json{e.input_ids, e.token_type_ids, e.tokens, p.input_ids, p.token_type_ids}.dump();
    } catch (const std::exception& e) {
        return e.what();
    }
}

}  // namespace

int tokenizer_files_one(const uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const auto& sets = tokenizer_file_sets();
    // Sets alternate: folder as it is, folder without tokenizer.json.
    const NamedFiles& base = sets[data[0] % sets.size()];
    TokenizerFiles files = base.files;
    const std::size_t which = data[1] % files.size();
    auto it = std::next(files.begin(), static_cast<std::ptrdiff_t>(which));
    it->second.assign(reinterpret_cast<const char*>(data + 2), size - 2);

    std::unique_ptr<Tokenizer> tokenizer;
    try {
        tokenizer = make_tokenizer(files);
    } catch (const InputError&) {
        return 0;
    }
    check(tokenizer != nullptr, "make_tokenizer returned null");
    check_encodes(*tokenizer);
    // The compiled form of what loads (WordPiece, BPE) must encode the same.
    if (const auto blob = compile_tokenizer(files)) {
        auto owner = std::make_shared<const std::string>(*blob);
        const auto loaded = load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner);
        check(loaded != nullptr, "a fresh compiled tokenizer has another version");
        for (const auto text : kTexts) {
            const auto a = encode_or_error(*tokenizer, text), b = encode_or_error(*loaded, text);
            check(a == b, "the compiled tokenizer encodes \"" + std::string(text) + "\" differently");
        }
    }
    return 0;
}

int jsonl_one(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const uint8_t flags = data[0];
    static constexpr std::size_t kMaxBytes[] = {std::size_t{16} << 20, 1, 17, 300};
    const std::size_t max_line_bytes = kMaxBytes[flags & 3];
    batch::RecordFields fields;
    if (flags & 4) fields.pair = "pair";
    if (flags & 8) fields.id = "id";
    if (flags & 16) fields.output = "text";
    const std::string_view input = as_text(data + 1, size - 1);

    const std::vector<std::string_view> expected = split_lines(input);
    MemFile file(input);
    batch::LineReader reader(file.fd(), max_line_bytes);
    batch::Line line;
    std::size_t count = 0;
    while (reader.next(line)) {
        check(count < expected.size(), "LineReader returned more lines than the input has");
        const std::string_view want = expected[count++];
        check(line.number == count, "line numbers are not consecutive");
        check(line.bytes == want.size(), "line size differs from the input's");
        check(line.too_long == (want.size() > max_line_bytes), "too_long does not match the limit");
        if (line.too_long) {
            check(line.text.empty(), "an over-long line was stored");
            continue;
        }
        // Line 1 loses a UTF-8 byte order mark; its size still counts it.
        check(line.text == (count == 1 ? want.substr(utf8_bom_size(want)) : want), "line text differs from the input's");

        const batch::Record record = batch::parse_record(line.text, fields);
        if (!record.error.empty()) {
            const std::string error = batch::error_json(record.error, line.number, record.id);
            const auto parsed = nlohmann::json::parse(error, nullptr, false);
            check(parsed.is_object() && parsed["line"] == line.number, "error_json is not the expected object");
            check(batch::is_error_json(error), "is_error_json does not recognise an error record");
            continue;
        }
        // The record is a JSON object without the output field: adding it keeps every field.
        const std::string out = batch::add_field(line.text, fields.output, "{\"label\":\"x\",\"score\":0.5}");
        auto before = nlohmann::json::parse(line.text, nullptr, false);
        auto after = nlohmann::json::parse(out, nullptr, false);
        check(before.is_object(), "parse_record accepted a line that is not a JSON object");
        check(after.is_object(), "add_field output is not a JSON object: " + out);
        check(after.contains(fields.output) && after[fields.output]["label"] == "x", "add_field lost the new field");
        after.erase(fields.output);
        // (operator== recurses: compare only lines of sane depth; any depth is still parsed)
        if (json_text_depth(line.text) <= kMaxJsonDepth) check(after == before, "add_field changed the input's fields");
        check(!batch::is_error_json(out), "a prediction line passes for an error record");

        pipeline::TextInput input{.text = record.text, .pair = record.has_pair ? std::optional<std::string_view>(record.pair) : std::nullopt};
        if (record.pretokenized) input = {.input_ids = std::span(record.input_ids), .token_type_ids = record.token_type_ids};
        const auto encoded = bundled_classifier().encode(std::span(&input, 1), pipeline::LongTextStrategy::truncate);
        if (encoded[0].error.empty())
            for (const Encoding& window : encoded[0].document.chunks)
                check(check_sequence(bundled_model().config(), window.input_ids, window.token_type_ids,
                                     static_cast<int64_t>(bundled_classifier().max_length()))
                          .empty(),
                      "the encoder produced ids the model refuses");
    }
    check(count == expected.size(), "LineReader lost lines");
    check(reader.bytes_consumed() == input.size(), "LineReader did not consume the whole input");
    return 0;
}

int model_file_one(const uint8_t* data, std::size_t size) {
    MemFile file(as_text(data, size));
    std::shared_ptr<const ModelFile> model;
    try {
        model = std::make_shared<const ModelFile>(file.path());
    } catch (const InputError&) {
        return 0;
    }
    if (model->has_tokenizer()) {
        try {
            const auto tokenizer = model->make_tokenizer("fuzz");  // the compiled tokenizer when the file has one
            const auto e = tokenizer->encode("Hello world, this is a test.", std::nullopt,
                                             {.max_length = static_cast<std::size_t>(model->config().max_length)});
            // What batch does with the ids: check them against the model before running it.
            (void)check_sequence(model->config(), e.input_ids, e.token_type_ids, model->config().max_length);
        } catch (const InputError&) {
        } catch (const UsageError&) {
        }
    }
    try {
        run_small_model(model);
    } catch (const InputError&) {
    }
    return 0;
}

int compiled_tokenizer_one(const uint8_t* data, std::size_t size) {
    auto owner = std::make_shared<const std::string>(as_text(data, size));  // 8-byte aligned, as in a model file
    std::unique_ptr<Tokenizer> tokenizer;
    try {
        tokenizer = load_compiled_tokenizer(std::as_bytes(std::span(owner->data(), owner->size())), owner);
    } catch (const InputError&) {
        return 0;
    }
    if (tokenizer) check_encodes(*tokenizer);
    return 0;
}

const std::vector<Target>& targets() {
    static const std::vector<Target> all = {
        {"tokenizer", tokenizer_one},
        {"tokenizer_files", tokenizer_files_one},
        {"jsonl", jsonl_one},
        {"model_file", model_file_one},
        {"compiled_tokenizer", compiled_tokenizer_one},
    };
    return all;
}

}  // namespace bertcls::fuzz
