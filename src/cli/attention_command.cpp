// `bertcls attention`: the attention probabilities behind one prediction, as a text summary,
// JSON, a NumPy array, a self-contained HTML page, or an SVG/PNG heatmap.

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "attention_report/attention_data.h"
#include "attention_report/html_page.h"
#include "attention_report/json_report.h"
#include "attention_report/npy_writer.h"
#include "attention_report/png_heatmap.h"
#include "attention_report/svg_heatmap.h"
#include "attention_report/text_summary.h"
#include "attention_report/token_names.h"
#include "pipeline/long_text.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/timing.h"
#include "models/model_file.h"
#include "models/prediction.h"
#include "models/sequence_classifier.h"
#include "util/error.h"
#include "util/whole_input.h"

namespace bertcls::cli {

namespace {

namespace report = attention_report;

struct AttentionOptions {
    std::string model_path, dtype;
    std::string text;
    std::string file;
    std::string pair;
    IdOptions ids;
    std::string layer;
    std::string head;
    std::vector<std::string> outputs;
    std::optional<double> vmax;
    int top = 5;
    int page_bits = 0;
    int threads = 0;
    bool timing = false;
};

enum class Format { text, json, npy, html, svg, png };

Format format_of(const std::string& output) {
    if (output.empty()) return Format::text;
    const auto dot = output.find_last_of('.');
    std::string ext = dot == std::string::npos || output.find('/', dot) != std::string::npos ? "" : output.substr(dot);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".json") return Format::json;
    if (ext == ".npy") return Format::npy;
    if (ext == ".html" || ext == ".htm") return Format::html;
    if (ext == ".svg") return Format::svg;
    if (ext == ".png") return Format::png;
    throw UsageError("-o " + output + ": the extension picks the format: .json, .npy, .html, .svg or .png" +
                     (ext.empty() ? "" : " (not " + ext + ")"));
}

// The one sequence to explain, with its display tokens, cut to the model's length as classify
// --long-text truncate does; `tokens` says how long it was.
pipeline::DocumentEncoding encode_input(const AttentionOptions& o, const ModelFile& model) {
    pipeline::DocumentEncoding doc;
    if (o.ids.given()) {
        IdInput ids = parse_id_options(o.ids);
        Encoding e;
        e.input_ids = std::move(ids.input_ids);
        e.token_type_ids = std::move(ids.token_type_ids);
        const auto tokenizer = model.has_tokenizer() ? model.make_tokenizer(kNeedsInputIds) : nullptr;
        e.tokens = report::token_names(e.input_ids, tokenizer.get());
        doc.tokens = e.input_ids.size();
        doc.chunks.push_back(std::move(e));
        return doc;
    }
    const auto tokenizer = model.make_tokenizer(kNeedsInputIds);
    const pipeline::LongTextOptions options{.strategy = pipeline::LongTextStrategy::truncate,
                                         .max_length = static_cast<std::size_t>(model.config().max_length),
                                         .with_tokens = true};
    const std::optional<std::string_view> pair =
        o.pair.empty() ? std::nullopt : std::optional<std::string_view>(o.pair);
    const std::string source = !o.file.empty() ? o.file : o.text.empty() ? "stdin" : "text";
    try {
        return pipeline::encode_document(*tokenizer, o.text, pair, options);
    } catch (const InputError& e) {
        throw InputError(source + ": " + e.what());
    }
}

std::ofstream open_output(const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot write (" + std::strerror(errno) + ")");
    return out;
}

void finish_output(std::ofstream& out, const std::string& path) {
    out.close();
    if (!out) throw InputError(path + ": write error");
}

// The layers and heads a format shows, from --layer/--head and the format's defaults.
report::Selection selection_for(const AttentionOptions& o, Format format) {
    using Heads = report::Selection::Heads;
    switch (format) {
        case Format::text: return report::parse_selection(o.layer, o.head, {.heads = Heads::mean});
        case Format::json:
        case Format::npy:
        case Format::html: return report::parse_selection(o.layer, o.head, {});
        case Format::svg:
        case Format::png: {
            const auto s = report::parse_selection(o.layer, o.head, {.layer = -1, .heads = Heads::mean});
            const char* what = format == Format::svg ? "an SVG" : "a PNG";
            if (!s.layer)
                throw UsageError(std::string("--layer all: ") + what + " heatmap shows one layer; give an index (default: the last)");
            if (s.heads == Heads::all)
                throw UsageError(std::string("--head all: ") + what + " heatmap shows one head; give an index or mean (the default)");
            return s;
        }
    }
    return {};
}

void write_output(const AttentionOptions& o, const std::string& path, Format format,
                  const report::ReportHeader& header, const report::AttentionData& all) {
    const report::AttentionData data = report::select(all, selection_for(o, format));
    auto out = open_output(path);
    switch (format) {
        case Format::text:
            report::write_text_summary(out, header, data, o.top);
            break;
        case Format::json:
            report::write_json_report(out, header, data);
            break;
        case Format::npy: {
            const int64_t shape[] = {static_cast<int64_t>(data.layers.size()), static_cast<int64_t>(data.head_count()),
                                     data.tokens, data.tokens};
            report::write_npy_f32(out, shape, data.values);
            const std::string tokens_path = path + ".tokens.json";
            auto meta = open_output(tokens_path);
            auto json = report::report_metadata(header, data);
            json["shape"] = shape;
            meta << json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
            finish_output(meta, tokens_path);
            break;
        }
        case Format::html:
            report::write_html_page(out, header, data, {.value_bits = o.page_bits});
            break;
        case Format::svg:
            report::write_svg_heatmap(out, header, data, {.scale_max = o.vmax});
            break;
        case Format::png:
            report::write_png_heatmap(out, header, data, {.scale_max = o.vmax});
            break;
    }
    finish_output(out, path);
}

void run_attention(AttentionOptions o) {
    const int sources = !o.text.empty() + !o.file.empty() + o.ids.given();
    if (sources > 1) throw UsageError("give TEXT, -f FILE or --input-ids, not several");
    if (o.ids.token_type_ids && !o.ids.given()) throw UsageError("--token-type-ids needs --input-ids");
    if (!o.pair.empty() && o.ids.given())
        throw UsageError("--pair needs a text; with --input-ids give both segments' ids and --token-type-ids");
    if (o.top < 1) throw UsageError("--top must be at least 1");
    if (o.vmax && !(*o.vmax > 0)) throw UsageError("--vmax must be positive");
    if (o.page_bits != 0 && o.page_bits != 8 && o.page_bits != 4) throw UsageError("--page-bits must be 8 or 4");
    // Usage errors before any work: the extensions and the selection's form...
    for (const auto& path : o.outputs) selection_for(o, format_of(path));
    if (o.outputs.empty()) selection_for(o, Format::text);
    use_threads(o.threads);
    if (!o.ids.given() && o.text.empty() && (o.file.empty() || o.file == "-"))
        note_terminal_stdin("attention", "text", "pass TEXT, -f FILE");
    note_text_names_file(o.text, "explain");

    const Stopwatch total;
    StageTimes stages;
    auto model = std::make_shared<const ModelFile>(resolve_model_path(o.model_path));
    SequenceClassifier classifier(model, requested_dtype(o.dtype));
    report_compute_choice(classifier.compute_choice());
    stages.load_ms = total.elapsed_ms();
    const ModelConfig& config = model->config();

    std::optional<std::string> text, pair;
    if (!o.ids.given()) {
        if (!o.file.empty()) o.text = read_whole_input(o.file);
        else if (o.text.empty()) o.text = read_whole_input("-");
        text = o.text;
        if (!o.pair.empty()) pair = o.pair;
    }
    const Stopwatch tokenize_time;
    pipeline::DocumentEncoding document = encode_input(o, *model);
    Encoding& encoding = document.chunks.front();
    stages.tokenize_ms = tokenize_time.elapsed_ms();

    // The same forward pass `classify` runs; the maps are copied out because we ask for them.
    const SequenceInput input{encoding.input_ids, encoding.token_type_ids};
    const Stopwatch forward_time;
    const ForwardResult result = classifier.forward(std::span(&input, 1), {.keep_attentions = true});
    stages.forward_ms = forward_time.elapsed_ms();

    report::ReportHeader header;
    header.model_name = report::display_name(model->path().string());
    header.family = config.family;
    header.text = text;
    header.pair = pair;
    header.tokens = std::move(encoding.tokens);
    header.tokens_total = document.tokens;
    header.input_ids = encoding.input_ids;
    header.token_type_ids = encoding.token_type_ids.empty() ? std::vector<int32_t>(encoding.input_ids.size(), 0)
                                                            : encoding.token_type_ids;
    header.prediction = make_prediction(config, result.logits);
    header.problem_type = problem_type_name(config.problem_type);
    header.num_layers = config.num_layers;
    header.num_heads = config.num_heads;
    // ... and its indices, before any file is written.
    for (const auto& path : o.outputs) report::check_selection(selection_for(o, format_of(path)), config.num_layers, config.num_heads);
    const report::AttentionData all = report::all_attentions(result.attentions, 0, config.num_heads);
    if (header.truncated()) std::cerr << "attention: " << report::truncation_note(header) << '\n';

    if (o.outputs.empty()) {
        const auto data = report::select(all, selection_for(o, Format::text));
        report::write_text_summary(std::cout, header, data, o.top);
    }
    for (const auto& path : o.outputs) {
        write_output(o, path, format_of(path), header, all);
        std::cerr << "wrote " << path << (format_of(path) == Format::npy ? " and " + path + ".tokens.json" : "") << '\n';
    }
    if (o.timing) print_timing(stages, total);
}

}  // namespace

