// `bertcls zero-shot`: classify texts into labels given at run time, with an NLI model, as
// transformers' zero-shot-classification pipeline (pipeline/zero_shot.h).
#include <omp.h>

#include <iostream>
#include <memory>
#include <optional>

#include "batch/output_format.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "models/model_file.h"
#include "pipeline/text_classifier.h"
#include "pipeline/zero_shot.h"
#include "util/error.h"
#include "util/whole_input.h"
#include "util/resources.h"
#include "util/tsv_escape.h"

namespace bertcls::cli {

namespace {

struct ZeroShotCommandOptions {
    std::string model_path, dtype;
    std::vector<std::string> texts;
    std::string file;
    std::string labels, labels_file;
    std::string hypothesis_template = pipeline::kDefaultHypothesisTemplate;
    bool multi_label = false;
    bool all_scores = false;
    std::string top_k;
    std::string format = "text";
    std::string long_text;  // empty: chunk for a whole document (-f, stdin), truncate otherwise
    std::size_t stride = 0;
    int64_t max_length = 0;
    int threads = 0;
    bool timing = false;
};

std::vector<std::string> read_labels(const ZeroShotCommandOptions& o, const CLI::App& cmd) {
    const bool given = cmd.count("--labels") > 0, from_file = !o.labels_file.empty();
    if (given == from_file) throw UsageError("give the candidate labels with --labels a,b,c or --labels-file FILE (one of them)");
    std::vector<std::string> labels;
    if (given) {
        labels = pipeline::split_labels(o.labels);
        pipeline::check_labels(labels, "--labels");
    } else {
        reject_directory(o.labels_file);
        labels = pipeline::labels_from_file(read_whole_input(o.labels_file), o.labels_file);
        try {
            pipeline::check_labels(labels, o.labels_file);
        } catch (const UsageError& e) {
            throw InputError(e.what());  // a bad file is bad input (exit code 2)
        }
    }
    return labels;
}

void run_zero_shot(const ZeroShotCommandOptions& o, const CLI::App& cmd) {
    if (o.format != "text" && o.format != "json") throw UsageError("--format must be text or json");
    if (!o.long_text.empty() && o.long_text != "chunk" && o.long_text != "truncate")
        throw UsageError("--long-text must be chunk or truncate");
    if (!o.texts.empty() && !o.file.empty()) throw UsageError("give texts or -f FILE, not both");
    if (o.max_length < 0 || o.threads < 0) throw UsageError("--max-length and --threads must be positive");
    const std::size_t top_k = o.top_k.empty() ? (o.all_scores ? SIZE_MAX : 0) : batch::parse_top_k(o.top_k);
    use_threads(o.threads);
    pipeline::format_hypothesis(o.hypothesis_template, "x");  // a bad template fails before the model loads
    std::vector<std::string> labels = read_labels(o, cmd);
    if (!o.file.empty() && o.file != "-") reject_directory(o.file);
    if (o.texts.empty() && (o.file.empty() || o.file == "-")) note_terminal_stdin("zero-shot", "text", "pass TEXT, -f FILE");

    const Stopwatch total;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model_path));
    pipeline::TextClassifier classifier(model, {.compute = requested_dtype(o.dtype),
                                                .max_length = o.max_length,
                                                .stride = o.stride,
                                                .classify_empty = false});
    report_compute_choice(classifier.compute_choice());
    std::optional<pipeline::ZeroShotClassifier> made;
    try {
        made.emplace(classifier,
                     pipeline::ZeroShotOptions{.labels = std::move(labels), .hypothesis_template = o.hypothesis_template, .multi_label = o.multi_label});
    } catch (const InputError& e) {
        throw InputError(model->path().string() + ": " + e.what());
    }
    pipeline::ZeroShotClassifier& zero_shot = *made;
    const double load_ms = total.elapsed_ms();

