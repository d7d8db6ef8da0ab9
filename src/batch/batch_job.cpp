#include "batch/batch_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "batch/input_check.h"
#include "batch/interrupt_notice.h"
#include "batch/line_reader.h"
#include "batch/line_writer.h"
#include "batch/resume.h"
#include "batch/run_record.h"
#include "models/model_file.h"
#include "pipeline/text_classifier.h"
#include "util/error.h"
#include "util/same_file.h"
#include "util/text_input.h"

namespace bertcls::batch {

namespace {

class File {
public:
    File(const std::string& path, int flags, const char* what) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0644)) {
        if (fd_ < 0) throw InputError(path + ": cannot open " + what + " (" + std::strerror(errno) + ")");
    }
    ~File() { ::close(fd_); }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

// One input line on its way through the pipeline.
struct Item {
    Record record;
    std::string error;  // non-empty: an error record
    bool blank = false;  // a blank line is no record: an empty output line keeps the lines aligned
};

std::optional<uint64_t> regular_file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
    return std::nullopt;
}

class Pipeline {
public:
    Pipeline(const BatchJobOptions& o, pipeline::TextClassifier& classifier, LineWriter& out)
        : o_(o), classifier_(classifier), out_(out) {
        if (o.zero_shot) zero_shot_.emplace(classifier, *o.zero_shot);
    }

    // Processes one window of lines and writes its output lines in order.
    void run_window(const std::vector<Line>& lines, Counts& counts, StageTimes& times) {
        const std::size_t n = lines.size();
        std::vector<Item> items(n);
        const Stopwatch parse_time;
        parse_all(lines, items);
        times.tokenize_ms += parse_time.elapsed_ms();

        std::vector<std::size_t> valid;
        std::vector<pipeline::TextInput> inputs;
        for (std::size_t i = 0; i < n; ++i) {
            const Record& r = items[i].record;
            if (!items[i].error.empty() || items[i].blank) continue;
            valid.push_back(i);
            if (r.pretokenized) inputs.push_back({.input_ids = std::span(r.input_ids), .token_type_ids = r.token_type_ids});
            else inputs.push_back({.text = r.text, .pair = r.has_pair ? std::optional<std::string_view>(r.pair) : std::nullopt});
        }
        const double tokenize_before = classifier_.tokenize_ms, forward_before = classifier_.forward_ms;
        std::vector<Prediction> predictions;
        std::vector<pipeline::ZeroShotResult> zero_shot;
        if (zero_shot_) {
            std::vector<std::string_view> texts;
            for (std::size_t k = 0; k < valid.size(); ++k) {
                if (items[valid[k]].record.pretokenized) items[valid[k]].error = "zero-shot needs text, not input_ids";
                texts.push_back(inputs[k].text);
            }
            zero_shot = zero_shot_->classify(texts, pipeline::LongTextStrategy::truncate);
            for (std::size_t k = 0; k < valid.size(); ++k) {
                if (!items[valid[k]].error.empty()) continue;
                if (!zero_shot[k].error.empty()) items[valid[k]].error = zero_shot[k].error;
                else counts.tokens += zero_shot[k].tokens;
            }
        }
        std::vector<pipeline::EncodedText> encoded;
        if (!zero_shot_) {
            encoded = classifier_.encode(inputs, pipeline::LongTextStrategy::truncate);
            for (std::size_t k = 0; k < valid.size(); ++k) {
                if (!encoded[k].error.empty()) items[valid[k]].error = encoded[k].error;
                else counts.tokens += encoded[k].document.chunks.front().input_ids.size();
            }
        }
        // Under --on-error fail nothing after the first bad line is needed.
        std::size_t end = n;
        if (o_.fail_on_error)
            for (std::size_t i = 0; i < n; ++i)
                if (!items[i].error.empty()) {
                    end = i;
                    break;
                }
        if (!zero_shot_) predictions = classifier_.predict(encoded);
        times.tokenize_ms += classifier_.tokenize_ms - tokenize_before;
        times.forward_ms += classifier_.forward_ms - forward_before;

        std::vector<std::string> output(end);
        std::vector<std::size_t> prediction_of(n, SIZE_MAX);
        for (std::size_t k = 0; k < valid.size(); ++k) prediction_of[valid[k]] = k;
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < end; ++i) {
            if (items[i].blank) continue;
            if (!items[i].error.empty()) output[i] = error_json(items[i].error, lines[i].number, items[i].record.id);
            else if (zero_shot_)
                output[i] = add_field(lines[i].text, o_.fields.output,
                                      zero_shot_json(zero_shot[prediction_of[i]].ranked, nullptr, o_.prediction.top_k.value_or(SIZE_MAX)));
            else output[i] = add_field(lines[i].text, o_.fields.output, prediction_json(predictions[prediction_of[i]], o_.prediction));
        }
        for (std::size_t i = 0; i < end; ++i) {
            out_.write_line(output[i]);
            if (items[i].blank) continue;
            ++counts.records;
            if (!items[i].error.empty()) ++counts.errors;
        }
        out_.flush();
        if (end < n)
            throw InputError((o_.input == "-" ? std::string("stdin") : o_.input) + ": line " +
                             std::to_string(lines[end].number) + ": " + items[end].error);
    }

