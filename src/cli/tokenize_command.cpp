// `bertcls tokenize`: the ids a model would see, as JSON, for one text (or pair) or a JSONL file.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "batch/batch_job.h"
#include "batch/input_check.h"
#include "batch/line_reader.h"
#include "batch/output_format.h"
#include "batch/record.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "models/model_file.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/input_file.h"
#include "util/same_file.h"
#include "util/text_input.h"

namespace bertcls::cli {

namespace {

struct TokenizeOptions {
    std::string model_path;
    std::string tokenizer_dir;
    std::optional<std::string> text;
    std::optional<std::string> pair;
    std::optional<std::size_t> max_length;
    std::string truncation = "longest_first";
    std::string input;
    std::string output = "-";
    std::string text_field = "text";
    std::string pair_field = "text_pair";
    std::size_t max_record_bytes = batch::BatchJobOptions{}.max_record_bytes;
};

nlohmann::ordered_json to_json(const Encoding& e) {
    nlohmann::ordered_json j;
    j["tokens"] = e.tokens;
    j["input_ids"] = e.input_ids;
    j["token_type_ids"] = e.token_type_ids;
    return j;
}

std::string dump(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Input lines tokenized at a time: output streams, a big file is never held whole.
constexpr std::size_t kWindowLines = 4096;

// The output line of one input line: its encoding, or an error record ({"error", "line"}, with
// the same messages as `bertcls batch`, from the same record parser); "" for a blank line.
struct OutputLine {
    std::string text;
    bool failed = false;
};

OutputLine tokenize_line(const Tokenizer& tokenizer, const EncodeOptions& options, const batch::Line& line,
                         const batch::RecordFields& fields, std::size_t max_record_bytes) {
    std::string error;
    if (line.too_long) {
        error = batch::too_long_message(line, max_record_bytes);
    } else if (is_blank_line(line.text)) {
        return {};  // no record: an empty line keeps the output aligned
    } else {
        const batch::Record r = batch::parse_record(line.text, fields);
        error = r.error;
        if (error.empty() && r.pretokenized) error = "tokenize needs text, not input_ids";
        if (error.empty()) try {
                const auto pair = r.has_pair ? std::optional<std::string_view>(r.pair) : std::nullopt;
                return {dump(to_json(tokenizer.encode(r.text, pair, options)))};
            } catch (const InputError& e) {
                error = e.what();
            }
    }
    return {batch::error_json(error, line.number, nullptr), true};
}

struct LineCounts {
    std::size_t records = 0, failed = 0;  // records: non-blank lines
};

// Tokenizes every line of the -i file into -o, one output line per input line. Throws
// InputError before -o is opened when the first records show that the file is not JSONL or has
// no --text-field (as batch does).
LineCounts tokenize_jsonl(const Tokenizer& tokenizer, const EncodeOptions& options, const TokenizeOptions& o) {
    const InputFile input(o.input);
    const batch::RecordFields fields{.text = o.text_field, .pair = o.pair_field, .optional_pair = true, .output = ""};
    batch::LineReader reader(input.fd(), o.max_record_bytes);
    std::vector<batch::Line> window;
    const auto read_window = [&] {
        window.clear();
        batch::Line line;
        while (window.size() < kWindowLines && reader.next(line)) window.push_back(std::move(line));
    };
    read_window();
    batch::check_first_records(window, fields, input.name(), "tokenize -i");
    std::ofstream file;
    if (o.output != "-") {
        file.open(o.output, std::ios::binary);
        if (!file) throw InputError(o.output + ": cannot open for writing");
    }
    std::ostream& out = o.output == "-" ? std::cout : file;
    LineCounts counts;
    for (; !window.empty(); read_window())
        for (const batch::Line& line : window) {
            const OutputLine output = tokenize_line(tokenizer, options, line, fields, o.max_record_bytes);
            out << output.text << '\n';
            counts.records += !output.text.empty();
            counts.failed += output.failed;
        }
    out.flush();
    if (file.is_open()) {
        file.close();
        if (!file) throw InputError(o.output + ": write error");
    }
    return counts;
}

void run_tokenize(const TokenizeOptions& o) {
    if (!o.model_path.empty() && !o.tokenizer_dir.empty()) throw UsageError("give -m MODEL or --tokenizer DIR, not both");
    if (o.text && !o.input.empty()) throw UsageError("give TEXT or -i FILE, not both");
    if (!o.text && o.input.empty()) throw UsageError("give a TEXT to tokenize, or -i FILE.jsonl");
    if (o.pair && !o.input.empty()) throw UsageError("--pair is for a single TEXT; in -i mode use --pair-field");
    if (!o.input.empty()) {
        refuse_output_over_input(o.input, o.output);
        if (o.input != "-") reject_directory(o.input);
    }

    EncodeOptions options;
    options.truncation = parse_truncation(o.truncation);
    std::unique_ptr<Tokenizer> tokenizer;
    if (!o.tokenizer_dir.empty()) {
        tokenizer = make_tokenizer(read_tokenizer_dir(o.tokenizer_dir));
    } else {
        const ModelFile model(resolve_model_path(o.model_path));
        tokenizer = model.make_tokenizer(kNeedsInputIds);
        options.max_length = static_cast<std::size_t>(model.config().max_length);
    }
    if (o.max_length) options.max_length = *o.max_length;

    if (o.text) {
        const Encoding e = tokenizer->encode(*o.text, o.pair ? std::optional<std::string_view>(*o.pair) : std::nullopt,
                                             options);
        std::cout << dump(to_json(e)) << '\n';
        return;
    }
    const LineCounts counts = tokenize_jsonl(*tokenizer, options, o);
    if (counts.failed > 0)
        throw RecordsFailed(std::to_string(counts.failed) + " of " + std::to_string(counts.records) +
                            " records failed; their lines in the output are {\"error\", \"line\"} records");
}

}  // namespace

void register_tokenize_command(CLI::App& app) {
    auto options = std::make_shared<TokenizeOptions>();
    CLI::App* cmd = app.add_subcommand("tokenize", "Show the token ids a text becomes (JSON), or tokenize a JSONL file");
    add_model_option(cmd, options->model_path);
    cmd->add_option("--tokenizer", options->tokenizer_dir,
                    "Hugging Face tokenizer folder (tokenizer.json, or vocab.txt + tokenizer_config.json) instead of a model");
    cmd->add_option("text", options->text, "Text to tokenize");
    cmd->add_option("--pair", options->pair, "Second text of a sentence pair");
    cmd->add_option("--max-length", options->max_length,
                    "Maximum length with special tokens; 0 = none (default: the model's limit, none with --tokenizer)");
    cmd->add_option("--truncation", options->truncation,
                    "longest_first, only_first, only_second or do_not_truncate")
        ->capture_default_str();
    cmd->add_option("-i,--input", options->input, "JSONL input, one object a line ('-' for stdin)");
    cmd->add_option("-o,--output", options->output, "JSONL output for -i ('-' for stdout)")->capture_default_str();
    cmd->add_option("--text-field", options->text_field, "Field holding the text in -i mode")->capture_default_str();
    cmd->add_option("--pair-field", options->pair_field, "Field holding the optional second text in -i mode")
        ->capture_default_str();
    cmd->add_option("--max-record-bytes", options->max_record_bytes, "In -i mode, longer input lines become error records")
        ->capture_default_str();
    cmd->footer(
        "Output: {\"tokens\": [...], \"input_ids\": [...], \"token_type_ids\": [...]}, one line per text.\n"
        "Examples:\n"
        "  bertcls tokenize \"Hello, world!\"\n"
        "  bertcls tokenize --tokenizer ./bert-base-uncased --pair \"Is it?\" \"It is.\"\n"
        "  bertcls tokenize -m model.bertcls --max-length 16 --truncation only_first \"a long text ...\"\n"
        "  bertcls tokenize -m model.bertcls -i texts.jsonl -o ids.jsonl --text-field sentence\n"
        "In -i mode a line that cannot be tokenized gets {\"error\": ..., \"line\": N} in its place (exit code 3 at the\n"
        "end), as in bertcls batch; a file whose first records are no JSON objects, or lack --text-field, is one\n"
        "error (exit code 2). -o must not be the input file, and a UTF-8 byte order mark at the start of the input\n"
        "is ignored.\n"
        "Invalid UTF-8 is an error (its byte offset is reported), never silently replaced.");
    cmd->callback([options] { run_tokenize(*options); });
}

}  // namespace bertcls::cli
