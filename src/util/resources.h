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

// Peak resident set size of this process so far, in MiB.
double peak_rss_mb();

// How much of this process's file mappings (for bertcls, the model file) is mapped in 2 MiB
// pages, in MiB; nullopt where the kernel does not say (no /proc/self/smaps_rollup).
std::optional<double> file_huge_pages_mb();

}  // namespace bertcls
