#pragma once
// Helpers shared by the subcommands: locating the model and reading pre-tokenized ids.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace bertcls::cli {

// The file name of the bundled default model in models/.
inline constexpr const char* kDefaultModelName = "emotion-bert-L2-H128.bertcls";

// Adds `-m,--model FILE` to a command; empty means the default model.
void add_model_option(CLI::App* command, std::string& model_path);

// The model to load: the given path, else $BERTCLS_MODEL, else the default model next to an
// installed binary (../share/bertcls/models) or in the source tree. Throws InputError when none exists.
std::filesystem::path resolve_model_path(const std::string& model_path);

// Parses "101,2054,102" (commas and/or spaces). Throws UsageError naming `option`.
std::vector<int32_t> parse_id_list(std::string_view text, std::string_view option);

// Whole file (or stdin for "-") as bytes; throws InputError naming the file.
std::string read_file_or_stdin(const std::string& path);

}  // namespace bertcls::cli
