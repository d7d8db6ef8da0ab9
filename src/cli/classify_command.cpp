// `bertcls classify`: labels for texts given on the command line, in a file, or on stdin; a
// whole file as one document (long texts chunked) or one result per line (--lines).

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "batch/line_reader.h"
#include "pipeline/text_classifier.h"
#include "batch/output_format.h"
#include "util/utf8_check.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "models/model_file.h"
#include "models/prediction.h"
#include "util/error.h"
#include "util/input_file.h"
#include "util/resources.h"
#include "util/text_input.h"
#include "util/tsv_escape.h"
#include "util/whole_input.h"

namespace bertcls::cli {

namespace {

using pipeline::LongTextStrategy;

struct ClassifyOptions {
    std::string model_path, dtype;
    std::vector<std::string> texts;
    std::string file;
    bool lines = false;
    std::string pair;
    IdOptions ids;
    std::string format = "text";
    std::string long_text;  // empty: chunk for a whole document (-f, stdin), truncate otherwise
    std::size_t stride = 0;
    int64_t max_length = 0;
    std::optional<float> threshold;  // unset: 0.5 for multi-label models
    std::string function_to_apply;   // empty: the model's rule
    std::string top_k;               // empty: the best label (multi-label: those at the threshold)
    std::string on_error = "skip";
    int threads = 0;
    bool timing = false;
    std::size_t max_text_bytes = std::size_t{64} << 20;
};

// One text to classify and what became of it.
struct Document {
    std::string text;
    std::string source;  // for messages: "argument 2", "review.txt", "stdin"
    uint64_t line = 0;   // --lines: the line number
    std::string error;   // non-empty: the text could not be classified
    bool empty = false;  // no tokens (empty or only whitespace): nothing was classified
    pipeline::DocumentEncoding encoding;
    Prediction prediction;
};

constexpr std::size_t kLinesWindow = 1024;
constexpr std::size_t kLinesWindowBytes = std::size_t{64} << 20;  // bounds memory with long lines

std::string too_long(std::size_t bytes, std::size_t max_bytes) {
    return "text has " + std::to_string(bytes) + " bytes, more than --max-text-bytes " + std::to_string(max_bytes);
}

class Classifier {
public:
    Classifier(const ClassifyOptions& o, std::shared_ptr<const ModelFile> model)
        : o_(o),
          classifier_(model, {.compute = requested_dtype(o.dtype),
                              .max_length = o.max_length,
                              .stride = o.stride,
                              .classify_empty = false,
                              .function_to_apply = o.function_to_apply.empty()
                                                       ? std::nullopt
                                                       : std::optional(parse_function_to_apply(o.function_to_apply))}) {
        report_compute_choice(classifier_.compute_choice());
        fields_.all_scores = fields_.logits = true;
        fields_.threshold = batch::label_threshold(config(), o.threshold);
        if (!o.top_k.empty()) fields_.top_k = batch::parse_top_k(o.top_k);
        if (!o.ids.given()) model->require_tokenizer(kNeedsInputIds);
    }

    const ModelConfig& config() const { return classifier_.config(); }
    // Set for multi-label models: their answer is every label scoring at least this.
    std::optional<float> threshold() const { return fields_.threshold; }
    std::optional<std::size_t> top_k() const { return fields_.top_k; }

    // Tokenizes (in parallel) and classifies the documents; a bad text gets `error` set, an
    // empty one `empty`.
    void classify(std::vector<Document>& docs, LongTextStrategy strategy) {
        const std::optional<std::string_view> pair =
            o_.pair.empty() ? std::nullopt : std::optional<std::string_view>(o_.pair);
        std::vector<pipeline::TextInput> inputs;
        std::vector<std::size_t> doc_of_input;
        for (std::size_t i = 0; i < docs.size(); ++i)
            if (docs[i].error.empty()) {
                inputs.push_back({.text = docs[i].text, .pair = pair});
                doc_of_input.push_back(i);
            }
        std::vector<pipeline::EncodedText> encoded;
        std::vector<Prediction> predictions = classifier_.classify(inputs, strategy, &encoded);
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            Document& d = docs[doc_of_input[k]];
            d.error = std::move(encoded[k].error);
            d.empty = encoded[k].empty;
            d.encoding = std::move(encoded[k].document);
            d.prediction = std::move(predictions[k]);
        }
    }

