#include "batch/input_check.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/text_input.h"

namespace bertcls::batch {

namespace {

// Enough field names to spot the right one without an endless line.
constexpr std::size_t kShownFields = 20;

}  // namespace

void check_first_records(const std::vector<Line>& lines, const RecordFields& fields, const std::string& input_name,
                         std::string_view command) {
    std::size_t seen = 0;
    bool any_object = false;
    std::vector<std::string> field_names;  // in order of first appearance
    for (const Line& line : lines) {
        if (seen == kCheckedRecords) break;
        if (line.too_long) return;  // cannot tell what it holds
        if (is_blank_line(line.text)) continue;
        ++seen;
        const Record record = parse_record(line.text, fields);
        if (record.failure == Record::Failure::not_object) continue;
        if (record.failure != Record::Failure::missing_field) return;
        any_object = true;
        // parse_record found a JSON object, so this parses.
        const auto object = nlohmann::ordered_json::parse(line.text);
        for (const auto& [key, value] : object.items())
            if (std::find(field_names.begin(), field_names.end(), key) == field_names.end()) field_names.push_back(key);
    }
    if (seen == 0) return;
    const std::string which = seen < kCheckedRecords ? "its " + std::to_string(seen) + " non-blank lines"
                                                     : "the first " + std::to_string(seen) + " non-blank lines";
    if (!any_object)
        throw InputError(input_name + ": not JSONL: none of " + which +
                         " is a JSON object; " + std::string(command) + " reads one JSON object per line (bertcls eval reads TSV and CSV files)");
    const bool pair_needed = !fields.pair.empty() && !fields.optional_pair;
    std::string wanted = "field '" + fields.text + "'";
    if (pair_needed) wanted = "fields '" + fields.text + "' and '" + fields.pair + "'";
    std::string seen_names;
    for (std::size_t i = 0; i < field_names.size() && i < kShownFields; ++i) seen_names += (i ? ", " : "") + field_names[i];
    if (field_names.size() > kShownFields) seen_names += ", ...";
    throw InputError(input_name + ": no record among " + which + " has " + wanted + " (nor \"input_ids\"); fields seen: " +
                     seen_names + (!pair_needed ? " (choose with --text-field)" : " (choose with --text-field and --pair-field)"));
}

}  // namespace bertcls::batch
