// `bench_engine ARGS` = `bertcls bench ARGS`, as its own binary so the engine can be measured
// while the rest of the CLI is being changed.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "util/error.h"

int main(int argc, char** argv) {
    CLI::App app{"bertcls bench, standalone"};
    bertcls::cli::register_bench_command(app);
    app.require_subcommand(1);
    std::vector<std::string> args(argv + 1, argv + argc);
    args.insert(args.begin(), "bench");
    std::reverse(args.begin(), args.end());
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "bench_engine: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