    Prediction classify_ids(const std::vector<int32_t>& ids, const std::vector<int32_t>& types) {
        const pipeline::TextInput input{.input_ids = std::span(ids), .token_type_ids = types};
        std::vector<pipeline::EncodedText> encoded;
        std::vector<Prediction> predictions = classifier_.classify(std::span(&input, 1), LongTextStrategy::truncate, &encoded);
        if (!encoded[0].error.empty()) throw InputError("--input-ids: " + encoded[0].error);
        return std::move(predictions[0]);
    }

    std::string prediction_json(const Prediction& p) const { return batch::prediction_json(p, fields_); }
    StageTimes times(double load_ms) const { return {load_ms, classifier_.tokenize_ms, classifier_.forward_ms}; }

private:
    const ClassifyOptions& o_;
    pipeline::TextClassifier classifier_;
    batch::PredictionFields fields_;
};

// Where -f FILE or stdin text comes from, for messages.
std::string input_name(const ClassifyOptions& o) { return o.file.empty() || o.file == "-" ? "stdin" : o.file; }

// A multi-label TSV cell: the chosen labels joined by commas, a comma inside a name written \,
// so that the list splits back unambiguously.
std::string label_list_cell(const std::vector<LabelScore>& chosen) {
    std::string cell;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        if (i) cell += ',';
        for (const char ch : tsv_escape(chosen[i].label)) cell += ch == ',' ? std::string("\\,") : std::string(1, ch);
    }
    return cell;
}

// Text: one row per text, `label<TAB>score` (multi-label: a pair per label at or above the
// threshold). TSV: a header, then the label (multi-label: the list), the score, every label's
// score and an error cell. JSON: one object per text. With --lines, a row per line: a blank line
// gets an empty row; a bad line an error (TSV: empty cells and the error; text: an empty row and
// the message on stderr).
class Printer {
public:
    Printer(const ClassifyOptions& o, const Classifier& c) : o_(o), classifier_(c) {}

    void print(const Document& d) {
        if (!d.error.empty()) return print_error(d);
        if (d.empty) {
            header();
            std::cout << (o_.format == "tsv" ? std::string(columns() - 1, '\t') : "") << '\n';
            return;
        }
        std::string json_extra;
        if (!o_.ids.given()) {
            const auto& e = d.encoding;
            json_extra = e.applied == LongTextStrategy::chunk
                             ? "{\"strategy\":\"chunk\",\"chunks\":" + std::to_string(e.chunks.size())
                             : std::string("{\"strategy\":\"truncate\",\"truncated\":") + (e.truncated ? "true" : "false");
            json_extra += ",\"tokens\":" + std::to_string(e.tokens) + '}';
        }
        print(d.prediction, json_extra);
    }

    void print(const Prediction& p, const std::string& long_text_json) {
        if (o_.format == "json") {
            std::string out = classifier_.prediction_json(p);
            if (!long_text_json.empty()) out = batch::add_field(out, "long_text", long_text_json);
            std::cout << out << '\n';
            return;
        }
        header();
        const auto threshold = classifier_.threshold();
        std::vector<LabelScore> chosen = threshold ? labels_at_least(p, *threshold) : std::vector{p.best()};
        if (const auto k = classifier_.top_k())
            chosen.assign(p.ranked.begin(), p.ranked.begin() + static_cast<std::ptrdiff_t>(std::min(*k, p.ranked.size())));
        if (o_.format == "text") {
            for (std::size_t i = 0; i < chosen.size(); ++i)
                std::cout << (i ? "\t" : "") << tsv_escape(chosen[i].label) << '\t' << chosen[i].score;
            std::cout << '\n';
            return;
        }
        if (threshold) std::cout << label_list_cell(chosen);
        else std::cout << tsv_escape(p.best().label) << '\t' << batch::format_float(p.best().score);
        for (const float s : p.scores) std::cout << '\t' << batch::format_float(s);
        std::cout << "\t\n";  // the empty error cell
    }

private:
    // TSV columns: label and score (multi-label: labels), one per label, error.
    std::size_t columns() const { return (classifier_.threshold() ? 1 : 2) + classifier_.config().labels.size() + 1; }

