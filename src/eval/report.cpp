#include "eval/report.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "util/tsv_escape.h"

namespace bertcls::eval {

namespace {

using Json = nlohmann::ordered_json;

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
    char buffer[512];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

// JSON has no NaN: a broken model's NaN difference is written as null.
Json number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

// A ratio that is 0/0 is undefined: null in JSON, "-" in the table (ratio_cell), never 0.
Json ratio(double value, std::size_t denominator) { return denominator == 0 ? Json(nullptr) : Json(value); }

// Adds one model's keys to `out`.
void add_metrics(Json& out, const ModelResult& r, const std::vector<std::string>& labels) {
    const ClassificationMetrics& m = r.metrics;
    out["model"] = r.model;
    out["correct"] = m.correct;
    out["accuracy"] = m.accuracy;
    out["macro_f1"] = m.macro_f1;
    out["macro_f1_labels"] = m.macro_labels;
    Json rows = Json::array();
    for (std::size_t k = 0; k < labels.size(); ++k) {
        const LabelScores& s = m.per_label[k];
        rows.push_back({{"label", labels[k]}, {"support", s.support}, {"predicted", s.predicted}, {"correct", s.correct},
                        {"precision", ratio(s.precision, s.predicted)}, {"recall", ratio(s.recall, s.support)},
                        {"f1", ratio(s.f1, s.support)}});
    }
    out["per_label"] = std::move(rows);
}

// "0.8575" or "-" where the ratio is 0/0.
std::string ratio_cell(double value, std::size_t denominator) { return denominator == 0 ? "-" : format("%.4f", value); }

std::string per_label_table(const EvalReport& r) {
    const bool ref = r.reference.has_value();
    // Escaped, so a tab or newline in a label name cannot break the table's rows.
    std::vector<std::string> labels;
    for (const auto& l : r.labels) labels.push_back(tsv_escape(l));
    std::size_t width = 5;
    for (const auto& l : labels) width = std::max(width, l.size());
    const int w = static_cast<int>(std::min<std::size_t>(width, 40));
    std::string out = format("\n%-*s %8s %9s %9s %9s %9s%s\n", w, "label", "support", "predicted", "precision", "recall", "f1",
                             ref ? "    ref f1" : "");
    for (std::size_t k = 0; k < r.labels.size(); ++k) {
        const LabelScores& s = r.model.metrics.per_label[k];
        out += format("%-*s %8zu %9zu %9s %9s %9s", w, labels[k].c_str(), s.support, s.predicted,
                      ratio_cell(s.precision, s.predicted).c_str(), ratio_cell(s.recall, s.support).c_str(),
                      ratio_cell(s.f1, s.support).c_str());
        if (ref) out += format(" %9s", ratio_cell(r.reference->metrics.per_label[k].f1, s.support).c_str());
        out += '\n';
    }
    return out;
}

}  // namespace

std::string report_json(const EvalReport& r) {
    Json out = {{"input", r.input}, {"format", r.format}, {"examples", r.model.metrics.examples}};
    add_metrics(out, r.model, r.labels);
    out["macro_f1_over"] = "labels present in the gold data";
    if (r.reference) {
        add_metrics(out["reference"], *r.reference, r.labels);
        const Agreement& a = *r.agreement;
        out["agreement"] = a.agreement;
        out["same_predictions"] = a.same;
        out["max_abs_logit_diff"] = number(a.max_abs_diff);
        out["max_abs_logit_diff_line"] = r.max_diff_line;
        out["mean_abs_logit_diff"] = number(a.mean_abs_diff);
    }
    return out.dump();
}

std::string report_text(const EvalReport& r, bool per_label) {
    const ClassificationMetrics& m = r.model.metrics;
    std::string out = format("%-18s %s\n", "model", r.model.model.c_str());
    if (r.reference) out += format("%-18s %s\n", "reference", r.reference->model.c_str());
    out += format("%-18s %zu (%s, %s)\n", "examples", m.examples, r.input.c_str(), r.format.c_str());
    const std::string f1_note = format("(mean over the %zu label%s in the gold data)", m.macro_labels, m.macro_labels == 1 ? "" : "s");
    if (!r.reference) {
        out += format("%-18s %.4f (%zu correct)\n", "accuracy", m.accuracy, m.correct);
        out += format("%-18s %.4f %s\n", "macro-F1", m.macro_f1, f1_note.c_str());
    } else {
        const ClassificationMetrics& rm = r.reference->metrics;
        const Agreement& a = *r.agreement;
        out += format("%-18s %9s %10s\n", "", "model", "reference");
        out += format("%-18s %9.4f %10.4f\n", "accuracy", m.accuracy, rm.accuracy);
        out += format("%-18s %9.4f %10.4f %s\n", "macro-F1", m.macro_f1, rm.macro_f1, f1_note.c_str());
        out += format("%-18s %.4f (%zu of %zu predictions differ)\n", "agreement", a.agreement, a.examples - a.same, a.examples);
        out += format("%-18s %.6g", "max |logit diff|", a.max_abs_diff);
        if (a.max_abs_diff > 0) out += format(" (line %llu)", static_cast<unsigned long long>(r.max_diff_line));
        out += '\n';
        out += format("%-18s %.6g\n", "mean |logit diff|", a.mean_abs_diff);
    }
    if (per_label) out += per_label_table(r);
    return out;
}

}  // namespace bertcls::eval
