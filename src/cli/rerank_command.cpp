// `bertcls rerank`: score passages against a query with a cross-encoder (a one-label pair
// model) and list them best first, as sentence-transformers' CrossEncoder.rank and TEI's /rerank.
#include <omp.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

#include <nlohmann/json.hpp>

#include "batch/output_format.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "models/model_file.h"
#include "models/prediction.h"
#include "pipeline/text_classifier.h"
#include "util/error.h"
#include "util/whole_input.h"
#include "util/resources.h"
#include "util/tsv_escape.h"
#include "util/utf8_check.h"

namespace bertcls::cli {

namespace {

struct RerankOptions {
    std::string model_path, dtype;
    std::vector<std::string> args;  // the query, then passages
    std::string file;               // passages, one a line
    std::string top_k;
    bool raw_scores = false;
    bool no_text = false;
    std::string format = "text";
    int64_t max_length = 0;
    int threads = 0;
    bool timing = false;
};

struct Passage {
    std::string text;
    std::size_t index = 0;  // 0-based, in the order given
    float score = 0;
};

void run_rerank(const RerankOptions& o) {
    if (o.format != "text" && o.format != "json") throw UsageError("--format must be text or json");
    if (o.max_length < 0 || o.threads < 0) throw UsageError("--max-length and --threads must be positive");
    if (o.args.empty()) throw UsageError("give the query, then passages (or -f FILE with one passage a line)");
    const std::size_t top_k = o.top_k.empty() ? SIZE_MAX : batch::parse_top_k(o.top_k);
    use_threads(o.threads);
    const std::string& query = o.args[0];
    std::vector<Passage> passages;
    for (std::size_t i = 1; i < o.args.size(); ++i) passages.push_back({o.args[i], passages.size()});
    if (!o.file.empty()) {
        if (o.args.size() > 1) throw UsageError("give passages as arguments or with -f FILE, not both");
        if (o.file != "-") reject_directory(o.file);
        const std::string content = read_whole_input(o.file);
        for (std::size_t start = 0; start < content.size();) {
            std::size_t end = content.find('\n', start);
            if (end == std::string::npos) end = content.size();
            std::string line = content.substr(start, end - start);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t\f\v") != std::string::npos) passages.push_back({std::move(line), passages.size()});
            start = end + 1;
        }
        if (passages.empty()) throw InputError((o.file == "-" ? std::string("stdin") : o.file) + ": no passages (one a line)");
    }
    if (passages.empty()) throw UsageError("no passages to rank: give them after the query or with -f FILE");

    const Stopwatch total;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model_path));
    const ModelConfig& config = model->config();
    if (config.labels.size() != 1)
        throw InputError(model->path().string() + ": rerank needs a cross-encoder (a model with one label); this model has " +
                         std::to_string(config.labels.size()) + " labels");
    model->require_tokenizer("rerank tokenizes the query and passages");
    pipeline::TextClassifier classifier(model, {.compute = requested_dtype(o.dtype), .max_length = o.max_length});
    report_compute_choice(classifier.compute_choice());
    const double load_ms = total.elapsed_ms();

    std::vector<pipeline::TextInput> inputs;
    for (const auto& p : passages) inputs.push_back({.text = query, .pair = p.text});
    std::vector<pipeline::EncodedText> encoded = classifier.encode(inputs, pipeline::LongTextStrategy::truncate);
    for (std::size_t i = 0; i < encoded.size(); ++i)
        if (!encoded[i].error.empty())
            throw InputError((o.file.empty() ? "passage " + std::to_string(i + 1) : "passage " + std::to_string(i + 1) + " of " + o.file) +
                             ": " + encoded[i].error);
    const std::vector<float> logits = classifier.logits(encoded);
    const std::vector<float> scores =
        apply_score_function(o.raw_scores ? ScoreFunction::none : ScoreFunction::sigmoid, logits);
    for (std::size_t i = 0; i < passages.size(); ++i) passages[i].score = scores[i];
    // Best first; equal scores keep the given order (Python's sorted is stable).
    std::stable_sort(passages.begin(), passages.end(), [](const Passage& a, const Passage& b) { return a.score > b.score; });
    passages.resize(std::min(passages.size(), top_k));

    if (o.format == "json") {
        std::string out = "[";
        for (std::size_t i = 0; i < passages.size(); ++i) {
            out += (i ? "," : "") + std::string("{\"index\":") + std::to_string(passages[i].index) +
                   ",\"score\":" + batch::format_float(passages[i].score);
            if (!o.no_text)
                out += ",\"text\":" + nlohmann::json(passages[i].text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            out += '}';
        }
        std::cout << out << "]\n";
    } else {
        for (const auto& p : passages) {
            std::cout << p.index << '\t' << p.score;
            if (!o.no_text) std::cout << '\t' << tsv_escape(p.text);
            std::cout << '\n';
        }
    }
    flush_stdout();
    if (o.timing) print_timing({load_ms, classifier.tokenize_ms, classifier.forward_ms}, total);
}

}  // namespace

void register_rerank_command(CLI::App& app) {
    auto o = std::make_shared<RerankOptions>();
    CLI::App* cmd = app.add_subcommand("rerank", "Rank passages against a query with a cross-encoder, best first");
    add_model_option(cmd, o->model_path);
    add_dtype_option(cmd, o->dtype);
    cmd->add_option("query_and_passages", o->args, "The query, then the passages");
    cmd->add_option("-f,--file", o->file, "Passages from FILE, one a line (blank lines skipped; - for stdin)");
    cmd->add_option("--top-k", o->top_k, "Only the N best passages (a number, or all; default all)");
    cmd->add_flag("--raw-scores", o->raw_scores, "Scores are the raw logits, not their sigmoid");
    cmd->add_flag("--no-text", o->no_text, "Leave the passage text out of the output");
    cmd->add_option("--format", o->format, "Output: text (index<TAB>score<TAB>passage) or json ([{\"index\", \"score\", \"text\"}])")
        ->capture_default_str();
    cmd->add_option("--max-length", o->max_length, "Token limit per (query, passage) pair (default: the model's)");
    add_threads_option(cmd, o->threads);
    add_timing_flag(cmd, o->timing);
    cmd->footer(
        "Examples:\n"
        "  bertcls rerank -m ms-marco.bertcls \"what is a panda?\" -f passages.txt --top-k 3\n"
        "  bertcls rerank -m ms-marco.bertcls \"what is a panda?\" \"The giant panda is a bear.\" \"Paris is in France.\"\n"
        "  bertcls batch -m ms-marco.bertcls --text-field query --pair-field passage -i pairs.jsonl   # scores in JSONL\n"
        "As sentence-transformers' CrossEncoder.rank: each (query, passage) pair is scored by the model's one\n"
        "logit, through a sigmoid (--raw-scores: the logit), and passages are listed best first (ties in the\n"
        "given order). index is the passage's 0-based position among those given (for -f, its non-blank lines).\n"
        "Pairs longer than the limit are truncated longest-first, as the tokenizer does.");
    cmd->callback([o] { run_rerank(*o); });
}

}  // namespace bertcls::cli
