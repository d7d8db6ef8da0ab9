#include "eval/labelled_set.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "util/utf8_check.h"
#include "eval/delimited.h"
#include "util/error.h"

namespace bertcls::eval {

namespace {

std::string at(const std::string& name, uint64_t line) { return name + ":" + std::to_string(line) + ": "; }

std::string trimmed(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return "";
    return std::string(s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1));
}

std::optional<std::size_t> as_index(std::string_view s) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// A value quoted in a one-line message: control characters become spaces, long ones are cut.
std::string printable(std::string_view s) {
    std::string out(s.substr(0, 80));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return s.size() > 80 ? out + "..." : out;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The line number of byte `offset` (1-based), for an invalid UTF-8 message.
uint64_t line_of(std::string_view content, std::size_t offset) {
    return 1 + static_cast<uint64_t>(std::count(content.begin(), content.begin() + offset, '\n'));
}

// The column a --*-field names: a header name first, else a 0-based number.
std::size_t column_of(const std::string& spec, const std::vector<std::string>& header, std::size_t columns,
                      const std::string& name, const char* option) {
    if (const auto it = std::find(header.begin(), header.end(), spec); it != header.end())
        return static_cast<std::size_t>(it - header.begin());
    const auto index = as_index(spec);
    if (header.empty() && !index)
        throw UsageError(std::string(option) + " '" + spec + "': a file without a header names columns by number (0, 1, ...)");
    if (!index) throw InputError(name + ": no column '" + printable(spec) + "' in the header (" + printable(join(header)) + "); see " + option);
    if (*index >= columns)
        throw InputError(name + ": " + option + " " + spec + ": the file has only " + std::to_string(columns) + " columns");
    return *index;
}

// The first of `names` in the header, else `fallback`.
std::size_t default_column(const std::vector<std::string>& header, std::initializer_list<const char*> names, std::size_t fallback) {
    for (const char* n : names)
        if (const auto it = std::find(header.begin(), header.end(), n); it != header.end())
            return static_cast<std::size_t>(it - header.begin());
    return fallback;
}

LabelledSet read_delimited(std::string_view content, LabelledSet set, const SetFields& fields) {
    const char separator = set.format == SetFormat::tsv ? '\t' : set.format == SetFormat::csv ? ',' : ';';
    std::vector<Row> rows = split_rows(content, separator, set.format == SetFormat::csv, set.name);
    if (rows.empty()) throw InputError(set.name + ": no examples");
    std::vector<std::string> header;
    if (fields.header) {
        for (const auto& h : rows.front().fields) header.push_back(trimmed(h));
    }
    const std::size_t columns = rows.front().fields.size();
    const uint64_t header_line = rows.front().line;
    const std::size_t text = fields.text.empty() ? default_column(header, {"text", "sentence", "sentence1"}, 0)
                                                 : column_of(fields.text, header, columns, set.name, "--text-field");
    const std::size_t label = fields.label.empty() ? default_column(header, {"label", "label_name"}, columns - 1)
                                                   : column_of(fields.label, header, columns, set.name, "--label-field");
    const bool has_pair = !fields.pair.empty();
    const std::size_t pair = has_pair ? column_of(fields.pair, header, columns, set.name, "--pair-field") : 0;
    if (text == label || (has_pair && (pair == text || pair == label)))
        throw InputError(set.name + ": the text, pair and label columns must differ (the file has " + std::to_string(columns) +
                         (columns == 1 ? " column; is --format right?)" : " columns)"));

    set.examples.reserve(rows.size());
    for (std::size_t r = fields.header ? 1 : 0; r < rows.size(); ++r) {
        Row& row = rows[r];
        if (row.fields.size() != columns)
            throw InputError(at(set.name, row.line) + std::to_string(row.fields.size()) + " fields, but the " +
                             (fields.header ? "header" : "first row") + " (line " + std::to_string(header_line) + ") has " +
                             std::to_string(columns));
        LabelledExample e;
        e.line = row.line;
        e.label = trimmed(row.fields[label]);
        if (e.label.empty()) throw InputError(at(set.name, row.line) + "empty label");
        e.record.text = std::move(row.fields[text]);
        if (has_pair) {
            e.record.pair = std::move(row.fields[pair]);
            e.record.has_pair = true;
        }
        set.examples.push_back(std::move(e));
    }
    return set;
}

LabelledSet read_jsonl(std::string_view content, LabelledSet set, const SetFields& fields) {
    batch::RecordFields record_fields;
    record_fields.text = fields.text.empty() ? "text" : fields.text;
    record_fields.pair = fields.pair;
    const std::string label = fields.label.empty() ? "label" : fields.label;
    // '\n' never occurs inside a line, so each row is one whole line.
    for (Row& row : split_rows(content, '\n', false, set.name)) {
        LabelledExample e;
        e.line = row.line;
        e.record = batch::parse_record(row.fields.front(), record_fields);
        if (!e.record.error.empty()) throw InputError(at(set.name, row.line) + e.record.error);
        // parse_record accepted the line, so it is a JSON object that parses.
        const nlohmann::json object = nlohmann::json::parse(row.fields.front());
        const auto it = object.find(label);
        if (it == object.end()) throw InputError(at(set.name, row.line) + "missing field '" + label + "'");
        if (it->is_string()) e.label = it->get<std::string>();
        else if (it->is_number_unsigned()) e.label = std::to_string(it->get<uint64_t>());
        else throw InputError(at(set.name, row.line) + "field '" + label + "' is not a string or a non-negative integer");
        if (trimmed(e.label).empty()) throw InputError(at(set.name, row.line) + "empty label");
        set.examples.push_back(std::move(e));
    }
    return set;
}

}  // namespace

SetFormat parse_set_format(std::string_view name) {
    if (name == "tsv") return SetFormat::tsv;
    if (name == "csv") return SetFormat::csv;
    if (name == "semicolon") return SetFormat::semicolon;
    if (name == "jsonl") return SetFormat::jsonl;
    throw UsageError("--format must be auto, tsv, csv, semicolon or jsonl");
}

const char* set_format_name(SetFormat format) {
    switch (format) {
        case SetFormat::tsv: return "tsv";
        case SetFormat::csv: return "csv";
        case SetFormat::semicolon: return "semicolon";
        case SetFormat::jsonl: return "jsonl";
    }
    return "?";
}

SetFormat detect_set_format(const std::string& path, std::string_view content) {
    const std::string ext = lowercase(std::filesystem::path(path).extension().string());
    if (ext == ".tsv") return SetFormat::tsv;
    if (ext == ".csv") return SetFormat::csv;
    if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return SetFormat::jsonl;
    const auto begin = content.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (begin != std::string_view::npos) {
        const std::string_view first = content.substr(begin, content.find('\n', begin) - begin);
        if (first.starts_with('{')) return SetFormat::jsonl;
        if (first.find('\t') != std::string_view::npos) return SetFormat::tsv;
        if (first.find(';') != std::string_view::npos) return SetFormat::semicolon;
        if (first.find(',') != std::string_view::npos) return SetFormat::csv;
    }
    throw InputError((path == "-" ? std::string("stdin") : path) +
                     ": cannot tell the format from the name or the first line; give --format tsv|csv|semicolon|jsonl");
}

LabelledSet read_labelled_set(std::string_view content, const std::string& name, SetFormat format, const SetFields& fields) {
    // Checked once here so every format reports bad bytes by line.
    if (const auto bad = find_invalid_utf8(content)) {
        const uint64_t line = line_of(content, *bad);
        const auto line_start = content.rfind('\n', *bad);
        const std::size_t column = *bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
        throw InputError(at(name, line) + "invalid UTF-8 at byte " + std::to_string(column) + " of the line");
    }
    LabelledSet set;
    set.name = name;
    set.format = format;
    set = format == SetFormat::jsonl ? read_jsonl(content, std::move(set), fields) : read_delimited(content, std::move(set), fields);
    if (set.examples.empty()) throw InputError(name + ": no examples");
    return set;
}

std::vector<std::pair<std::string, std::string>> parse_label_map(std::string_view spec) {
    std::vector<std::pair<std::string, std::string>> map;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view entry = spec.substr(0, comma);
        const auto equals = entry.find('=');
        std::string from = trimmed(entry.substr(0, equals)), to = equals == std::string_view::npos ? "" : trimmed(entry.substr(equals + 1));
        if (from.empty() || to.empty())
            throw UsageError("--label-map: '" + printable(entry) + "' is not GOLD=MODEL_LABEL (e.g. 0=negative,1=positive)");
        map.emplace_back(std::move(from), std::move(to));
        spec = comma == std::string_view::npos ? "" : spec.substr(comma + 1);
    }
    return map;
}

