#include "attention_report/attention_data.h"

#include <charconv>

#include "util/error.h"

namespace bertcls::attention_report {

namespace {

std::optional<int64_t> parse_index(std::string_view text) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Negative indices count from the end, as in Python.
int64_t resolve(int64_t index, int64_t count, const char* what) {
    const int64_t resolved = index < 0 ? index + count : index;
    if (resolved < 0 || resolved >= count)
        throw UsageError(std::string(what) + " " + std::to_string(index) + " is out of range: the model has " +
                         std::to_string(count) + " (0.." + std::to_string(count - 1) + ", or -1 for the last)");
    return resolved;
}

}  // namespace

std::string AttentionData::head_name(std::size_t head_slot) const {
    return mean_over_heads ? "mean" : std::to_string(heads.at(head_slot));
}

Selection parse_selection(std::string_view layer, std::string_view head, const Selection& fallback) {
    Selection s = fallback;
    if (layer == "all") {
        s.layer.reset();
    } else if (!layer.empty()) {
        const auto index = parse_index(layer);
        if (!index) throw UsageError("--layer: '" + std::string(layer) + "' is not a layer index or 'all'");
        s.layer = *index;
    }
    if (head == "all") {
        s.heads = Selection::Heads::all;
    } else if (head == "mean") {
        s.heads = Selection::Heads::mean;
    } else if (!head.empty()) {
        const auto index = parse_index(head);
        if (!index) throw UsageError("--head: '" + std::string(head) + "' is not a head index, 'all' or 'mean'");
        s.heads = Selection::Heads::one;
        s.head = *index;
    }
    return s;
}

AttentionData all_attentions(std::span<const AttentionMaps> per_layer, std::size_t sequence, int64_t num_heads) {
    AttentionData data;
    if (per_layer.empty()) return data;
    const std::size_t size = per_layer[0].at(sequence).size();
    int64_t T = 0;
    while (static_cast<std::size_t>(num_heads * (T + 1) * (T + 1)) <= size) ++T;
    if (static_cast<std::size_t>(num_heads * T * T) != size)
        throw std::logic_error("attention map size " + std::to_string(size) + " is not heads * T * T");
    data.tokens = T;
    for (std::size_t l = 0; l < per_layer.size(); ++l) {
        const auto& map = per_layer[l].at(sequence);
        if (map.size() != size) throw std::logic_error("attention maps of different sizes across layers");
        data.layers.push_back(static_cast<int64_t>(l));
        data.values.insert(data.values.end(), map.begin(), map.end());
    }
    for (int64_t h = 0; h < num_heads; ++h) data.heads.push_back(h);
    return data;
}

void check_selection(const Selection& selection, int64_t num_layers, int64_t num_heads) {
    if (selection.layer) resolve(*selection.layer, num_layers, "layer");
    if (selection.heads == Selection::Heads::one) resolve(selection.head, num_heads, "head");
}

AttentionData select(const AttentionData& all, const Selection& selection) {
    const auto num_layers = static_cast<int64_t>(all.layers.size());
    const auto num_heads = static_cast<int64_t>(all.heads.size());
    std::vector<int64_t> layers;
    if (selection.layer) {
        layers.push_back(resolve(*selection.layer, num_layers, "layer"));
    } else {
        for (int64_t l = 0; l < num_layers; ++l) layers.push_back(l);
    }
    AttentionData out;
    out.tokens = all.tokens;
    out.mean_over_heads = selection.heads == Selection::Heads::mean;
    if (selection.heads == Selection::Heads::one) {
        out.heads.push_back(resolve(selection.head, num_heads, "head"));
    } else if (selection.heads == Selection::Heads::all) {
        out.heads = all.heads;
    }
    const std::size_t TT = static_cast<std::size_t>(all.tokens * all.tokens);
    for (const int64_t l : layers) {
        out.layers.push_back(all.layers[l]);
        if (out.mean_over_heads) {
            std::vector<double> sum(TT, 0.0);
            for (int64_t h = 0; h < num_heads; ++h) {
                const float* m = all.map(l, h);
                for (std::size_t i = 0; i < TT; ++i) sum[i] += m[i];
            }
            for (const double v : sum) out.values.push_back(static_cast<float>(v / static_cast<double>(num_heads)));
        } else {
            for (const int64_t h : out.heads) {
                const float* m = all.map(l, h);
                out.values.insert(out.values.end(), m, m + TT);
            }
        }
    }
    return out;
}

std::string truncation_note(const ReportHeader& header) {
    if (!header.truncated()) return "";
    return "the input has " + std::to_string(header.tokens_total) + " tokens; only the first " +
           std::to_string(header.tokens.size()) + " (the model's limit) are shown";
}

std::string display_name(std::string_view path) {
    const auto slash = path.find_last_of('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace bertcls::attention_report
