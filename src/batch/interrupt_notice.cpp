#include "batch/interrupt_notice.h"

#include <unistd.h>

#include <cstring>
#include <utility>

namespace bertcls::batch {

namespace {

// Prepared before the handlers are installed: a handler may only make async-signal-safe calls.
char g_message[160];
std::size_t g_length = 0;

void on_signal(int signal) {
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, g_message, g_length);
    // SA_RESETHAND restored the default action; the signal is blocked until we return, then ends us.
    ::raise(signal);
}

}  // namespace

InterruptNotice::InterruptNotice(bool progress_line, bool resumable) {
    const char* advice = resumable ? "interrupted: rerun the same command with --resume to continue\n"
                                   : "interrupted: output to stdout cannot be resumed (use -o FILE for long runs)\n";
    std::strcpy(g_message, progress_line ? "\n" : "");
    std::strcat(g_message, advice);
    g_length = std::strlen(g_message);
    struct sigaction action {};
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    // A signal the shell had us ignore (nohup, background jobs) stays ignored.
    for (const auto& [signal, previous] : {std::pair{SIGINT, &previous_int_}, std::pair{SIGTERM, &previous_term_}}) {
        ::sigaction(signal, nullptr, previous);
        if (previous->sa_handler != SIG_IGN) ::sigaction(signal, &action, nullptr);
    }
}

InterruptNotice::~InterruptNotice() {
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
}

}  // namespace bertcls::batch
