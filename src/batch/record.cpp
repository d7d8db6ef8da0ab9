#include "batch/record.h"

#include <limits>

#include "util/utf8_check.h"
#include "util/json_depth.h"

namespace bertcls::batch {

namespace {

const char* json_type_name(const nlohmann::json& v) {
    if (v.is_number_integer()) return "integer";
    return v.type_name();
}

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, ";
// the line is ours to report, so keep only the column and the reason.
std::string parse_error_message(const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (const auto p = what.find("column"); p != std::string::npos) what = what.substr(p);
    else if (const auto q = what.find("] "); q != std::string::npos) what = what.substr(q + 2);
    return "invalid JSON at " + what;
}

// Reads an array of int32 ids; returns an error message or "".
std::string read_ids(const nlohmann::json& value, std::string_view name, std::vector<int32_t>& out) {
    if (!value.is_array()) return "field '" + std::string(name) + "' is not an array of integers";
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto& v = value[i];
        if (!v.is_number_integer())
            return "field '" + std::string(name) + "' item " + std::to_string(i) + " is not an integer";
        const auto x = v.get<int64_t>();
        if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t(std::numeric_limits<int32_t>::max())
                                   : (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()))
            return "field '" + std::string(name) + "' item " + std::to_string(i) + " is out of range";
        out.push_back(static_cast<int32_t>(x));
    }
    if (out.empty()) return "field '" + std::string(name) + "' is empty";
    return "";
}

// Reads a string field; returns an error message or "".
std::string read_string(const nlohmann::json& object, const std::string& name, std::string& out) {
    const auto it = object.find(name);
    if (it == object.end()) return "missing field '" + name + "'";
    if (!it->is_string()) return "field '" + name + "' is not a string (" + json_type_name(*it) + ")";
    out = it->get<std::string>();
    return "";
}

}  // namespace

Record parse_record(std::string_view line, const RecordFields& fields) {
    Record r;
    if (const auto bad = find_invalid_utf8(line)) {
        r.error = "invalid UTF-8 at byte " + std::to_string(*bad + 1);
        r.failure = Record::Failure::other;
        return r;
    }
    // nlohmann stops at a NUL byte as if the input ended there, so '{"text": "a"}\0...}' would
    // pass and add_field would put the prediction after the NUL. A raw NUL is never valid JSON.
    if (const auto nul = line.find('\0'); nul != std::string_view::npos) {
        r.error = "invalid JSON: NUL byte at byte " + std::to_string(nul + 1);
        r.failure = Record::Failure::not_object;
        return r;
    }
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
        r.error = line.find_first_not_of(" \t\r") == std::string_view::npos ? "empty line" : parse_error_message(e);
        r.failure = Record::Failure::not_object;
        return r;
    } catch (const nlohmann::json::out_of_range& e) {
        // A number beyond a double's range (1e999) is out_of_range 406, not a parse_error.
        const std::string what = e.what();
        const auto p = what.find("] ");
        r.error = "invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2));
        r.failure = Record::Failure::not_object;
        return r;
    }
    if (!object.is_object()) {
        r.error = std::string("not a JSON object (") + json_type_name(object) + ")";
        r.failure = Record::Failure::not_object;
        return r;
    }
    if (!fields.id.empty())
        if (const auto it = object.find(fields.id); it != object.end()) {
            // The id is copied and later dumped into error records, both recursive: refuse a
            // hostile one nested deep enough to overflow the stack.
            if (json_value_depth(*it, 65) > 64) {
                r.error = "field '" + fields.id + "' is nested more than 64 levels deep";
                r.failure = Record::Failure::other;
                return r;
            }
            r.id = *it;
        }
    if (!fields.output.empty() && object.contains(fields.output)) {
        // Never overwrite an input field: the user picks another --output-field.
        r.error = "record already has field '" + fields.output + "' (choose another --output-field)";
        r.failure = Record::Failure::other;
        return r;
    }
    if (const auto ids = object.find("input_ids"); ids != object.end()) {
        r.pretokenized = true;
        r.error = read_ids(*ids, "input_ids", r.input_ids);
        if (r.error.empty())
            if (const auto types = object.find("token_type_ids"); types != object.end()) {
                r.error = read_ids(*types, "token_type_ids", r.token_type_ids);
                if (r.error.empty() && r.token_type_ids.size() != r.input_ids.size())
                    r.error = "token_type_ids has " + std::to_string(r.token_type_ids.size()) +
                              " items but input_ids has " + std::to_string(r.input_ids.size());
            }
        if (!r.error.empty()) r.failure = Record::Failure::other;
        return r;
    }
    r.error = read_string(object, fields.text, r.text);
    if (r.error.empty() && !fields.pair.empty()) {
        const auto pair = object.find(fields.pair);
        r.has_pair = !fields.optional_pair || (pair != object.end() && !pair->is_null());
        if (r.has_pair) r.error = read_string(object, fields.pair, r.pair);
    }
    if (!r.error.empty())
        r.failure = object.contains(fields.text) && (fields.pair.empty() || fields.optional_pair || object.contains(fields.pair))
                        ? Record::Failure::other
                        : Record::Failure::missing_field;
    return r;
}

}  // namespace bertcls::batch
