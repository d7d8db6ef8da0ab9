#pragma once
// Progress of a long run on stderr: a live line (records/s, ETA when the input size is known)
// redrawn at most a few times a second, then a one-line summary.
#include <cstdint>
#include <optional>

#include "util/resources.h"

namespace bertcls::batch {

struct Counts {
    uint64_t records = 0;  // output lines written by this run, blank lines not counted
    uint64_t errors = 0;
    uint64_t tokens = 0;
    uint64_t input_bytes = 0;  // consumed by this run
};

class Progress {
public:
    // live: redraw a status line (only sensible on a terminal). summary: print the final line.
    // input_bytes: what this run has to read, when known (a regular file).
    Progress(bool live, bool summary, std::optional<uint64_t> input_bytes);

    void update(const Counts& counts);
    // `resumed` records were done by an earlier run (their errors are in `earlier_errors`).
    void finish(const Counts& counts, uint64_t resumed, uint64_t earlier_errors);

private:
    bool live_, summary_;
    std::optional<uint64_t> input_bytes_;
    Stopwatch clock_;
    double last_draw_ms_ = -1e9;
};

}  // namespace bertcls::batch
