#pragma once
// A labelled evaluation set read from TSV, CSV, semicolon-separated or JSONL files: the inputs
// as batch records (so the batch command's encoder tokenizes them) and the gold label of each.
#include <cstdint>
#include <string>
#include <string_view>
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

// The class index of every example's gold label: a label equal to one of `model_labels` is
// that class; otherwise an integer label is a class index (GLUE's 0/1 against LABEL_0/LABEL_1
// style names). Throws InputError "name:line: gold label 'x' ..." for a label that is neither.
std::vector<int> resolve_gold_labels(const LabelledSet& set, const std::vector<std::string>& model_labels);

}  // namespace bertcls::eval
