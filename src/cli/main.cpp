// bertcls: BERT-family text classification on the CPU.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <dnnl.hpp>

#include "cli/commands.h"
#include "models/model_file.h"
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

// What `bertcls --version`, `-V` and `bertcls version` print: the versions a bug report needs.
std::string version_text() {
    const dnnl_version_t* dnnl = dnnl_version();  // the library loaded, not the headers built against
    const std::string hash = dnnl->hash;  // "N/A" in distribution builds
    return "bertcls " BERTCLS_VERSION "\noneDNN " + std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) + "." +
           std::to_string(dnnl->patch) + (hash == "N/A" ? "" : " (commit " + hash + ")") + "\nmodel file format_version " +
           std::to_string(bertcls::ModelFile::kFormatVersion) + " (docs/FORMAT.md)";
}

// Edits (insert, delete, replace, swap two neighbours) that turn a into b: a typo's distance.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// The candidate `word` most plausibly meant: the shortest one it abbreviates (--fo: --format),
// else the nearest by edit distance when that is a typo's distance (a third of the word);
// empty when none is close.
std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    const std::size_t core = word.size() - std::min(word.find_first_not_of('-'), word.size());
    std::string best;
    for (const auto& c : candidates)
        if (core > 0 && c.starts_with(word) && (best.empty() || c.size() < best.size())) best = c;
    if (!best.empty()) return best;
    std::size_t best_distance = std::max<std::size_t>(1, core / 3) + 1;
    for (const auto& c : candidates)
        if (const std::size_t d = edit_distance(word, c); d < best_distance) {
            best_distance = d;
            best = c;
        }
    return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates, std::string_view quote = "'") {
    const std::string guess = closest(word, candidates);
    return guess.empty() ? "" : "; did you mean " + std::string(quote) + guess + std::string(quote) + "?";
}

// CLI11's "The following argument was not expected: --fo" names neither the command nor what
// was meant: "bertcls classify: unknown option --fo; did you mean --format? (bertcls classify --help)".
int report_unexpected(const CLI::App& app, const CLI::ExtrasError& e) {
    const CLI::App* command = nullptr;
    for (const CLI::App* sub : app.get_subcommands({}))
        if (sub->get_name() == e.get_name()) command = sub;
    if (!command || command->remaining().empty()) {
        std::cerr << "bertcls: " << e.what() << " (bertcls --help)\n";
        return kExitUsage;
    }
    const std::string prefix = "bertcls " + command->get_name();
    const std::string word = command->remaining().front();
    if (!word.starts_with("-")) {
        std::cerr << prefix << ": unexpected argument '" << word << "' (" << prefix << " --help)\n";
        return kExitUsage;
    }
    std::vector<std::string> options;
    for (const CLI::Option* option : command->get_options()) {
        for (const auto& name : option->get_lnames()) options.push_back("--" + name);
        for (const auto& name : option->get_snames()) options.push_back("-" + name);
    }
    const std::string name = word.substr(0, word.find('='));  // --fo=x: the option is --fo
    std::cerr << prefix << ": unknown option " << name << did_you_mean(name, options, "") << " (" << prefix << " --help)\n";
    return kExitUsage;
}

// The first argument picks the command. CLI11 alone answers an unknown one, `help` and
// `version` alike with "A subcommand is required"; here an unknown word is named with the
// closest command, and `help [COMMAND]` and `version` work. Returns the exit code when the
// first argument was handled here, -1 when CLI11 should parse the command line.
int handle_first_argument(const CLI::App& app, int argc, char** argv) {
    std::vector<std::string> commands{"help", "version"};
    for (const CLI::App* sub : app.get_subcommands({}))
        if (!sub->get_group().empty()) commands.push_back(sub->get_name());  // not hidden ones in suggestions
    const auto unknown_command = [&](const std::string& word) {
        std::cerr << "bertcls: unknown command '" << word << "'" << did_you_mean(word, commands)
                  << " (bertcls --help lists the commands)\n";
        return kExitUsage;
    };
    if (argc < 2) {
        std::cerr << "bertcls: a command is required (bertcls --help lists the commands)\n";
        return kExitUsage;
    }
    const std::string first = argv[1];
    if (first == "-h" || first == "--help" || first == "-V" || first == "--version") return -1;
    if (first == "version") {
        std::cout << version_text() << "\n";
        return 0;
    }
    if (first == "help") {
        if (argc == 2) {
            std::cout << app.help();
            return 0;
        }
        const std::string command = argv[2];
        for (const CLI::App* sub : app.get_subcommands({}))
            if (sub->get_name() == command) {
                std::cout << sub->help(app.get_name());  // "Usage: bertcls COMMAND ...", as COMMAND --help has
                return 0;
            }
        return unknown_command(command);
    }
    if (first.starts_with("-")) {
        std::cerr << "bertcls: unknown option " << first << did_you_mean(first, {"--help", "--version"})
                  << "; options other than --help and --version follow the command (bertcls --help lists the commands)\n";
        return kExitUsage;
    }
    for (const std::string& command : commands)
        if (command == first) return -1;
    for (const CLI::App* sub : app.get_subcommands({}))
        if (sub->get_name() == first) return -1;  // a hidden one
    return unknown_command(first);
}
}  // namespace

int main(int argc, char** argv) {
    // Past RLIMIT_FSIZE (ulimit -f), write(2) then fails with EFBIG and the command reports it,
    // instead of SIGXFSZ killing the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"bertcls " BERTCLS_VERSION
                     ": classify text with BERT-family models on the CPU.\n"
                     "Exit codes: 0 success, 1 usage error, 2 bad input or model, 3 some records failed.",
                 "bertcls"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", version_text(), "Print the versions of bertcls, oneDNN and the model file format");
    bertcls::cli::register_attention_command(app);
    bertcls::cli::register_batch_command(app);
    bertcls::cli::register_bench_command(app);
    bertcls::cli::register_classify_command(app);
    bertcls::cli::register_compile_tokenizer_command(app);
    bertcls::cli::register_eval_command(app);
    bertcls::cli::register_info_command(app);
    bertcls::cli::register_tokenize_command(app);
    bertcls::cli::register_zero_shot_command(app);
    bertcls::cli::register_rerank_command(app);
    // After the commands: CLI11 copies a parent's footer into each subcommand it creates, and each
    // command's --help ends with its own examples.
    app.footer(
        "Examples (without -m, the bundled emotion model is used):\n"
        "  bertcls classify \"everything feels wonderful today\"\n"
        "  bertcls batch -i reviews.jsonl -o labelled.jsonl\n"
        "  bertcls attention \"so tired of this\" -o attention.html\n"
        "  bertcls eval -i test.tsv --reference model-f32.bertcls -m model-int8.bertcls\n"
        "  bertcls info -m model.bertcls\n"
        "Run 'bertcls COMMAND --help' (or 'bertcls help COMMAND') for a command's options and examples.\n"
        "On a machine busy with other work, set OMP_WAIT_POLICY=passive: threads waiting for each\n"
        "other then sleep instead of spinning (slower on an idle machine, far faster on a loaded one).");
    if (const int code = handle_first_argument(app, argc, argv); code >= 0) return code;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ExtrasError& e) {
        return report_unexpected(app, e);
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
