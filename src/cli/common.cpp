#include "cli/common.h"

#include <omp.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "util/error.h"

namespace bertcls::cli {

namespace {

std::filesystem::path executable_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path{} : exe.parent_path();
}

}  // namespace

void add_model_option(CLI::App* command, std::string& model_path) {
    command->add_option("-m,--model", model_path,
                        "Model file (.bertcls). Default: $BERTCLS_MODEL, else the bundled emotion model");
}

void add_dtype_option(CLI::App* command, std::string& dtype) {
    command->add_option("--dtype", dtype,
                        "Arithmetic of the encoder's dense layers: f32, bf16 or int8 (default: what the model file "
                        "was converted for). Without AVX512-BF16 / AVX512-VNNI it falls back to f32 with a notice")
        ->check(CLI::IsMember({"f32", "bf16", "int8"}));
}

std::optional<ComputeType> requested_dtype(const std::string& dtype) {
    if (dtype.empty()) return std::nullopt;
    return parse_compute_type(dtype);
}

void report_compute_choice(const ComputeChoice& choice) {
    if (!choice.reason.empty()) std::cerr << "note: " << choice.reason << "\n";
}

std::filesystem::path resolve_model_path(const std::string& model_path) {
    if (!model_path.empty()) return model_path;
    if (const char* env = std::getenv("BERTCLS_MODEL"); env && *env) {
        // Named as the variable: the user may have forgotten it is set.
        if (!std::filesystem::exists(env)) throw InputError(std::string("BERTCLS_MODEL=") + env + ": no such file");
        return env;
    }
    // An installed binary finds its model under <prefix>/share; a build-tree binary finds the
    // source tree's models/.
    const std::filesystem::path candidates[] = {
        executable_dir() / ".." / BERTCLS_INSTALL_MODEL_SUBDIR / kDefaultModelName,
        std::filesystem::path(BERTCLS_SOURCE_MODEL_DIR) / kDefaultModelName,
    };
    for (const auto& candidate : candidates)
        if (std::filesystem::is_regular_file(candidate)) return candidate.lexically_normal();
    throw InputError(std::string("no model given (-m) and the default model ") + kDefaultModelName +
                     " was not found next to the binary or in the source tree");
}

std::vector<int32_t> parse_id_list(std::string_view text, std::string_view option) {
    std::vector<int32_t> ids;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ',' || text[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != ',' && text[end] != ' ') ++end;
        const std::string token(text.substr(i, end - i));
        char* stop = nullptr;
        errno = 0;
        const long long value = std::strtoll(token.c_str(), &stop, 10);
        if (stop != token.c_str() + token.size() || errno != 0 || value < INT32_MIN || value > INT32_MAX)
            throw UsageError(std::string(option) + ": '" + token + "' is not an integer id");
        ids.push_back(static_cast<int32_t>(value));
        i = end;
    }
    if (ids.empty()) throw UsageError(std::string(option) + ": no ids given");
    return ids;
}

void add_id_options(CLI::App* command, IdOptions& ids) {
    command->add_option("--input-ids", ids.input_ids, "Pre-tokenized input: ids with special tokens, e.g. 101,2054,102");
    command->add_option("--token-type-ids", ids.token_type_ids, "Token type ids for --input-ids");
}

IdInput parse_id_options(const IdOptions& ids) {
    if (ids.token_type_ids && !ids.input_ids) throw UsageError("--token-type-ids needs --input-ids");
    IdInput out;
    if (ids.input_ids) out.input_ids = parse_id_list(*ids.input_ids, "--input-ids");
    if (ids.token_type_ids) out.token_type_ids = parse_id_list(*ids.token_type_ids, "--token-type-ids");
    return out;
}

void add_threads_option(CLI::App* command, int& threads) {
    command->add_option("--threads", threads, "Threads (default: all cores)");
}

void use_threads(int threads) {
    if (threads < 0) throw UsageError("--threads must be positive");
    if (threads > 0) omp_set_num_threads(threads);
}

void flush_stdout() {
    std::cout.flush();
    if (!std::cout) throw InputError(std::string("stdout: write error (") + std::strerror(errno) + ")");
}

void reject_directory(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory");
}

void note_terminal_stdin(std::string_view command, std::string_view what, std::string_view alternatives) {
    if (::isatty(STDIN_FILENO))
        std::cerr << "bertcls " << command << ": reading " << what << " from the terminal; end with Ctrl-D (or "
                  << alternatives << ")\n";
}

void note_text_names_file(const std::string& text, std::string_view verb) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(text, ec))
        std::cerr << "note: '" << text << "' is a file; use -f " << text << " to " << verb << " its content\n";
}

ScoreFunction parse_function_to_apply(const std::string& value) {
    if (const auto f = parse_score_function(value)) return *f;
    throw UsageError("--function-to-apply must be softmax, sigmoid or none, not '" + value + "'");
}

}  // namespace bertcls::cli
