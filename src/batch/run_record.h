#pragma once
// --resume continues a run only with what made its output. Next to OUTPUT, OUTPUT.bertcls-run
// records the model file's identity and every option that changes output bytes; it is written
// before the first output line, and a resume that differs is refused, naming what differs.
// Options that only change speed or messages (--threads, --batch-size, --batch-tokens,
// --quiet, --on-error) are not recorded. --shard and --first-line are recorded when given.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "batch/batch_job.h"

namespace bertcls::batch {

std::string run_record_path(const std::string& output);

// The run as {"model": path, "model file": identity, "--option": value, ...}. `compute` and
// `max_length` are the values in effect (the model's own when the option is not given).
nlohmann::ordered_json describe_run(const BatchJobOptions& options, ComputeType compute, int64_t max_length);

// Replaces OUTPUT.bertcls-run. Throws InputError when it cannot be written.
void write_run_record(const std::string& output, const nlohmann::ordered_json& run);

// Compares `run` with OUTPUT.bertcls-run: throws UsageError naming each difference, or
// InputError when the record is unreadable. Returns false when there is none (an output of an
// older bertcls).
bool check_run_record(const std::string& output, const nlohmann::ordered_json& run);

}  // namespace bertcls::batch
