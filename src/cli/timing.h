#pragma once
// `--timing`, one flag and one format for every command that loads a model (classify, batch,
// eval, attention): a line on stderr,
//   timing: load L ms, tokenize T ms, forward F ms, total X ms, peak RSS M MiB
#include <CLI/CLI.hpp>

#include "util/resources.h"

namespace bertcls::cli {

void add_timing_flag(CLI::App* command, bool& timing);

// Prints the line; `total` was started when the command began.
void print_timing(const StageTimes& stages, const Stopwatch& total);

}  // namespace bertcls::cli
