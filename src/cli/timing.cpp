#include "cli/timing.h"

#include <cstdio>

namespace bertcls::cli {

void add_timing_flag(CLI::App* command, bool& timing) {
    command->add_flag("--timing", timing,
                      "Print to stderr the time spent loading the model, tokenizing and in forward passes, the total, "
                      "and peak memory");
}

void print_timing(const StageTimes& stages, const Stopwatch& total) {
    std::fprintf(stderr, "timing: load %.1f ms, tokenize %.1f ms, forward %.1f ms, total %.1f ms, peak RSS %.1f MiB\n",
                 stages.load_ms, stages.tokenize_ms, stages.forward_ms, total.elapsed_ms(), peak_rss_mb());
}

}  // namespace bertcls::cli
