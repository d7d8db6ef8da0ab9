// `bertcls batch`: classify a JSONL file or stream, one output line per input line.
#include <unistd.h>

#include <memory>

#include "batch/batch_job.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "pipeline/zero_shot.h"
#include "util/error.h"

namespace bertcls::cli {

namespace {

struct BatchCommandOptions {
    batch::BatchJobOptions job;
    std::string model_path, dtype, on_error = "skip";
    std::string shard;
    float threshold = 0.5f;
    std::string zero_shot_labels, hypothesis_template = "This example is {}.", function_to_apply, top_k;
    bool multi_label = false;
    int threads = 0;
    bool quiet = false, timing = false;
};

void run_batch(BatchCommandOptions& c, const CLI::App& cmd) {
    if (c.on_error != "skip" && c.on_error != "fail") throw UsageError("--on-error must be skip or fail");
    use_threads(c.threads);
    batch::BatchJobOptions& job = c.job;
    if (cmd.count("--shard")) job.shard = batch::parse_shard(c.shard);
    if (cmd.count("--threshold")) job.prediction.threshold = c.threshold;
    if (!c.top_k.empty()) job.prediction.top_k = batch::parse_top_k(c.top_k);
    if (!c.function_to_apply.empty()) job.function_to_apply = parse_function_to_apply(c.function_to_apply);
    if (cmd.count("--zero-shot-labels")) {
        job.zero_shot = pipeline::ZeroShotOptions{.labels = pipeline::split_labels(c.zero_shot_labels),
                                                  .hypothesis_template = c.hypothesis_template,
                                                  .multi_label = c.multi_label};
        pipeline::format_hypothesis(c.hypothesis_template, "x");  // a bad template is a usage error before the model loads
    } else if (cmd.count("--template") || c.multi_label) {
        throw UsageError("--template and --multi-label need --zero-shot-labels");
    }
    batch::check_batch_options(job);
    if (job.input == "-") note_terminal_stdin("batch", "JSONL records", "pass -i FILE");
    else reject_directory(job.input);
    const Stopwatch total;
    job.model = resolve_model_path(c.model_path);
    job.compute = requested_dtype(c.dtype);
    job.fail_on_error = c.on_error == "fail";
    job.progress = !c.quiet && ::isatty(STDERR_FILENO);
    job.summary = !c.quiet;
    const batch::BatchSummary summary = batch::run_batch_job(job);
    if (c.timing) print_timing(summary.times, total);
    if (summary.failed() > 0)
        throw RecordsFailed(std::to_string(summary.failed()) + " of " +
                            std::to_string(summary.resumed + summary.counts.records) +
                            " records failed; their lines in the output are {\"error\", \"line\"} records");
}

}  // namespace

void register_batch_command(CLI::App& app) {
    auto c = std::make_shared<BatchCommandOptions>();
    batch::BatchJobOptions& job = c->job;
    CLI::App* cmd = app.add_subcommand("batch", "Classify a JSONL file or stream: one output line per input line, in order");
    add_model_option(cmd, c->model_path);
    add_dtype_option(cmd, c->dtype);
    cmd->add_option("-i,--input", job.input, "Input JSONL file, - for stdin")->capture_default_str();
    cmd->add_option("-o,--output", job.output, "Output JSONL file, - for stdout")->capture_default_str();
    cmd->add_option("--text-field", job.fields.text, "Field holding the text")->capture_default_str();
    cmd->add_option("--pair-field", job.fields.pair, "Field holding the second text of a sentence pair");
    cmd->add_option("--id-field", job.fields.id, "Field copied into error records as \"id\"");
    cmd->add_option("--output-field", job.fields.output, "Field the prediction is added under")->capture_default_str();
    cmd->add_flag("--all-scores", job.prediction.all_scores, "Add \"scores\": every label with its score, best first");
    cmd->add_flag("--logits", job.prediction.logits, "Add \"logits\", in label order");
    cmd->add_option("--threshold", c->threshold, "Multi-label models only: \"labels\" lists labels scoring at least this, 0 to 1 (default 0.5); \"label\" is the first of them");
    cmd->add_option("--top-k", c->top_k, "Add \"scores\" with the N best labels (a number, or all), as the pipeline's top_k");
    cmd->add_option("--function-to-apply", c->function_to_apply,
                    "Scores from logits: softmax, sigmoid or none (default: the model's rule, see `bertcls info`)");
    cmd->add_option("--zero-shot-labels", c->zero_shot_labels,
                    "Zero-shot with an NLI model: comma-separated candidate labels; \"prediction\" is {\"labels\", \"scores\"}, best first");
    cmd->add_option("--template", c->hypothesis_template, "With --zero-shot-labels: the hypothesis, {} is the label")->capture_default_str();
    cmd->add_flag("--multi-label", c->multi_label, "With --zero-shot-labels: score each label on its own (entailment vs contradiction)");
    cmd->add_option("--batch-size", job.limits.max_sequences, "Most sequences per forward pass")->capture_default_str();
    cmd->add_option("--batch-tokens", job.limits.max_tokens, "Most tokens per forward pass")->capture_default_str();
    add_threads_option(cmd, c->threads);
    cmd->add_option("--max-length", job.max_length, "Truncate texts to this many tokens (default: the model's limit)");
    cmd->add_option("--max-record-bytes", job.max_record_bytes, "Longer input lines become error records")->capture_default_str();
    cmd->add_option("--on-error", c->on_error, "skip: write an error record and go on (exit code 3 at the end); fail: stop at the first bad line (exit code 2)")
        ->capture_default_str();
    cmd->add_flag("--resume", job.resume,
                  "Continue an interrupted run: keep the complete lines of -o FILE and skip as many input lines. The model "
                  "and the options that shape the output must be the run's (recorded in FILE.bertcls-run)");
    cmd->add_option("--shard", c->shard,
                    "K/N: only the K-th of N line-aligned shards of -i FILE (K from 0 to N-1), each shard's "
                    "lines in order, so that the outputs of 0/N ... N-1/N put one after the other are the output "
                    "of the whole file (error records carry the file's line numbers)");
    cmd->add_option("--first-line", job.first_line,
                    "The input is a piece of a larger file that starts at its line N: error records and messages "
                    "count lines from N, and the check of the first records is left to the piece with line 1 "
                    "(used by bertcls-dask)")
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", c->quiet, "No progress or summary on stderr");
    add_timing_flag(cmd, c->timing);
    cmd->footer(
        "Each output line is the input line with the prediction added as its last field:\n"
        "  {\"text\": \"i feel great\", \"id\": 7, \"prediction\": {\"label\": \"joy\", \"score\": 0.98}}\n"
        "The input's own bytes are kept as they are. A record with \"input_ids\" (and optionally\n"
        "\"token_type_ids\") is classified from those ids instead of its text. A bad line (invalid JSON or\n"
        "UTF-8, a missing or non-string field, an existing --output-field, a line over --max-record-bytes)\n"
        "becomes {\"error\": \"...\", \"line\": N} at its place; a blank line stays an empty line. When none of the\n"
        "first 100 records is a JSON object, or none has --text-field, the run stops with one error (exit code 2)\n"
        "before writing anything. A UTF-8 byte order mark is ignored. -o must not be the input file.\n"
        "Texts longer than the limit are truncated.\n"
        "Results do not depend on --batch-size or --threads: floats are printed as the shortest decimal\n"
        "that reads back to the same float.\n"
        "Examples:\n"
        "  bertcls batch -i reviews.jsonl -o predictions.jsonl\n"
        "  cat pairs.jsonl | bertcls batch -m nli.bertcls --text-field premise --pair-field hypothesis > out.jsonl\n"
        "  bertcls batch -i big.jsonl -o out.jsonl --resume     # after an interruption\n"
        "  bertcls batch -i big.jsonl -o out.2 --shard 2/8      # cat out.0 ... out.7 > out.jsonl\n"
        "  bertcls batch -m nli.bertcls --zero-shot-labels sports,politics,technology -i docs.jsonl -o out.jsonl\n"
        "  bertcls batch -m ms-marco.bertcls --text-field query --pair-field passage -i pairs.jsonl   # rerank scores\n"
        "Scores follow transformers' text-classification pipeline: problem_type regression: raw; multi-label\n"
        "or exactly one label (a cross-encoder): sigmoid; otherwise softmax (`bertcls info` says which).");
    cmd->callback([c, cmd] { run_batch(*c, *cmd); });
}

}  // namespace bertcls::cli
