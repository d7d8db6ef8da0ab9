#pragma once
// `bertcls batch` as a library call: JSONL in, JSONL out, one output line per input line in
// input order, in bounded memory. The pipeline works on windows of records: read a window,
// parse and tokenize it in parallel, classify it in length-sorted batches, write it in order.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "pipeline/length_batcher.h"
#include "pipeline/zero_shot.h"
#include "batch/output_format.h"
#include "batch/progress.h"
#include "batch/record.h"
#include "batch/shard.h"

#include "ops/compute_type.h"
#include "util/resources.h"

namespace bertcls::batch {

struct BatchJobOptions {
    std::filesystem::path model;
    std::optional<ComputeType> compute;  // unset: what the model file was converted for
    std::string input = "-", output = "-";  // "-": stdin / stdout
    RecordFields fields;
    PredictionFields prediction;  // threshold unset: 0.5 for multi-label models
    std::optional<ScoreFunction> function_to_apply;  // unset: the model's rule
    // Set: zero-shot classification of each record's text against these labels (an NLI model);
    // the prediction is {"labels", "scores"}.
    std::optional<pipeline::ZeroShotOptions> zero_shot;
    pipeline::BatchLimits limits;
    int64_t max_length = 0;  // 0: the model's limit
    bool fail_on_error = false;
    bool resume = false;
    // --shard K/N: only the lines of the K-th of N line-aligned shards of the input file.
    ShardSpec shard;
    // --first-line N: the input is a piece of a larger file that starts at its line N (error
    // records count from there; the check of the first records is the whole file's, left to
    // the piece with line 1). Not with --shard, which finds its own.
    uint64_t first_line = 1;
    bool progress = false;  // live progress line
    bool summary = true;    // final summary line on stderr
    std::size_t max_record_bytes = std::size_t{16} << 20;
    // A window holds at most this many records or bytes of input lines, bounding memory.
    std::size_t window_records = 4096;
    std::size_t window_bytes = std::size_t{64} << 20;
};

struct BatchSummary {
    Counts counts;             // this run
    uint64_t resumed = 0;      // lines an earlier run had done (--resume)
    uint64_t earlier_errors = 0;
    StageTimes times;          // for --timing
    uint64_t failed() const { return counts.errors + earlier_errors; }
};

// Throws UsageError when the options contradict each other (checked again by run_batch_job).
void check_batch_options(const BatchJobOptions& options);

// Runs the job. Throws UsageError for inconsistent options and InputError for an unusable
// model, unreadable input or unwritable output, and, under fail_on_error, for the first bad
// record ("line N: why"), after writing every line before it.
BatchSummary run_batch_job(const BatchJobOptions& options);

}  // namespace bertcls::batch