std::vector<int> resolve_gold_labels(const LabelledSet& set, const std::vector<std::string>& model_labels,
                                     const GoldLabelOptions& options) {
    // The first model label equal to `name`, ignoring ASCII case ("Joy" is "joy"); -1 if none.
    const auto find_label = [&](std::string_view name) {
        const std::string key = lowercase(name);
        for (std::size_t k = 0; k < model_labels.size(); ++k)
            if (lowercase(model_labels[k]) == key) return static_cast<int>(k);
        return -1;
    };
    std::map<std::string, int, std::less<>> mapped;  // lowercased gold label -> class
    for (const auto& [from, to] : options.label_map) {
        const int index = find_label(to);
        if (index < 0)
            throw InputError("--label-map " + printable(from) + "=" + printable(to) + ": '" + printable(to) +
                             "' is not one of the model's labels (" + join(model_labels) + ")");
        mapped[lowercase(from)] = index;
    }
    // LABEL_0, LABEL_1, ...: a checkpoint saved without names, whose classes are only numbers.
    bool placeholder_names = true;
    for (std::size_t k = 0; k < model_labels.size(); ++k)
        placeholder_names = placeholder_names && lowercase(model_labels[k]) == "label_" + std::to_string(k);

    std::map<std::string, int, std::less<>> known;  // each distinct label is resolved once
    std::vector<int> gold;
    gold.reserve(set.examples.size());
    for (const auto& e : set.examples) {
        auto it = known.find(e.label);
        if (it == known.end()) {
            const auto m = mapped.find(lowercase(e.label));
            int index = m != mapped.end() ? m->second : find_label(e.label);
            if (const auto number = as_index(e.label); index < 0 && number && *number < model_labels.size()) {
                if (!placeholder_names && !options.gold_is_index)
                    throw InputError(at(set.name, e.line) + "gold label '" + e.label + "' is a number, but the model's labels are names (" +
                                     printable(join(model_labels)) + "); say what it means with --label-map " + e.label +
                                     "=NAME,... or --gold-is-index");
                index = static_cast<int>(*number);
            }
            if (index < 0)
                throw InputError(at(set.name, e.line) + "gold label '" + printable(e.label) + "' is neither one of the model's labels (" +
                                 join(model_labels) + ") nor a class index below " + std::to_string(model_labels.size()));
            it = known.emplace(e.label, index).first;
        }
        gold.push_back(it->second);
    }
    return gold;
}

}  // namespace bertcls::eval