private:
    void parse_all(const std::vector<Line>& lines, std::vector<Item>& items) const {
#pragma omp parallel for schedule(dynamic, 16)
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].too_long) {
                items[i].error = too_long_message(lines[i], o_.max_record_bytes);
            } else if (is_blank_line(lines[i].text)) {
                items[i].blank = true;
            } else {
                items[i].record = parse_record(lines[i].text, o_.fields);
                items[i].error = items[i].record.error;
            }
        }
    }

    const BatchJobOptions& o_;
    pipeline::TextClassifier& classifier_;
    LineWriter& out_;
    std::optional<pipeline::ZeroShotClassifier> zero_shot_;
};

}  // namespace

void check_batch_options(const BatchJobOptions& o) {
    if (o.resume && o.output == "-") throw UsageError("--resume needs an output file (-o FILE)");
    if (o.shard.count > 0 && o.input == "-") throw UsageError("--shard needs an input file (-i FILE)");
    if (o.shard.count > 0 && o.first_line != 1) throw UsageError("--shard and --first-line exclude each other");
    if (o.first_line == 0) throw UsageError("--first-line must be at least 1");
    if (o.limits.max_sequences == 0) throw UsageError("--batch-size must be at least 1");
    if (o.max_length < 0) throw UsageError("--max-length must be positive");
    if (o.max_record_bytes == 0) throw UsageError("--max-record-bytes must be at least 1");
    if (o.fields.text.empty() || o.fields.output.empty()) throw UsageError("field names must not be empty");
    for (const auto* f : {&o.fields.text, &o.fields.pair, &o.fields.id})
        if (!f->empty() && *f == o.fields.output)
            throw UsageError("--output-field '" + o.fields.output + "' must differ from the input fields");
    if (o.zero_shot) {
        pipeline::check_labels(o.zero_shot->labels, "--zero-shot-labels");
        if (!o.fields.pair.empty()) throw UsageError("--zero-shot-labels pairs each text with the labels' hypotheses: drop --pair-field");
        if (o.prediction.threshold || o.prediction.all_scores || o.prediction.logits || o.function_to_apply)
            throw UsageError("--zero-shot-labels gives every label's score: --threshold, --all-scores, --logits and --function-to-apply do not apply");
    }
}

