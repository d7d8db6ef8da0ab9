// `bertcls eval`: accuracy and macro-F1 of a model on a labelled set, and with --reference how
// closely it agrees with another model (a bf16/int8 model against its f32 original).

#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "eval/labelled_set.h"
#include "eval/metrics.h"
#include "eval/model_runner.h"
#include "eval/report.h"
#include "models/model_file.h"
#include "util/error.h"
#include "util/resources.h"
#include "util/whole_input.h"

namespace bertcls::cli {

namespace {

struct EvalOptions {
    std::string model_path, dtype, reference_path;
    std::string input, format = "auto", label_map;
    eval::SetFields fields;
    bool gold_is_index = false;
    bool no_header = false, per_label = false, json = false, timing = false;
    pipeline::BatchLimits limits;
    int64_t max_length = 0;
    int threads = 0;
};

// Examples encoded and classified at a time: bounds the memory of token ids for big sets.
constexpr std::size_t kWindow = 4096;

// A model loaded the way classify and batch load theirs, and its logits so far.
struct LoadedModel {
    std::unique_ptr<eval::ModelRunner> runner;
    std::vector<float> logits;

    LoadedModel(const std::filesystem::path& path, std::optional<ComputeType> compute, int64_t max_length,
                const pipeline::BatchLimits& limits)
        : runner(std::make_unique<eval::ModelRunner>(path, compute, max_length, limits)) {
        report_compute_choice(runner->compute_choice());
    }
    std::string path() const { return runner->model_file().path().string(); }
};

eval::LabelledSet read_set(const EvalOptions& o) {
    const std::string content = read_whole_input(o.input);
    const std::string name = o.input == "-" ? "stdin" : o.input;
    const eval::SetFormat format = o.format == "auto" ? eval::detect_set_format(o.input, content) : eval::parse_set_format(o.format);
    eval::SetFields fields = o.fields;
    fields.header = !o.no_header;
    return eval::read_labelled_set(content, name, format, fields);
}

void run_eval(const EvalOptions& o) {
    if (o.max_length < 0) throw UsageError("--max-length must be positive");
    if (o.format != "auto") eval::parse_set_format(o.format);  // a usage error before any loading
    const eval::GoldLabelOptions gold_options{eval::parse_label_map(o.label_map), o.gold_is_index};
    use_threads(o.threads);
    Stopwatch total;

    LoadedModel model(resolve_model_path(o.model_path), requested_dtype(o.dtype), o.max_length, o.limits);
    std::optional<LoadedModel> reference;
    if (!o.reference_path.empty()) {
        // The reference runs in its file's own arithmetic: --dtype is about the model under test,
        // so `-m m.bertcls --dtype int8 --reference m.bertcls` measures int8 against f32.
        reference.emplace(o.reference_path, std::nullopt, o.max_length, o.limits);
        if (reference->runner->config().labels != model.runner->config().labels)
            throw InputError(o.reference_path + ": the reference model's labels differ from the model's; they cannot be compared");
    }
    const double load_ms = total.elapsed_ms();
    const eval::LabelledSet set = read_set(o);
    const std::vector<std::string>& labels = model.runner->config().labels;
    const std::vector<int> gold = eval::resolve_gold_labels(set, labels, gold_options);
    const bool share_encodings = reference && model.runner->encodes_like(*reference->runner);

    for (std::size_t begin = 0; begin < set.examples.size(); begin += kWindow) {
        const std::size_t end = std::min(set.examples.size(), begin + kWindow);
        const auto encodings = model.runner->encode(set, begin, end);
        model.runner->classify(encodings, model.logits);
        if (reference)
            reference->runner->classify(share_encodings ? encodings : reference->runner->encode(set, begin, end),
                                        reference->logits);
    }

    eval::EvalReport report;
    report.input = set.name;
    report.format = eval::set_format_name(set.format);
    report.labels = labels;
    report.model = {model.path(),
                    eval::classification_metrics(gold, eval::argmax_rows(model.logits, labels.size()), labels.size())};
    if (reference) {
        report.reference = {reference->path(),
                            eval::classification_metrics(gold, eval::argmax_rows(reference->logits, labels.size()), labels.size())};
        report.agreement = eval::compare_logits(model.logits, reference->logits, labels.size());
        report.max_diff_line = set.examples[report.agreement->max_diff_example].line;
    }
    std::cout << (o.json ? eval::report_json(report) + "\n" : eval::report_text(report, o.per_label));
    if (o.timing) {
        StageTimes stages{load_ms, model.runner->tokenize_ms(), model.runner->forward_ms()};
        if (reference) {
            stages.tokenize_ms += reference->runner->tokenize_ms();
            stages.forward_ms += reference->runner->forward_ms();
        }
        print_timing(stages, total);
    }
}

}  // namespace

void register_eval_command(CLI::App& app) {
    auto o = std::make_shared<EvalOptions>();
    CLI::App* cmd = app.add_subcommand("eval", "Accuracy and macro-F1 on a labelled set; agreement with a --reference model");
    add_model_option(cmd, o->model_path);
    add_dtype_option(cmd, o->dtype);
    cmd->add_option("-i,--input", o->input, "Labelled file (TSV, CSV, semicolon-separated or JSONL), - for stdin")->required();
    cmd->add_option("--reference", o->reference_path,
                    "A second model (typically the f32 original of a bf16/int8 -m model): prints its scores beside, the "
                    "fraction of examples where both predict the same label, and the largest and mean absolute logit difference");
    cmd->add_option("--format", o->format, "Input format: auto (from the extension, else the first line), tsv, csv, semicolon or jsonl")
        ->capture_default_str();
    cmd->add_option("--text-field", o->fields.text,
                    "Text column (header name or 0-based number) or JSONL field. Default: text, sentence or sentence1, else "
                    "the first column");
    cmd->add_option("--pair-field", o->fields.pair, "Second text of a sentence pair (column or JSONL field); default: none");
    cmd->add_option("--label-field", o->fields.label,
                    "Gold label column or JSONL field. Default: label or label_name, else the last column");
    cmd->add_option("--label-map", o->label_map,
                    "What gold labels mean, as GOLD=MODEL_LABEL pairs, e.g. 0=negative,1=positive (case-insensitive)");
    cmd->add_flag("--gold-is-index", o->gold_is_index,
                  "Integer gold labels are class indices even when the model's labels are names");
    cmd->add_flag("--no-header", o->no_header, "The delimited file has no header line: columns are named by number");
    cmd->add_flag("--per-label", o->per_label, "Also print support, precision, recall and F1 per label");
    cmd->add_flag("--json", o->json, "Print one JSON object instead of the table");
    cmd->add_option("--batch-size", o->limits.max_sequences, "Most sequences per forward pass")->capture_default_str();
    cmd->add_option("--batch-tokens", o->limits.max_tokens, "Most tokens per forward pass")->capture_default_str();
    cmd->add_option("--max-length", o->max_length, "Truncate texts to this many tokens (default: the model's limit)");
    add_threads_option(cmd, o->threads);
    add_timing_flag(cmd, o->timing);
    cmd->footer(
        "Gold labels are matched to the model's labels by name, ignoring case; a label that is no name\n"
        "but an integer is a class index when the model's labels are LABEL_0, LABEL_1, ... (GLUE's 0/1).\n"
        "Integers against a model with named labels are refused unless --label-map 0=negative,1=positive\n"
        "or --gold-is-index says what they mean. Any other label is an error naming its file and line\n"
        "(exit code 2), as is a malformed line. Only single-label classifiers can be\n"
        "evaluated. Texts over the length limit are truncated, as in batch. Blank lines are skipped.\n"
        "Accuracy is correct / examples. Macro-F1 is the mean F1 over the labels that occur in the gold\n"
        "data (a label with no gold example has no recall and is left out; --per-label still lists it).\n"
        "Predictions are the largest logit. --json keys: input, format, examples, model, correct,\n"
        "accuracy, macro_f1, macro_f1_labels, per_label, and with --reference: reference {...},\n"
        "agreement, same_predictions, max_abs_logit_diff (+ _line), mean_abs_logit_diff. A per_label\n"
        "precision, recall or f1 that is 0/0 (no prediction, or no gold example) is null (\"-\" in the table).\n"
        "Examples:\n"
        "  bertcls eval -i emotion/test.txt                     # text;label_name with a header\n"
        "  bertcls eval -m sst2.bertcls -i sst2/dev.tsv         # integer labels 0/1 as class indices\n"
        "  bertcls eval -m sentiment.bertcls -i sst2/dev.tsv --label-map 0=negative,1=positive\n"
        "  bertcls eval -m nli.bertcls -i rte/dev.tsv --text-field sentence1 --pair-field sentence2 \\\n"
        "      --label-map 0=entailment,1=not_entailment\n"
        "  bertcls eval -m news.bertcls -i ag_news/test.tsv --no-header --text-field 0 --label-field 1\n"
        "  bertcls eval -m model-int8.bertcls --reference model.bertcls -i test.jsonl --per-label --json");
    cmd->callback([o] { run_eval(*o); });
}

}  // namespace bertcls::cli
