#pragma once
// Ctrl-C or `kill` during a batch run: end the progress line and say how to continue, then die
// by the signal as before (the exit status scripts see, and the README documents). Output lines
// already written stay; --resume continues from them.
#include <csignal>

namespace bertcls::batch {

class InterruptNotice {
public:
    // progress_line: a live progress line is showing on stderr. resumable: the output is a file.
    InterruptNotice(bool progress_line, bool resumable);
    ~InterruptNotice();  // restores the previous handlers
    InterruptNotice(const InterruptNotice&) = delete;
    InterruptNotice& operator=(const InterruptNotice&) = delete;

private:
    struct sigaction previous_int_ {}, previous_term_ {};
};

}  // namespace bertcls::batch
