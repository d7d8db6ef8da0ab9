// `bertcls bench`: latency of fixed shapes, throughput on a JSONL workload of input_ids, load
// time and peak memory, as text or one JSON object.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/length_batcher.h"
#include "batch/record.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "models/model_file.h"
#include "models/sequence_check.h"
#include "pipeline/text_classifier.h"
#include "util/error.h"
#include "util/resources.h"
#include "util/whole_input.h"

namespace bertcls::cli {

namespace {

struct BenchOptions {
    std::string model, dtype;
    int64_t seq_len = 128;
    int64_t batch = 1;
    int threads = 0;
    std::string workload;
    int runs = 20;
    int warmup = 3;
    int reps = 3;
    int64_t batch_tokens = 4096;
    int64_t batch_size = 256;
    bool json = false;
};

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const double pos = p * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

// The workload's records, read as `bertcls batch` reads pre-tokenized ones, each checked against
// the model (and cut to its limit, as `batch --long-text truncate` would), so that a bad one is
// reported with its line.
std::vector<std::vector<int32_t>> read_workload(const std::string& path, const ModelConfig& config) {
    std::istringstream in(read_whole_input(path));
    std::vector<std::vector<int32_t>> sequences;
    std::string line;
    int64_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(line_number) + ": ";
        batch::Record record = batch::parse_record(line, {});
        if (!record.error.empty()) throw InputError(where + record.error);
        if (!record.pretokenized) throw InputError(where + "expected {\"input_ids\": [...]}");
        std::vector<int32_t>& ids = record.input_ids;
        if (static_cast<int64_t>(ids.size()) > config.max_length) ids.resize(static_cast<std::size_t>(config.max_length));
        if (const std::string problem = check_sequence(config, ids, {}, config.max_length); !problem.empty())
            throw InputError(where + "input_ids: " + problem);
        sequences.push_back(std::move(ids));
    }
    if (sequences.empty()) throw InputError(path + ": no records");
    return sequences;
}

void run_bench(const BenchOptions& o, bool seq_len_given) {
    use_threads(o.threads);
    if (o.seq_len <= 0 || o.batch <= 0 || o.runs <= 0 || o.reps <= 0 || o.batch_tokens <= 0 ||
        o.batch_size <= 0)
        throw UsageError("--seq-len, --batch, --runs, --reps, --batch-tokens and --batch-size must be positive");
    const int threads = omp_get_max_threads();

    const Stopwatch load_clock;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model));
    const pipeline::BatchLimits limits{.max_sequences = static_cast<std::size_t>(o.batch_size),
                                       .max_tokens = static_cast<std::size_t>(o.batch_tokens)};
    pipeline::TextClassifier text_classifier(model, {.compute = requested_dtype(o.dtype), .limits = limits});
    SequenceClassifier& classifier = text_classifier.model();
    report_compute_choice(classifier.compute_choice());
    const double load_ms = load_clock.elapsed_ms();
    const ModelConfig& config = classifier.config();
    // Re-lay out the weights for the GEMM kernels now, as a classifier used repeatedly does on
    // its second call, so no timed run includes it.
    const Stopwatch pack_clock;
    classifier.pack_weights();
    const double pack_ms = pack_clock.elapsed_ms();

    nlohmann::json out;
    out["model"] = model->path().string();
    out["threads"] = threads;
    out["load_ms"] = load_ms;
    out["pack_ms"] = pack_ms;
    std::ostringstream text;
    char line[256];
    std::snprintf(line, sizeof line, "model %s: %lld layers, hidden %lld; %d threads; loaded in %.1f ms, weights packed in %.1f ms\n",
                  model->path().filename().c_str(), static_cast<long long>(config.num_layers),
                  static_cast<long long>(config.hidden_size), threads, load_ms, pack_ms);
    text << line;

    const bool latency = o.workload.empty() || seq_len_given;
    if (latency) {
        if (o.seq_len > config.max_length)
            throw UsageError("--seq-len " + std::to_string(o.seq_len) + " is longer than the model's limit of " +
                             std::to_string(config.max_length));
        std::vector<int32_t> ids(static_cast<std::size_t>(o.seq_len));
        for (std::size_t i = 0; i < ids.size(); ++i)
            ids[i] = static_cast<int32_t>((1000 + 7919 * i) % static_cast<std::size_t>(config.vocab_size));
        const std::vector<SequenceInput> inputs(static_cast<std::size_t>(o.batch), SequenceInput{ids, {}});
        const Stopwatch first_clock;
        classifier.forward(inputs);
        const double first_ms = first_clock.elapsed_ms();
        for (int i = 1; i < o.warmup; ++i) classifier.forward(inputs);
        std::vector<double> times;
        for (int i = 0; i < o.runs; ++i) {
            const Stopwatch clock;
            classifier.forward(inputs);
            times.push_back(clock.elapsed_ms());
        }
        const double median = percentile(times, 0.5), p90 = percentile(times, 0.9);
        out["seq_len"] = o.seq_len;
        out["batch"] = o.batch;
        out["latency_ms"] = {{"median", median},
                             {"p90", p90},
                             {"min", *std::min_element(times.begin(), times.end())},
                             {"first", first_ms},
                             {"runs", o.runs}};
        std::snprintf(line, sizeof line,
                      "latency  seq %lld x batch %lld: median %.2f ms, p90 %.2f ms, min %.2f ms (%d runs; first %.1f ms)\n",
                      static_cast<long long>(o.seq_len), static_cast<long long>(o.batch), median, p90,
                      *std::min_element(times.begin(), times.end()), o.runs, first_ms);
        text << line;
    }
    if (!o.workload.empty()) {
        // Timed as `bertcls batch` runs them: length-sorted batches, side by side when there
        // are enough (pipeline::classify_all).
        const auto sequences = read_workload(o.workload, config);
        std::vector<pipeline::TextInput> inputs;
        std::vector<std::size_t> lengths;
        for (const auto& ids : sequences) {
            inputs.push_back({.input_ids = std::span(ids)});
            lengths.push_back(ids.size());
        }
        const std::vector<pipeline::EncodedText> encoded = text_classifier.encode(inputs, pipeline::LongTextStrategy::truncate);
        const std::size_t tokens = std::accumulate(lengths.begin(), lengths.end(), std::size_t{0});
        const int side_by_side = pipeline::side_by_side_batches(tokens);
        const std::size_t batches = pipeline::plan_batches(lengths, limits, side_by_side).size();
        const Stopwatch first_clock;
        text_classifier.predict(encoded);  // warm-up: builds every shape's primitives
        const double first_s = first_clock.elapsed_ms() / 1e3;
        std::vector<double> seconds;
        for (int r = 0; r < o.reps; ++r) {
            const Stopwatch clock;
            text_classifier.predict(encoded);
            seconds.push_back(clock.elapsed_ms() / 1e3);
        }
        const double median_s = percentile(seconds, 0.5);
        const double n = static_cast<double>(sequences.size());
        out["workload"] = o.workload;
        out["sequences"] = sequences.size();
        out["tokens"] = tokens;
        out["batches"] = batches;
        out["batches_side_by_side"] = side_by_side;
        out["throughput_seq_s"] = n / median_s;
        out["tokens_s"] = static_cast<double>(tokens) / median_s;
        out["throughput_first_pass_seq_s"] = n / first_s;
        out["throughput_passes_s"] = seconds;
        std::snprintf(line, sizeof line,
                      "throughput %zu sequences (%zu tokens) in %zu length-sorted batches, %d side by side: %.1f seq/s, "
                      "%.0f tokens/s (median of %d passes; first pass %.1f seq/s)\n",
                      sequences.size(), tokens, batches, side_by_side, n / median_s,
                      static_cast<double>(tokens) / median_s, o.reps, n / first_s);
        text << line;
    }
    out["peak_rss_mb"] = peak_rss_mb();
    const double file_mb = static_cast<double>(model->container().file_size()) / (1 << 20);
    std::snprintf(line, sizeof line, "peak RSS %.1f MiB (model file %.1f MiB", peak_rss_mb(), file_mb);
    text << line;
    out["model_file_mb"] = file_mb;
    // Weights mapped in 4 KiB pages make the GEMMs a few percent slower (docs/PERFORMANCE.md):
    // a figure to read before comparing two runs.
    if (const auto huge_mb = file_huge_pages_mb()) {
        out["model_in_2mib_pages_mb"] = *huge_mb;
        std::snprintf(line, sizeof line, ", %.0f MiB of it mapped in 2 MiB pages", *huge_mb);
        text << line;
    }
    text << ")\n";
    if (o.json)
        std::cout << out.dump() << "\n";
    else
        std::cout << text.str();
}

}  // namespace