BatchSummary run_batch_job(const BatchJobOptions& options) {
    check_batch_options(options);
    refuse_output_over_input(options.input, options.output);
    BatchJobOptions o = options;

    // The model first: a bad model must not truncate an existing output file.
    const Stopwatch load_time;
    auto model = std::make_shared<const ModelFile>(o.model);
    if (!o.zero_shot) o.prediction.threshold = label_threshold(model->config(), o.prediction.threshold);
    pipeline::TextClassifier classifier(
        model, {.compute = o.compute, .max_length = o.max_length, .limits = o.limits, .function_to_apply = o.function_to_apply});
    if (o.zero_shot) {  // a model that cannot do it fails before any output
        try {
            pipeline::ZeroShotClassifier check(classifier, *o.zero_shot);
        } catch (const InputError& e) {
            throw InputError(o.model.string() + ": " + e.what());
        }
    }
    if (!classifier.compute_choice().reason.empty())
        std::fprintf(stderr, "note: %s\n", classifier.compute_choice().reason.c_str());
    const double load_ms = load_time.elapsed_ms();
    const InterruptNotice interrupt_notice(o.progress, o.output != "-");

    std::optional<File> input_file, output_file;
    if (o.input != "-") input_file.emplace(o.input, O_RDONLY, "the input");
    const int input_fd = input_file ? input_file->fd() : STDIN_FILENO;
    const std::string input_name = o.input == "-" ? "stdin" : o.input;

    const nlohmann::ordered_json run = describe_run(o, classifier.compute_choice().effective, static_cast<int64_t>(classifier.max_length()));
    BatchSummary summary;
    summary.times.load_ms = load_ms;
    bool recorded = false;  // the output's run record is there and matches
    if (o.resume) {
        const ResumePoint point = prepare_resume(o.output);
        summary.resumed = point.lines;
        summary.earlier_errors = point.errors;
        // With no complete line there is nothing to keep consistent with.
        if (point.lines > 0) {
            recorded = check_run_record(o.output, run);
            if (!recorded)
                std::fprintf(stderr, "note: %s has no %s (written by an older bertcls?): the model and options cannot "
                                     "be checked against the earlier run's; resuming, and recording this run's\n",
                             o.output.c_str(), run_record_path(o.output).c_str());
        }
    }

    // --shard: this shard's lines; --first-line: a piece of a larger file.
    ShardRange range;
    range.first_line = o.first_line;
    if (o.shard.count > 0) range = locate_shard(input_fd, input_name, o.shard);
    Line line;
    std::vector<Line> window;
    const auto read_window = [&](LineReader& from) {
        window.clear();
        std::size_t bytes = 0;
        while (window.size() < o.window_records && bytes < o.window_bytes && from.next(line)) {
            bytes += line.text.size();
            window.push_back(std::move(line));
        }
    };
    // A shard checks the first records of the whole file, as the single run does, so that
    // every shard fails alike or none does. A resumed run already passed this check.
    if (o.shard.count > 0 && summary.resumed == 0) {
        if (::lseek(input_fd, 0, SEEK_SET) < 0)
            throw InputError(input_name + ": cannot seek (" + std::strerror(errno) + ")");
        LineReader head(input_fd, o.max_record_bytes);
        read_window(head);
        check_first_records(window, o.fields, input_name, "batch");
        if (::lseek(input_fd, static_cast<off_t>(range.begin), SEEK_SET) < 0)
            throw InputError(input_name + ": cannot seek (" + std::strerror(errno) + ")");
    }

    LineReader reader(input_fd, o.max_record_bytes, range.first_line, range.limit);
    for (uint64_t skipped = 0; skipped < summary.resumed; ++skipped)
        if (!reader.next(line))
            throw InputError("--resume: " + o.output + " has " + std::to_string(summary.resumed) +
                             " lines but the input" + (o.shard.count > 0 ? "'s shard" : "") + " only " +
                             std::to_string(skipped) + ": is it the output of this input?");
    const uint64_t skipped_bytes = reader.bytes_consumed();
    std::optional<uint64_t> to_read = regular_file_size(input_fd);
    if (to_read) to_read = std::min(*to_read > range.begin ? *to_read - range.begin : 0, range.limit);
    if (to_read) to_read = *to_read > skipped_bytes ? *to_read - skipped_bytes : 0;

    read_window(reader);
    // The first records of a piece that does not start at line 1 were checked with line 1's.
    if (summary.resumed == 0 && o.shard.count == 0 && range.first_line == 1)
        check_first_records(window, o.fields, input_name, "batch");

    if (o.output != "-") {
        output_file.emplace(o.output, O_WRONLY | O_CREAT | (o.resume ? O_APPEND : O_TRUNC), "the output");
        if (!recorded) write_run_record(o.output, run);
    }
    LineWriter writer(output_file ? output_file->fd() : STDOUT_FILENO, o.output == "-" ? "stdout" : o.output);

    Progress progress(o.progress, o.summary, to_read);
    Pipeline pipeline(o, classifier, writer);
    for (; !window.empty(); read_window(reader)) {
        pipeline.run_window(window, summary.counts, summary.times);
        summary.counts.input_bytes = reader.bytes_consumed() - skipped_bytes;
        progress.update(summary.counts);
    }
    progress.finish(summary.counts, summary.resumed, summary.earlier_errors);
    return summary;
}

}  // namespace bertcls::batch