    void header() {
        if (o_.format != "tsv" || header_done_) return;
        header_done_ = true;
        std::cout << (classifier_.threshold() ? "labels" : "label\tscore");
        for (const auto& label : classifier_.config().labels) std::cout << '\t' << tsv_escape(label);
        std::cout << "\terror\n";
    }

    void print_error(const Document& d) {
        if (o_.format == "json") {
            std::cout << batch::error_json(d.error, d.line, nullptr) << '\n';
        } else if (o_.format == "tsv") {
            header();
            std::cout << std::string(columns() - 1, '\t') << tsv_escape(d.error) << '\n';
        } else {
            std::cout << '\n';
            std::cerr << input_name(o_) << ": line " << d.line << ": " << tsv_escape(d.error) << '\n';
        }
    }

    const ClassifyOptions& o_;
    const Classifier& classifier_;
    bool header_done_ = false;
};

// --lines: one result per input line, streamed in windows so big files use little memory.
// Returns the number of lines that failed.
uint64_t classify_lines(const ClassifyOptions& o, Classifier& classifier, Printer& printer, LongTextStrategy strategy) {
    const InputFile input(o.file.empty() ? "-" : o.file);
    batch::LineReader reader(input.fd(), o.max_text_bytes);
    batch::Line line;
    uint64_t failed = 0;
    for (bool more = true; more;) {
        std::vector<Document> docs;
        std::size_t window_bytes = 0;
        while (docs.size() < kLinesWindow && window_bytes < kLinesWindowBytes && (more = reader.next(line))) {
            Document d;
            d.line = line.number;
            window_bytes += line.text.size();
            if (line.too_long) d.error = "line " + too_long(line.bytes, o.max_text_bytes).substr(5);
            else if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();  // CRLF files
            d.text = std::move(line.text);
            docs.push_back(std::move(d));
        }
        classifier.classify(docs, strategy);
        for (const auto& d : docs) {
            if (!d.error.empty()) {
                if (o.on_error == "fail") {
                    std::cout.flush();
                    throw InputError(input_name(o) + ": line " +
                                     std::to_string(d.line) + ": " + d.error);
                }
                ++failed;
            }
            printer.print(d);
        }
        flush_stdout();
    }
    return failed;
}

void check_options(const ClassifyOptions& o) {
    if (o.format != "text" && o.format != "tsv" && o.format != "json") throw UsageError("--format must be text, tsv or json");
    if (!o.long_text.empty() && o.long_text != "chunk" && o.long_text != "truncate")
        throw UsageError("--long-text must be chunk or truncate");
    if (o.on_error != "skip" && o.on_error != "fail") throw UsageError("--on-error must be skip or fail");
    const int sources = !o.texts.empty() + !o.file.empty() + o.ids.given();
    if (sources > 1) throw UsageError("give texts, -f FILE or --input-ids, not several");
    if (o.lines && (!o.texts.empty() || o.ids.given())) throw UsageError("--lines reads -f FILE or stdin");
    if (o.ids.given() && !o.pair.empty()) throw UsageError("--pair needs text input, not --input-ids");
    if (o.max_length < 0) throw UsageError("--max-length must be positive");
    if (o.max_text_bytes == 0) throw UsageError("--max-text-bytes must be at least 1");
    if (!o.function_to_apply.empty()) parse_function_to_apply(o.function_to_apply);
    if (!o.top_k.empty()) {
        batch::parse_top_k(o.top_k);
        if (o.format == "tsv") throw UsageError("--top-k applies to text and json output (tsv has every label's score)");
    }
}

