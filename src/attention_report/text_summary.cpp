#include "attention_report/text_summary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

namespace bertcls::attention_report {

namespace {

std::string fixed(double value, int decimals = 3) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// Token strings, with "@position" added to those that occur more than once.
std::vector<std::string> unique_names(const std::vector<std::string>& tokens) {
    std::map<std::string, int> count;
    for (const auto& t : tokens) ++count[t];
    std::vector<std::string> names;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        names.push_back(count[tokens[i]] > 1 ? tokens[i] + "@" + std::to_string(i) : tokens[i]);
    return names;
}

}  // namespace

void write_text_summary(std::ostream& out, const ReportHeader& header, const AttentionData& data, int top) {
    const auto& p = header.prediction;
    out << "model:      " << header.model_name << " (" << header.family << ", " << header.num_layers << " layers, "
        << header.num_heads << " heads)\n";
    out << "prediction: " << p.best().label << ' ' << fixed(p.best().score, 4);
    if (p.ranked.size() > 1) {
        out << "  (";
        const std::size_t shown = std::min<std::size_t>(p.ranked.size(), 6);
        for (std::size_t i = 1; i < shown; ++i) out << (i > 1 ? ", " : "") << p.ranked[i].label << ' ' << fixed(p.ranked[i].score, 4);
        if (p.ranked.size() > shown) out << ", ...";
        out << ')';
    }
    out << '\n';
    out << "tokens:     " << header.tokens.size() << ':';
    for (const auto& t : header.tokens) out << ' ' << t;
    out << '\n';
    if (header.truncated()) out << "truncated:  " << truncation_note(header) << '\n';
    if (data.tokens == 0 || header.tokens.empty()) return;

    const auto names = unique_names(header.tokens);
    const auto T = static_cast<std::size_t>(data.tokens);
    const std::size_t shown = std::min<std::size_t>(static_cast<std::size_t>(std::max(top, 1)), T);
    out << "what " << header.tokens[0] << " attends to most ("
        << (data.mean_over_heads ? "mean over heads" : data.heads.size() == 1 ? "head " + data.head_name(0) : "per head")
        << ", top " << shown << "):\n";
    const bool per_head = !data.mean_over_heads && data.heads.size() > 1;
    for (std::size_t l = 0; l < data.layers.size(); ++l) {
        for (std::size_t h = 0; h < data.head_count(); ++h) {
            const float* row = data.map(l, h);  // query 0
            std::vector<std::size_t> order(T);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [row](std::size_t a, std::size_t b) { return row[a] > row[b]; });
            std::string label = "layer " + std::to_string(data.layers[l]);
            if (per_head) label += " head " + data.head_name(h);
            label.resize(std::max<std::size_t>(label.size(), per_head ? 16 : 9), ' ');
            out << "  " << label;
            for (std::size_t i = 0; i < shown; ++i) out << "  " << names[order[i]] << ' ' << fixed(row[order[i]]);
            out << '\n';
        }
    }
}

}  // namespace bertcls::attention_report
