#pragma once
// Helpers shared by the subcommands: locating the model and reading pre-tokenized ids.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/model_config.h"
#include "ops/compute_type.h"

namespace bertcls::cli {

// Why a command needs a model's tokenizer, for ModelFile::make_tokenizer's error.
inline constexpr const char* kNeedsInputIds = "it accepts only pre-tokenized input (--input-ids)";

// The file name of the bundled default model in models/.
inline constexpr const char* kDefaultModelName = "emotion-bert-L2-H128.bertcls";

// Adds `-m,--model FILE` to a command; empty means the default model.
void add_model_option(CLI::App* command, std::string& model_path);

// The model to load: the given path, else $BERTCLS_MODEL, else the default model next to an
// installed binary (../share/bertcls/models) or in the source tree. Throws InputError when none exists.
std::filesystem::path resolve_model_path(const std::string& model_path);

// Adds `--dtype f32|bf16|int8`: the arithmetic of the encoder's dense layers, overriding the one
// the model file was converted for (empty: the file's own).
void add_dtype_option(CLI::App* command, std::string& dtype);
std::optional<ComputeType> requested_dtype(const std::string& dtype);

// One line on stderr when the CPU cannot run the chosen arithmetic and a fallback runs instead.
void report_compute_choice(const ComputeChoice& choice);

// --function-to-apply softmax|sigmoid|none; throws UsageError for anything else.
ScoreFunction parse_function_to_apply(const std::string& value);

// Parses "101,2054,102" (commas and/or spaces). Throws UsageError naming `option`.
std::vector<int32_t> parse_id_list(std::string_view text, std::string_view option);

// `--input-ids` and `--token-type-ids`: pre-tokenized input instead of text.
struct IdOptions {
    std::optional<std::string> input_ids, token_type_ids;  // set, even to "": given
    bool given() const { return input_ids.has_value(); }
};
void add_id_options(CLI::App* command, IdOptions& ids);
// Both lists parsed (token types empty when not given). Throws UsageError naming the option,
// also for --token-type-ids without --input-ids.
struct IdInput {
    std::vector<int32_t> input_ids, token_type_ids;
};
IdInput parse_id_options(const IdOptions& ids);

// `--threads N` (default: all cores); use_threads applies it, a UsageError when negative.
void add_threads_option(CLI::App* command, int& threads);
void use_threads(int threads);

// Flushes stdout and throws InputError "stdout: write error (REASON)" when any write to it failed
// (a full disk, a closed pipe), so that a cut-short output never passes for a complete one.
void flush_stdout();

// Throws InputError "PATH: is a directory". Opening a directory succeeds and reading it fails
// later, in a message that cannot name the file.
void reject_directory(const std::string& path);

// A command about to read stdin from a terminal would otherwise wait without a word: one line on
// stderr, "bertcls COMMAND: reading WHAT from the terminal; end with Ctrl-D (or ALTERNATIVES)".
void note_terminal_stdin(std::string_view command, std::string_view what, std::string_view alternatives);

// A text argument that names an existing file is still the text, but likely meant as -f FILE:
// one line on stderr saying so ("... use -f a.txt to VERB its content").
void note_text_names_file(const std::string& text, std::string_view verb);

}  // namespace bertcls::cli