void run_classify(const ClassifyOptions& o) {
    check_options(o);
    use_threads(o.threads);
    if (!o.file.empty() && o.file != "-") reject_directory(o.file);
    // Ids first: a malformed or empty list is the same mistake whatever the model.
    const IdInput ids = parse_id_options(o.ids);
    if (!o.ids.given() && o.texts.empty() && (o.file.empty() || o.file == "-"))
        note_terminal_stdin("classify", "text", "pass TEXT, -f FILE");
    if (o.texts.size() == 1) note_text_names_file(o.texts[0], "classify");

    Stopwatch total;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model_path));
    Classifier classifier(o, model);
    Printer printer(o, classifier);
    const double load_ms = total.elapsed_ms();

    // A whole document (-f, stdin) is chunked by default; short texts and lines are truncated.
    const bool whole_document = !o.lines && o.texts.empty();
    const LongTextStrategy strategy =
        (o.long_text.empty() ? whole_document : o.long_text == "chunk") ? LongTextStrategy::chunk : LongTextStrategy::truncate;

    uint64_t failed = 0;
    if (o.ids.given()) {
        printer.print(classifier.classify_ids(ids.input_ids, ids.token_type_ids), "");
    } else if (o.lines) {
        failed = classify_lines(o, classifier, printer, strategy);
    } else {
        std::vector<Document> docs;
        if (whole_document) {
            docs.push_back({.text = read_whole_input(o.file.empty() ? "-" : o.file, o.max_text_bytes, "--max-text-bytes"), .source = input_name(o)});
        } else {
            for (std::size_t i = 0; i < o.texts.size(); ++i) {
                docs.push_back({.text = o.texts[i], .source = "argument " + std::to_string(i + 1)});
                if (o.texts[i].size() > o.max_text_bytes) docs.back().error = too_long(o.texts[i].size(), o.max_text_bytes);
            }
        }
        classifier.classify(docs, strategy);
        // An empty text most likely comes from a failed upstream step: say so rather than
        // print a label the model gives to nothing.
        for (const auto& d : docs)
            if (!d.error.empty() || d.empty)
                throw InputError(d.source + ": " + (d.empty ? "nothing to classify (the text is empty or only whitespace)" : d.error));
        for (const auto& d : docs) printer.print(d);
    }
    flush_stdout();
    if (o.timing) print_timing(classifier.times(load_ms), total);
    if (failed > 0)
        throw RecordsFailed(std::to_string(failed) + (failed == 1 ? " line" : " lines") + " failed" +
                            (o.format == "text" ? " (each reported above; an empty row in its place)" : " (error rows in the output)"));
}

}  // namespace

