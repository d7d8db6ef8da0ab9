// `bertcls classify`: labels for texts given on the command line, in a file, or on stdin.
#include <omp.h>

#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "format/model_file.h"
#include "models/prediction.h"
#include "models/sequence_classifier.h"
#include "util/error.h"
#include "util/resources.h"

namespace bertcls::cli {

namespace {

struct ClassifyOptions {
    std::string model_path;
    std::vector<std::string> texts;
    std::string file;
    std::string pair;
    std::string input_ids;
    std::string token_type_ids;
    std::string format = "text";
    int threads = 0;
    bool timing = false;
};

void print_prediction(const Prediction& p, const std::string& format) {
    if (format == "text") {
        std::cout << p.best().label << '\t' << p.best().score << '\n';
        return;
    }
    nlohmann::json scores = nlohmann::json::array();
    for (const auto& s : p.ranked) scores.push_back({{"label", s.label}, {"score", s.score}});
    const nlohmann::json out = {
        {"label", p.best().label}, {"score", p.best().score}, {"scores", scores}, {"logits", p.logits}};
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::vector<Encoding> encode_inputs(const ClassifyOptions& o, const ModelFile& model) {
    std::vector<Encoding> encodings;
    if (!o.input_ids.empty()) {
        Encoding e;
        e.input_ids = parse_id_list(o.input_ids, "--input-ids");
        if (!o.token_type_ids.empty()) e.token_type_ids = parse_id_list(o.token_type_ids, "--token-type-ids");
        encodings.push_back(std::move(e));
        return encodings;
    }
    if (!model.has_tokenizer())
        throw InputError(model.path().string() +
                         " has no tokenizer: it accepts only pre-tokenized input (--input-ids)");
    const auto tokenizer = make_tokenizer(model.tokenizer_files());
    const EncodeOptions options{.max_length = static_cast<std::size_t>(model.config().max_length)};
    const std::optional<std::string_view> pair =
        o.pair.empty() ? std::nullopt : std::optional<std::string_view>(o.pair);
    const auto encode = [&](const std::string& text, const std::string& source) {
        try {
            encodings.push_back(tokenizer->encode(text, pair, options));
        } catch (const InputError& e) {
            throw InputError(source + ": " + e.what());
        }
    };
    if (!o.file.empty()) {
        encode(read_file_or_stdin(o.file), o.file);
    } else if (o.texts.empty()) {
        encode(read_file_or_stdin("-"), "stdin");
    } else {
        for (std::size_t i = 0; i < o.texts.size(); ++i) encode(o.texts[i], "text " + std::to_string(i + 1));
    }
    return encodings;
}

void run_classify(const ClassifyOptions& o) {
    if (o.format != "text" && o.format != "json") throw UsageError("--format must be text or json");
    const int sources = !o.texts.empty() + !o.file.empty() + !o.input_ids.empty();
    if (sources > 1) throw UsageError("give texts, -f FILE or --input-ids, not several");
    if (!o.token_type_ids.empty() && o.input_ids.empty()) throw UsageError("--token-type-ids needs --input-ids");
    if (o.threads > 0) omp_set_num_threads(o.threads);

    Stopwatch total;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model_path));
    SequenceClassifier classifier(model);
    const double load_ms = total.elapsed_ms();

    Stopwatch tokenize_time;
    const std::vector<Encoding> encodings = encode_inputs(o, *model);
    const double tokenize_ms = tokenize_time.elapsed_ms();

    std::vector<SequenceInput> inputs;
    for (const auto& e : encodings) inputs.push_back({e.input_ids, e.token_type_ids});
    Stopwatch forward_time;
    const ForwardResult result = classifier.forward(inputs);
    const double forward_ms = forward_time.elapsed_ms();

    const auto labels = classifier.num_labels();
    for (std::size_t i = 0; i < inputs.size(); ++i)
        print_prediction(make_prediction(model->config(), std::span(result.logits).subspan(i * labels, labels)),
                         o.format);
    if (o.timing)
        std::cerr << "timing: load " << load_ms << " ms, tokenize " << tokenize_ms << " ms, forward " << forward_ms
                  << " ms, total " << total.elapsed_ms() << " ms, peak RSS " << peak_rss_mb() << " MiB\n";
}

}  // namespace

void register_classify_command(CLI::App& app) {
    auto options = std::make_shared<ClassifyOptions>();
    CLI::App* cmd = app.add_subcommand("classify", "Classify texts (arguments, -f FILE, or stdin)");
    add_model_option(cmd, options->model_path);
    cmd->add_option("texts", options->texts, "Texts to classify, one result per text, in order");
    cmd->add_option("-f,--file", options->file, "Classify the whole content of FILE as one text");
    cmd->add_option("--pair", options->pair, "Second text of a sentence pair");
    cmd->add_option("--input-ids", options->input_ids, "Pre-tokenized input: ids with special tokens, e.g. 101,2054,102");
    cmd->add_option("--token-type-ids", options->token_type_ids, "Token type ids for --input-ids");
    cmd->add_option("--format", options->format, "Output: text (label<TAB>score) or json")->capture_default_str();
    cmd->add_option("--threads", options->threads, "Threads (default: all cores)");
    cmd->add_flag("--timing", options->timing, "Print load/tokenize/forward times and peak memory to stderr");
    cmd->footer(
        "Examples:\n"
        "  bertcls classify \"I can't stop smiling today\"\n"
        "  bertcls classify --format json \"first text\" \"second text\"\n"
        "  bertcls classify -m model.bertcls -f review.txt\n"
        "  echo \"so tired of this\" | bertcls classify\n"
        "  bertcls classify -m model.bertcls --input-ids 101,1045,2293,2009,102\n"
        "Texts longer than the model's limit are truncated.");
    cmd->callback([options] { run_classify(*options); });
}

}  // namespace bertcls::cli
