#include "batch/output_format.h"

#include <charconv>
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "util/error.h"

namespace bertcls::batch {

namespace {

std::string json_string(std::string_view s) {
    return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string format_float(float value) {
    if (!std::isfinite(value)) return "null";
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::optional<float> label_threshold(const ModelConfig& config, std::optional<float> given) {
    if (given && !(*given >= 0.0f && *given <= 1.0f))  // written so that NaN fails too
        throw UsageError("--threshold must be between 0 and 1");
    if (config.problem_type == ProblemType::multi_label) return given.value_or(0.5f);
    if (given)
        throw UsageError("--threshold applies to multi-label models only; this one is " +
                         std::string(problem_type_name(config.problem_type)));
    return std::nullopt;
}

std::string prediction_json(const Prediction& p, const PredictionFields& fields) {
    std::string out;
    if (fields.threshold) {
        const std::vector<LabelScore> chosen = labels_at_least(p, *fields.threshold);
        out = chosen.empty() ? std::string("{\"label\":null,\"score\":null")
                             : "{\"label\":" + json_string(chosen[0].label) + ",\"score\":" + format_float(chosen[0].score);
        out += ",\"labels\":[";
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            if (i) out += ',';
            out += json_string(chosen[i].label);
        }
        out += ']';
    } else {
        out = "{\"label\":" + json_string(p.best().label) + ",\"score\":" + format_float(p.best().score);
    }
    if (fields.all_scores || fields.top_k) {
        out += ",\"scores\":[";
        const std::size_t shown = std::min(p.ranked.size(), fields.top_k.value_or(SIZE_MAX));
        for (std::size_t i = 0; i < shown; ++i) {
            if (i) out += ',';
            out += "{\"label\":" + json_string(p.ranked[i].label) + ",\"score\":" + format_float(p.ranked[i].score) + '}';
        }
        out += ']';
    }
    if (fields.logits) {
        out += ",\"logits\":[";
        for (std::size_t i = 0; i < p.logits.size(); ++i) {
            if (i) out += ',';
            out += format_float(p.logits[i]);
        }
        out += ']';
    }
    return out + '}';
}

std::size_t parse_top_k(const std::string& value) {
    if (value == "all") return SIZE_MAX;
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n == 0)
        throw UsageError("--top-k must be a positive number or 'all', not '" + value + "'");
    return n;
}

std::string zero_shot_json(std::span<const LabelScore> ranked, const std::string* sequence, std::size_t top_k) {
    const std::size_t shown = std::min(ranked.size(), top_k);
    std::string out = "{";
    if (sequence) out += "\"sequence\":" + json_string(*sequence) + ',';
    out += "\"labels\":[";
    for (std::size_t i = 0; i < shown; ++i) out += (i ? "," : "") + json_string(ranked[i].label);
    out += "],\"scores\":[";
    for (std::size_t i = 0; i < shown; ++i) out += (i ? "," : "") + format_float(ranked[i].score);
    return out + "]}";
}

std::string add_field(std::string_view line, std::string_view field, std::string_view value_json) {
    const auto close = line.find_last_of('}');
    const auto before = line.find_last_not_of(" \t\r\n", close == std::string_view::npos || close == 0 ? 0 : close - 1);
    const bool empty_object = before != std::string_view::npos && line[before] == '{';
    std::string out;
    out.reserve(close + field.size() + value_json.size() + 8);
    out.append(line.substr(0, close));
    if (!empty_object) out += ',';
    out += json_string(field);
    out += ':';
    out.append(value_json);
    out += '}';
    return out;
}

std::string error_json(std::string_view message, uint64_t line, const nlohmann::json& id) {
    std::string out = "{\"error\":" + json_string(message) + ",\"line\":" + std::to_string(line);
    if (!id.is_null()) out += ",\"id\":" + id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return out + '}';
}

bool is_error_json(std::string_view output_line) {
    if (!output_line.starts_with("{\"error\":")) return false;
    // An input record that has its own "error" key also starts this way, but it is not an
    // object of only error, line and id.
    const auto object = nlohmann::json::parse(output_line, nullptr, false);
    if (!object.is_object() || !object.contains("line") || !object["error"].is_string()) return false;
    for (const auto& [key, value] : object.items())
        if (key != "error" && key != "line" && key != "id") return false;
    return true;
}

}  // namespace bertcls::batch
