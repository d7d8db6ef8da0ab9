#include "eval/metrics.h"

#include <cmath>
#include <stdexcept>

namespace bertcls::eval {

namespace {

double ratio(std::size_t num, std::size_t den) { return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den); }

}  // namespace

ClassificationMetrics classification_metrics(std::span<const int> gold, std::span<const int> predicted, std::size_t num_labels) {
    if (gold.size() != predicted.size()) throw std::invalid_argument("classification_metrics: gold and predicted differ in size");
    ClassificationMetrics m;
    m.examples = gold.size();
    m.per_label.resize(num_labels);
    for (std::size_t i = 0; i < gold.size(); ++i) {
        const auto g = static_cast<std::size_t>(gold[i]), p = static_cast<std::size_t>(predicted[i]);
        if (g >= num_labels || p >= num_labels) throw std::out_of_range("classification_metrics: class index out of range");
        ++m.per_label[g].support;
        ++m.per_label[p].predicted;
        if (g == p) {
            ++m.per_label[g].correct;
            ++m.correct;
        }
    }
    m.accuracy = ratio(m.correct, m.examples);
    double f1_sum = 0;
    for (auto& s : m.per_label) {
        s.precision = ratio(s.correct, s.predicted);
        s.recall = ratio(s.correct, s.support);
        s.f1 = s.correct == 0 ? 0.0 : 2 * s.precision * s.recall / (s.precision + s.recall);
        if (s.support > 0) {
            f1_sum += s.f1;
            ++m.macro_labels;
        }
    }
    m.macro_f1 = m.macro_labels == 0 ? 0.0 : f1_sum / static_cast<double>(m.macro_labels);
    return m;
}

std::vector<int> argmax_rows(std::span<const float> logits, std::size_t num_labels) {
    std::vector<int> best;
    if (num_labels == 0) return best;
    best.reserve(logits.size() / num_labels);
    for (std::size_t row = 0; row + num_labels <= logits.size(); row += num_labels) {
        std::size_t b = 0;
        for (std::size_t k = 1; k < num_labels; ++k)
            if (logits[row + k] > logits[row + b]) b = k;
        best.push_back(static_cast<int>(b));
    }
    return best;
}

Agreement compare_logits(std::span<const float> a, std::span<const float> b, std::size_t num_labels) {
    if (a.size() != b.size() || num_labels == 0 || a.size() % num_labels != 0)
        throw std::invalid_argument("compare_logits: the two logit tables differ in shape");
    Agreement r;
    const std::vector<int> pa = argmax_rows(a, num_labels), pb = argmax_rows(b, num_labels);
    r.examples = pa.size();
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
        sum += d;
        // Written so that a NaN difference sticks: a broken model must not look close.
        if (!(d <= r.max_abs_diff) && !std::isnan(r.max_abs_diff)) {
            r.max_abs_diff = d;
            r.max_diff_example = i / num_labels;
        }
    }
    for (std::size_t i = 0; i < pa.size(); ++i) r.same += pa[i] == pb[i];
    r.agreement = ratio(r.same, r.examples);
    r.mean_abs_diff = a.empty() ? 0.0 : sum / static_cast<double>(a.size());
    return r;
}

}  // namespace bertcls::eval
