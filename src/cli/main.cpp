// bertcls: BERT-family text classification on the CPU.
#include <cstdio>
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
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bertcls " BERTCLS_VERSION
                 ": classify text with BERT-family models on the CPU.\n"
                 "Exit codes: 0 success, 1 usage error, 2 bad input or model, 3 some records failed."};
    app.require_subcommand(1);
    app.set_version_flag("--version", BERTCLS_VERSION);
    app.footer(
        "Examples (without -m, the bundled emotion model is used):\n"
        "  bertcls classify \"I can't stop smiling today\"\n"
        "  bertcls batch -i reviews.jsonl -o labelled.jsonl\n"
        "  bertcls attention \"so tired of this\" -o attention.html\n"
        "  bertcls info -m model.bertcls\n"
        "Run 'bertcls COMMAND --help' for a command's options and examples.");
    bertcls::cli::register_attention_command(app);
    bertcls::cli::register_batch_command(app);
    bertcls::cli::register_bench_command(app);
    bertcls::cli::register_classify_command(app);
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
        std::cerr << "bertcls: " << e.what() << "\n";
        return kExitRecordsFailed;
    } catch (const bertcls::InputError& e) {
        std::cerr << "bertcls: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "bertcls: internal error: " << e.what() << "\n";
        return kExitInternal;
    }
    return 0;
}