void register_attention_command(CLI::App& app) {
    auto options = std::make_shared<AttentionOptions>();
    CLI::App* cmd = app.add_subcommand("attention", "Show the attention behind a prediction (text, JSON, .npy, HTML, SVG, PNG)");
    add_model_option(cmd, options->model_path);
    add_dtype_option(cmd, options->dtype);
    cmd->add_option("text", options->text, "Text to explain (default: stdin)");
    cmd->add_option("-f,--file", options->file, "Explain the whole content of FILE as one text");
    cmd->add_option("--pair", options->pair, "Second text of a sentence pair");
    add_id_options(cmd, options->ids);
    cmd->add_option("--layer", options->layer,
                    "Layer index (negative counts from the end) or all. Default: all; the last for .svg/.png");
    cmd->add_option("--head", options->head,
                    "Head index, all, or mean (over heads). Default: all for .json/.npy/.html, mean otherwise");
    cmd->add_option("-o,--output", options->outputs,
                    "Write to FILE; the extension picks the format: .json, .npy (+ FILE.tokens.json), .html, .svg, .png. "
                    "Repeat for several files from one run. Without -o: a text summary on stdout")
        ->allow_extra_args(false);
    cmd->add_option("--top", options->top, "Text summary: how many tokens to list per layer")->capture_default_str();
    cmd->add_option("--vmax", options->vmax, "SVG/PNG: top of the colour scale (default: the map's maximum, rounded up)");
    cmd->add_option("--page-bits", options->page_bits,
                    "HTML: bits per stored attention value, 8 or 4 (default: 8, or 4 past 16M values)");
    add_threads_option(cmd, options->threads);
    add_timing_flag(cmd, options->timing);
    cmd->footer(
        "Examples:\n"
        "  bertcls attention \"everything feels wonderful today\"        # what [CLS] attends to, per layer\n"
        "  bertcls attention \"everything feels wonderful today\" -o page.html # interactive page, every layer and head\n"
        "  bertcls attention -f long.txt --layer -1 --head mean -o page.html     # only what is asked for is embedded\n"
        "  bertcls attention \"so tired of this\" --layer 1 --head 0 -o map.svg\n"
        "  bertcls attention \"so tired of this\" -o map.png            # last layer, mean over heads\n"
        "  bertcls attention -m model.bertcls \"premise\" --pair \"hypothesis\" -o attn.json\n"
        "  bertcls attention -m model.bertcls --input-ids 101,7592,2088,102 -o attn.npy -o attn.json\n"
        "      # attn.npy: float32 [layers, heads, T, T]; attn.npy.tokens.json: tokens, ids, prediction\n"
        "Formats: .json holds tokens, input_ids, layers, heads, the prediction and attentions[layer][head][query][key]\n"
        "(softmax probabilities, real tokens only, the exact float32 values of the forward pass that classifies).\n"
        "The .html page is self-contained and works offline; it embeds the --layer/--head selection, each\n"
        "row as 8-bit (or 4-bit, --page-bits) fractions of its largest value: a bert-base page of every\n"
        "layer and head at 512 tokens is 25.6 MB. Texts longer than the model's limit are cut to it; the\n"
        "summary, stderr, the JSON (\"truncated\", \"tokens_total\") and the page say so.");
    cmd->callback([options] { run_attention(*options); });
}

}  // namespace bertcls::cli
