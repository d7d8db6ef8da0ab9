#pragma once
// Wall-clock timing and memory figures for `--timing` and the benchmarks.
#include <chrono>
#include <optional>

namespace bertcls {

class Stopwatch {
public:
    Stopwatch() : start_(std::chrono::steady_clock::now()) {}
    double elapsed_ms() const {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

// Where a command's time went, for --timing: loading the model (mapping, checking, setting up
// the classifier and tokenizer), tokenizing (for batch, parsing the records too) and the
// forward passes.
struct StageTimes {
    double load_ms = 0, tokenize_ms = 0, forward_ms = 0;
};

// Peak resident set size of this process so far, in MiB.
double peak_rss_mb();

// How much of this process's file mappings (for bertcls, the model file) is mapped in 2 MiB
// pages, in MiB; nullopt where the kernel does not say (no /proc/self/smaps_rollup).
std::optional<double> file_huge_pages_mb();

}  // namespace bertcls
