// bertcls: BERT-family text classification on the CPU.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "util/error.h"

namespace {
constexpr int kExitUsage = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitRecordsFailed = 3;
constexpr int kExitInternal = 4;

// Output that could not all be written (a full disk, a file size limit) is an error, never a
// silently short result: "stdout: write error (...)" and exit code 2.
bool stdout_failed() {
    errno = 0;
    std::cout.flush();
    return !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout);
}

int report_stdout_failure() {
    std::cerr << "bertcls: stdout: write error (" << (errno ? std::strerror(errno) : "output incomplete") << ")\n";
    return kExitBadInput;
}
}  // namespace

int main(int argc, char** argv) {
    // Past RLIMIT_FSIZE (ulimit -f), write(2) then fails with EFBIG and the command reports it,
    // instead of SIGXFSZ killing the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"bertcls " BERTCLS_VERSION
                 ": classify text with BERT-family models on the CPU.\n"
                 "Exit codes: 0 success, 1 usage error, 2 bad input or model, 3 some records failed."};
    app.require_subcommand(1);
    app.set_version_flag("--version", BERTCLS_VERSION);
    app.footer(
        "Examples (without -m, the bundled emotion model is used):\n"
        "  bertcls classify \"everything feels wonderful today\"\n"
        "  bertcls batch -i reviews.jsonl -o labelled.jsonl\n"
        "  bertcls attention \"so tired of this\" -o attention.html\n"
        "  bertcls eval -i test.tsv --reference model-f32.bertcls -m model-int8.bertcls\n"
        "  bertcls info -m model.bertcls\n"
        "Run 'bertcls COMMAND --help' for a command's options and examples.\n"
        "On a machine busy with other work, set OMP_WAIT_POLICY=passive: threads waiting for each\n"
        "other then sleep instead of spinning (slower on an idle machine, far faster on a loaded one).");
    bertcls::cli::register_attention_command(app);
    bertcls::cli::register_batch_command(app);
    bertcls::cli::register_bench_command(app);
    bertcls::cli::register_classify_command(app);
    bertcls::cli::register_eval_command(app);
    bertcls::cli::register_info_command(app);
    bertcls::cli::register_tokenize_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : kExitUsage;
    } catch (const bertcls::UsageError& e) {
        std::cerr << "bertcls: " << e.what() << "\n";
        return kExitUsage;
    } catch (const bertcls::cli::RecordsFailed& e) {
        if (stdout_failed()) return report_stdout_failure();
        std::cerr << "bertcls: " << e.what() << "\n";
        return kExitRecordsFailed;
    } catch (const bertcls::InputError& e) {
        std::cerr << "bertcls: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "bertcls: internal error: " << e.what() << "\n";
        return kExitInternal;
    }
    if (stdout_failed()) return report_stdout_failure();
    return 0;
}
