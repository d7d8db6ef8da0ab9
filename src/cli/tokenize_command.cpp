// `bertcls tokenize`: the ids a model would see, as JSON, for one text (or pair) or a JSONL file.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "models/model_file.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/same_file.h"
#include "util/text_input.h"
#include "util/whole_input.h"

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

// Tokenizes every line of a JSONL file; a bad line becomes {"error", "line"} in its place, a
// blank line an empty line.
// Returns the number of bad lines.
std::size_t tokenize_jsonl(const Tokenizer& tokenizer, const EncodeOptions& options, const TokenizeOptions& o,
                           std::ostream& out) {
    const std::string content = read_whole_input(o.input);
    std::size_t failed = 0;
    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos < content.size()) {
        std::size_t end = content.find('\n', pos);
        if (end == std::string::npos) end = content.size();
        std::string_view line(content.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = end + 1;
        ++line_number;
        if (is_blank_line(line)) {  // no record: an empty line keeps the output aligned, as in batch
            out << '\n';
            continue;
        }
        try {
            nlohmann::json record;
            try {
                record = nlohmann::json::parse(line);
            } catch (const nlohmann::json::exception&) {
                throw InputError("not a JSON object");
            }
            if (!record.is_object()) throw InputError("not a JSON object");
            const auto text_it = record.find(o.text_field);
            if (text_it == record.end() || !text_it->is_string())
                throw InputError("no string field \"" + o.text_field + "\"");
            std::optional<std::string> pair;
            if (const auto pair_it = record.find(o.pair_field); pair_it != record.end() && !pair_it->is_null()) {
                if (!pair_it->is_string()) throw InputError("field \"" + o.pair_field + "\" is not a string");
                pair = pair_it->get<std::string>();
            }
            const std::string text = text_it->get<std::string>();
            const Encoding e = tokenizer.encode(text, pair ? std::optional<std::string_view>(*pair) : std::nullopt,
                                                options);
            out << dump(to_json(e)) << '\n';
        } catch (const InputError& e) {
            ++failed;
            nlohmann::ordered_json error;
            error["error"] = e.what();
            error["line"] = line_number;
            out << dump(error) << '\n';
        }
    }
    return failed;
}

void run_tokenize(const TokenizeOptions& o) {
    if (!o.model_path.empty() && !o.tokenizer_dir.empty()) throw UsageError("give -m MODEL or --tokenizer DIR, not both");
    if (o.text && !o.input.empty()) throw UsageError("give TEXT or -i FILE, not both");
    if (!o.text && o.input.empty()) throw UsageError("give a TEXT to tokenize, or -i FILE.jsonl");
    if (o.pair && !o.input.empty()) throw UsageError("--pair is for a single TEXT; in -i mode use --pair-field");
    if (!o.input.empty()) refuse_output_over_input(o.input, o.output);

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
    std::size_t failed = 0;
    if (o.output == "-") {
        failed = tokenize_jsonl(*tokenizer, options, o, std::cout);
        std::cout.flush();
    } else {
        std::ofstream out(o.output, std::ios::binary);
        if (!out) throw InputError(o.output + ": cannot open for writing");
        failed = tokenize_jsonl(*tokenizer, options, o, out);
        out.close();
        if (!out) throw InputError(o.output + ": write error");
    }
    if (failed > 0)
        throw InputError(std::to_string(failed) + " input line(s) could not be tokenized; their records hold \"error\"");
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
    cmd->footer(
        "Output: {\"tokens\": [...], \"input_ids\": [...], \"token_type_ids\": [...]}, one line per text.\n"
        "Examples:\n"
        "  bertcls tokenize \"Hello, world!\"\n"
        "  bertcls tokenize --tokenizer ./bert-base-uncased --pair \"Is it?\" \"It is.\"\n"
        "  bertcls tokenize -m model.bertcls --max-length 16 --truncation only_first \"a long text ...\"\n"
        "  bertcls tokenize -m model.bertcls -i texts.jsonl -o ids.jsonl --text-field sentence\n"
        "In -i mode a line that cannot be tokenized gets {\"error\": ..., \"line\": N} in its place; -o must not be\n"
        "the input file, and a UTF-8 byte order mark at the start of the input is ignored.\n"
        "Invalid UTF-8 is an error (its byte offset is reported), never silently replaced.");
    cmd->callback([options] { run_tokenize(*options); });
}

}  // namespace bertcls::cli
