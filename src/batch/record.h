#pragma once
// One JSONL input record: which fields bertcls reads from it, and why it failed when it did.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bertcls::batch {

// Field names, from --text-field, --pair-field, --id-field and --output-field.
struct RecordFields {
    std::string text = "text";
    std::string pair;  // empty: single texts
    // tokenize -i: a record without the pair field (or with null there) is a single text;
    // otherwise every record must have it.
    bool optional_pair = false;
    std::string id;    // empty: no id
    std::string output = "prediction";  // empty: the output line replaces the record (tokenize -i)
};

struct Record {
    // Text input (when !pretokenized).
    std::string text, pair;
    bool has_pair = false;
    // Pre-tokenized input: "input_ids" (and optionally "token_type_ids") in the record.
    bool pretokenized = false;
    std::vector<int32_t> input_ids, token_type_ids;
    nlohmann::json id;   // the --id-field value, null when absent or not asked for
    std::string error;   // non-empty: the record failed and gets an error line
    // What kind of failure, so that a whole file of them can be told apart: not JSONL at all,
    // or a --text-field that no record has.
    enum class Failure { none, not_object, missing_field, other } failure = Failure::none;
};

// Parses one input line. Never throws for bad data: a problem is reported in Record::error.
// A record with "input_ids" is classified from those ids (its text field is then not needed).
Record parse_record(std::string_view line, const RecordFields& fields);

}  // namespace bertcls::batch