void register_bench_command(CLI::App& app) {
    auto options = std::make_shared<BenchOptions>();
    CLI::App* cmd = app.add_subcommand("bench", "Measure latency, throughput, load time and peak memory");
    add_model_option(cmd, options->model);
    add_dtype_option(cmd, options->dtype);
    auto* seq_len = cmd->add_option("--seq-len", options->seq_len, "Latency: tokens per sequence (default 128)");
    cmd->add_option("--batch", options->batch, "Latency: sequences per call (default 1)");
    add_threads_option(cmd, options->threads);
    cmd->add_option("-i,--input", options->workload,
                    "Throughput on a JSONL workload, one {\"input_ids\": [...]} per line (latency is then measured "
                    "only when --seq-len is given)");
    cmd->add_option("--runs", options->runs, "Latency: timed runs (default 20)");
    cmd->add_option("--warmup", options->warmup, "Latency: untimed runs first (default 3)");
    cmd->add_option("--reps", options->reps, "Throughput: timed passes over the workload (default 3)");
    cmd->add_option("--batch-tokens", options->batch_tokens, "Throughput: token budget per batch (default 4096)");
    cmd->add_option("--batch-size", options->batch_size, "Throughput: most sequences per batch (default 256)");
    cmd->add_flag("--json", options->json,
                  "Print one JSON object: latency_ms {median, p90}, throughput_seq_s, tokens_s, peak_rss_mb, load_ms");
    cmd->footer(
        "Examples:\n"
        "  bertcls bench                                          # latency, 128 tokens x 1, the bundled model\n"
        "  bertcls bench -m model.bertcls --seq-len 64 --batch 8 --threads 4\n"
        "  bertcls bench -m model.bertcls -i workload.jsonl --json   # throughput on {\"input_ids\": [...]} lines\n"
        "  bertcls bench -m model-int8.bertcls --dtype int8 --seq-len 384");
    cmd->callback([options, seq_len] { run_bench(*options, seq_len->count() > 0); });
}

}  // namespace bertcls::cli
