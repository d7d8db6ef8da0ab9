#pragma once
// One function per subcommand, each defined in its own file in src/cli/; main.cpp calls them all.
#include <CLI/CLI.hpp>

namespace bertcls::cli {

void register_classify_command(CLI::App& app);
void register_info_command(CLI::App& app);
void register_tokenize_command(CLI::App& app);

}  // namespace bertcls::cli
