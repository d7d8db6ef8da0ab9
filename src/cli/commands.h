#pragma once
// One function per subcommand, each defined in its own file in src/cli/; main.cpp calls them all.
#include <CLI/CLI.hpp>
#include <stdexcept>

namespace bertcls::cli {

void register_attention_command(CLI::App& app);
void register_batch_command(CLI::App& app);
void register_bench_command(CLI::App& app);
void register_classify_command(CLI::App& app);
void register_compile_tokenizer_command(CLI::App& app);
void register_eval_command(CLI::App& app);
void register_info_command(CLI::App& app);
void register_tokenize_command(CLI::App& app);
void register_rerank_command(CLI::App& app);
void register_zero_shot_command(CLI::App& app);

// Thrown when a run finished but some records failed (--on-error skip): exit code 3.
struct RecordsFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace bertcls::cli