void register_classify_command(CLI::App& app) {
    auto options = std::make_shared<ClassifyOptions>();
    CLI::App* cmd = app.add_subcommand("classify", "Classify texts (arguments, -f FILE, or stdin)");
    add_model_option(cmd, options->model_path);
    add_dtype_option(cmd, options->dtype);
    cmd->add_option("texts", options->texts, "Texts to classify, one result per text, in order");
    cmd->add_option("-f,--file", options->file, "Classify the whole content of FILE as one text (- for stdin)");
    cmd->add_flag("--lines", options->lines, "Classify each line of -f FILE (or stdin) separately, one result per line (a blank line: an empty row)");
    cmd->add_option("--pair", options->pair, "Second text of a sentence pair (for every text)");
    add_id_options(cmd, options->ids);
    cmd->add_option("--format", options->format, "Output: text (label<TAB>score), tsv (a header, then label, score, every label's score and error) or json")
        ->capture_default_str();
    cmd->add_option("--long-text", options->long_text,
                    "Texts over the length limit: chunk (average over overlapping windows; default for a whole "
                    "file or stdin) or truncate (keep the first tokens; default otherwise)");
    cmd->add_option("--stride", options->stride, "With chunk: tokens shared by consecutive windows (default: a quarter of a window)");
    cmd->add_option("--max-length", options->max_length, "Token limit per text or window (default: the model's)");
    cmd->add_option("--threshold", options->threshold, "Multi-label models only: the answer is every label scoring at least this, 0 to 1 (default 0.5)");
    cmd->add_option("--function-to-apply", options->function_to_apply,
                    "Scores from logits: softmax, sigmoid or none, as transformers' function_to_apply (default: the model's "
                    "rule: regression none, multi-label or one label sigmoid, otherwise softmax; `bertcls info` says which)");
    cmd->add_option("--top-k", options->top_k,
                    "The N best labels with their scores (a number, or all), best first: text rows of label<TAB>score pairs, "
                    "JSON \"scores\" cut to N");
    cmd->add_option("--on-error", options->on_error, "--lines: skip (an error row, exit code 3) or fail (stop, exit code 2)")
        ->capture_default_str();
    add_threads_option(cmd, options->threads);
    cmd->add_option("--max-text-bytes", options->max_text_bytes,
                    "Longest text accepted, in bytes (a whole file or stdin, an argument, or a --lines line); a longer "
                    "one is an error (a --lines line: an error line)")
        ->capture_default_str();
    add_timing_flag(cmd, options->timing);
    cmd->footer(
        "Examples:\n"
        "  bertcls classify \"everything feels wonderful today\"\n"
        "  bertcls classify --format json \"first text\" \"second text\"\n"
        "  bertcls classify -m model.bertcls -f review.txt\n"
        "  bertcls classify --lines -f reviews.txt --format tsv\n"
        "  echo \"so tired of this\" | bertcls classify\n"
        "  bertcls classify -m nli.bertcls \"A man is eating.\" --pair \"Someone eats.\"\n"
        "  bertcls classify -m model.bertcls --input-ids 101,1045,2293,2009,102\n"
        "Chunking: a text of T tokens over the limit is split into windows of (limit - special tokens)\n"
        "text tokens; each window starts (window - stride) tokens after the previous one and the last ends at\n"
        "the text's end. Scores are averaged over the windows; JSON output says what was applied:\n"
        "\"long_text\": {\"strategy\": \"chunk\", \"chunks\": 3, \"tokens\": T}. Sentence pairs are always truncated.\n"
        "An empty or whitespace-only text (argument, file, stdin) is an error (exit code 2).\n"
        "Multi-label models: a text row holds label<TAB>score for every label at or above --threshold,\n"
        "best first (an empty row for none); TSV has a \"labels\" column instead of label and score, the labels\n"
        "joined by commas (a comma in a name written \\,); JSON \"label\" and \"score\" are the first of\n"
        "\"labels\", null when it is empty. Tabs, newlines, carriage returns and backslashes in labels are\n"
        "written \\t, \\n, \\r and \\\\ in text and TSV output.\n"
        "Scores, as transformers' text-classification pipeline: problem_type regression: raw logits;\n"
        "multi_label_classification or exactly one label: sigmoid; else the config's function_to_apply, else\n"
        "softmax. --function-to-apply overrides; `bertcls info` prints the rule that applies to a model.\n"
        "--lines: one row per line, in order. A blank line gets an empty row (TSV: empty cells). A bad\n"
        "line gets, in TSV, empty cells and the message in the error column; in text, an empty row and\n"
        "\"FILE: line N: message\" on stderr; in JSON, {\"error\": ..., \"line\": N}.");
    cmd->callback([options] { run_classify(*options); });
}

}  // namespace bertcls::cli
