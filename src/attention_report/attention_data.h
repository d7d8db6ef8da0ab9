#pragma once
// What every attention report shows: the input, the prediction, and the attention
// probabilities of some layers and heads of one sequence, as one dense [layers][heads][T][T]
// array. The writers (JSON, .npy, HTML, SVG, PNG, text) only read this struct.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "layers/attention.h"
#include "models/prediction.h"

namespace bertcls::attention_report {

// The input and the prediction, shared by every output format.
struct ReportHeader {
    std::string model_name;               // the model file's name, e.g. "emotion-bert-L2-H128.bertcls"
    std::string family;                   // bert, roberta, ...
    std::optional<std::string> text, pair;  // absent for --input-ids
    std::vector<std::string> tokens;      // one display string per token
    // The input's length (special tokens included) before it was cut to the model's limit.
    std::size_t tokens_total = 0;
    std::vector<int32_t> input_ids;
    std::vector<int32_t> token_type_ids;  // one per token (zeros when none were given)
    Prediction prediction;
    std::string problem_type;             // single_label_classification, ...
    int64_t num_layers = 0, num_heads = 0;  // of the model

    bool truncated() const { return tokens_total > tokens.size(); }
};

// "the input has N tokens; only the first T (the model's limit) are shown", or "" when the
// input was not truncated: the one wording of the text summary, stderr and the page.
std::string truncation_note(const ReportHeader& header);

// Attention probabilities of the selected layers and heads. When mean_over_heads is set the
// head axis has one entry: the mean over all of the model's heads.
struct AttentionData {
    std::vector<int64_t> layers;  // model layer index of each entry on the layer axis
    std::vector<int64_t> heads;   // model head index of each entry on the head axis (empty for the mean)
    bool mean_over_heads = false;
    int64_t tokens = 0;           // T
    std::vector<float> values;    // [layers][heads or 1][T][T]; row q is query q's distribution over keys

    std::size_t head_count() const { return mean_over_heads ? 1 : heads.size(); }
    const float* map(std::size_t layer_slot, std::size_t head_slot) const {
        return values.data() + (layer_slot * head_count() + head_slot) * static_cast<std::size_t>(tokens * tokens);
    }
    // "0", "1", ... or "mean": the name of a head slot.
    std::string head_name(std::size_t head_slot) const;
};

// Which layers and heads to keep: a layer index (negative counts from the end) or all; a head
// index, all, or the mean over heads.
struct Selection {
    std::optional<int64_t> layer;  // nullopt: all
    enum class Heads { all, one, mean } heads = Heads::all;
    int64_t head = 0;
};

// Parses --layer ("all" or an integer) and --head ("all", "mean" or an integer); an empty
// string gives `fallback`. Throws UsageError naming the option.
Selection parse_selection(std::string_view layer, std::string_view head, const Selection& fallback);

// Every layer and head of sequence `sequence` of a forward pass run with keep_attentions.
AttentionData all_attentions(std::span<const AttentionMaps> per_layer, std::size_t sequence, int64_t num_heads);

// Throws UsageError when `selection` names a layer or head the model does not have.
void check_selection(const Selection& selection, int64_t num_layers, int64_t num_heads);

// The layers and heads `selection` names; throws UsageError when an index is out of range.
AttentionData select(const AttentionData& all, const Selection& selection);

// A file name that is safe to show: the last path component only.
std::string display_name(std::string_view path);

}  // namespace bertcls::attention_report