    std::vector<std::string> texts = o.texts;
    std::vector<std::string> sources;
    for (std::size_t i = 0; i < texts.size(); ++i) sources.push_back("argument " + std::to_string(i + 1));
    const bool whole_document = texts.empty();
    if (whole_document) {
        texts.push_back(read_whole_input(o.file.empty() ? "-" : o.file));
        sources.push_back(o.file.empty() || o.file == "-" ? "stdin" : o.file);
    }
    const pipeline::LongTextStrategy strategy =
        (o.long_text.empty() ? whole_document : o.long_text == "chunk") ? pipeline::LongTextStrategy::chunk
                                                                        : pipeline::LongTextStrategy::truncate;
    const std::vector<std::string_view> views(texts.begin(), texts.end());
    const std::vector<pipeline::ZeroShotResult> results = zero_shot.classify(views, strategy);
    for (std::size_t i = 0; i < results.size(); ++i)
        if (!results[i].error.empty() || results[i].empty)
            throw InputError(sources[i] + ": " +
                             (results[i].empty ? "nothing to classify (the text is empty or only whitespace)" : results[i].error));

    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& ranked = results[i].ranked;
        if (o.format == "json") {
            std::cout << batch::zero_shot_json(ranked, &texts[i], top_k == 0 ? SIZE_MAX : top_k) << '\n';
            continue;
        }
        const std::size_t shown = std::min(ranked.size(), top_k == 0 ? std::size_t{1} : top_k);
        for (std::size_t k = 0; k < shown; ++k)
            std::cout << (k ? "\t" : "") << tsv_escape(ranked[k].label) << '\t' << ranked[k].score;
        std::cout << '\n';
    }
    flush_stdout();
    if (o.timing) print_timing({load_ms, classifier.tokenize_ms, classifier.forward_ms}, total);
}

}  // namespace

void register_zero_shot_command(CLI::App& app) {
    auto o = std::make_shared<ZeroShotCommandOptions>();
    CLI::App* cmd = app.add_subcommand("zero-shot", "Classify texts into labels given at run time, with an NLI model");
    add_model_option(cmd, o->model_path);
    add_dtype_option(cmd, o->dtype);
    cmd->add_option("texts", o->texts, "Texts to classify, one result per text, in order");
    cmd->add_option("-f,--file", o->file, "Classify the whole content of FILE as one text (- for stdin)");
    cmd->add_option("--labels", o->labels, "Candidate labels, comma-separated (spaces around them are dropped)");
    cmd->add_option("--labels-file", o->labels_file, "Candidate labels from FILE, one a line (blank lines skipped)");
    cmd->add_option("--template", o->hypothesis_template, "The hypothesis each label becomes; {} is the label")->capture_default_str();
    cmd->add_flag("--multi-label", o->multi_label,
                  "Labels are independent: each scored by softmax over (contradiction, entailment), not across labels");
    cmd->add_flag("--all-scores", o->all_scores, "Text output: every label with its score, best first (JSON always has all)");
    cmd->add_option("--top-k", o->top_k, "The N best labels (a number, or all), in text and JSON output");
    cmd->add_option("--format", o->format, "Output: text (label<TAB>score) or json ({\"sequence\", \"labels\", \"scores\"})")
        ->capture_default_str();
    cmd->add_option("--long-text", o->long_text,
                    "Texts over the length limit: chunk (windows, each with the whole hypothesis, scores averaged; default "
                    "for a whole file or stdin) or truncate (cut the text, never the hypothesis; default otherwise)");
    cmd->add_option("--stride", o->stride, "With chunk: tokens shared by consecutive windows (default: a quarter of a window)");
    cmd->add_option("--max-length", o->max_length, "Token limit per (text, hypothesis) pair (default: the model's)");
    add_threads_option(cmd, o->threads);
    add_timing_flag(cmd, o->timing);
    cmd->footer(
        "Examples:\n"
        "  bertcls zero-shot -m nli.bertcls --labels sports,politics,technology \"The team won the final.\"\n"
        "  bertcls zero-shot -m nli.bertcls --labels-file labels.txt --multi-label --template \"The topic is {}.\" -f doc.txt\n"
        "  bertcls batch -m nli.bertcls --zero-shot-labels sports,politics,technology -i docs.jsonl -o out.jsonl\n"
        "As transformers' zero-shot-classification pipeline: each label becomes the hypothesis\n"
        "template.format(label), paired with the text (only the text is ever truncated). Single-label: softmax of\n"
        "the entailment logits across the labels. --multi-label (or a single label): each label on its own,\n"
        "softmax over its (contradiction, entailment) logits. The entailment logit is the model's label2id\n"
        "key starting with \"entail\"; contradiction, as the pipeline, label 0 (the last one when entailment is 0).\n"
        "All (text, label) pairs run together in length-sorted batches. A model without an entailment label,\n"
        "missing labels or a bad labels file is an error (exit code 2, or 1 for options).");
    cmd->callback([o, cmd] { run_zero_shot(*o, *cmd); });
}

}  // namespace bertcls::cli
