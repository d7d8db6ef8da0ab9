#pragma once
// A labelled evaluation set read from TSV, CSV, semicolon-separated or JSONL files: the inputs
// as batch records (so the batch command's encoder tokenizes them) and the gold label of each.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "batch/record.h"

namespace bertcls::eval {

enum class SetFormat { tsv, csv, semicolon, jsonl };

// Which columns (delimited files) or fields (JSONL) hold the text, the optional pair text and
// the gold label. Empty means the default (see read_labelled_set). A delimited column is named
// by its header, or by its 0-based number.
struct SetFields {
    std::string text, pair, label;
    bool header = true;  // delimited files: the first row names the columns
};

struct LabelledExample {
    batch::Record record;  // text (and pair), or a parse error in record.error
    std::string label;     // the gold label as written (an integer in JSONL is written in decimal)
    uint64_t line = 0;     // 1-based line in the file
};

struct LabelledSet {
    std::string name;  // the file name, for messages
    SetFormat format = SetFormat::tsv;
    std::vector<LabelledExample> examples;
};

// "tsv", "csv", "semicolon", "jsonl"; throws UsageError otherwise.
SetFormat parse_set_format(std::string_view name);
const char* set_format_name(SetFormat format);

// The format from the file name's extension (.tsv, .csv, .jsonl/.ndjson/.json), else from the
// first non-blank line: '{' starts JSONL, then a tab, ';' or ',' in it picks the separator.
// Throws InputError when nothing fits.
SetFormat detect_set_format(const std::string& path, std::string_view content);

// Parses the whole content. Defaults: the text column is `text`, else `sentence`, else
// `sentence1`, else the first column; the label column is `label`, else `label_name`, else the
// last column; JSONL fields default to "text" and "label"; no pair unless asked for. Throws
// InputError "name:line: why" for a malformed row, a missing field or column, or an empty set.
LabelledSet read_labelled_set(std::string_view content, const std::string& name, SetFormat format,
                              const SetFields& fields);

// What integer gold labels mean when the model's labels are names (not LABEL_0, LABEL_1, ...):
// without one of these, eval refuses rather than guess (sst2's 0/1 against emotion's names).
struct GoldLabelOptions {
    std::vector<std::pair<std::string, std::string>> label_map;  // gold label -> model label (--label-map)
    bool gold_is_index = false;  // --gold-is-index: an integer is a class index whatever the names
};

// Parses --label-map "0=negative,1=positive"; throws UsageError naming the option.
std::vector<std::pair<std::string, std::string>> parse_label_map(std::string_view spec);

// The class index of every example's gold label. In order: a --label-map entry names the model
// label; a label equal to one of `model_labels` is that class; an integer is a class index when
// the model's labels are LABEL_N placeholders (GLUE's 0/1) or with gold_is_index. Names compare
// case-insensitively. Throws InputError "name:line: gold label 'x' ..." for a label that is none
// of these (an integer on a model with named labels, too), and for a map entry naming no label.
std::vector<int> resolve_gold_labels(const LabelledSet& set, const std::vector<std::string>& model_labels,
                                     const GoldLabelOptions& options = {});

}  // namespace bertcls::eval
