#include "attention_report/json_report.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace bertcls::attention_report {

namespace {

std::string dump(const nlohmann::ordered_json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string format_float(float value) {
    if (!std::isfinite(value)) return "null";  // JSON has no NaN; probabilities never are
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, ec == std::errc{} ? end : buffer);
}

double json_number(float value) {
    return std::isfinite(value) ? std::strtod(format_float(value).c_str(), nullptr) : static_cast<double>(value);
}

nlohmann::ordered_json prediction_json(const Prediction& p) {
    nlohmann::ordered_json scores = nlohmann::ordered_json::array();
    for (const auto& s : p.ranked) scores.push_back({{"label", s.label}, {"score", json_number(s.score)}});
    nlohmann::ordered_json logits = nlohmann::ordered_json::array();
    for (const float v : p.logits) logits.push_back(json_number(v));
    return {{"label", p.best().label}, {"score", json_number(p.best().score)}, {"scores", scores}, {"logits", logits}};
}

nlohmann::ordered_json report_metadata(const ReportHeader& header, const AttentionData& data) {
    nlohmann::ordered_json json;
    json["model"] = header.model_name;
    if (header.text) json["text"] = *header.text;
    if (header.pair) json["pair"] = *header.pair;
    json["tokens"] = header.tokens;
    json["input_ids"] = header.input_ids;
    json["token_type_ids"] = header.token_type_ids;
    json["truncated"] = header.truncated();
    json["tokens_total"] = header.tokens_total;
    json["num_layers"] = header.num_layers;
    json["num_heads"] = header.num_heads;
    json["layers"] = data.layers;
    if (data.mean_over_heads) {
        json["heads"] = nlohmann::ordered_json::array({"mean"});
    } else {
        json["heads"] = data.heads;
    }
    json["problem_type"] = header.problem_type;
    json["prediction"] = prediction_json(header.prediction);
    return json;
}

void write_json_report(std::ostream& out, const ReportHeader& header, const AttentionData& data) {
    std::string head = dump(report_metadata(header, data));
    head.pop_back();  // the closing brace: "attentions" follows
    out << head << ",\"attentions\":[";
    const auto T = static_cast<std::size_t>(data.tokens);
    for (std::size_t l = 0; l < data.layers.size(); ++l) {
        out << (l ? ",\n[" : "\n[");
        for (std::size_t h = 0; h < data.head_count(); ++h) {
            out << (h ? ",[" : "[");
            const float* map = data.map(l, h);
            for (std::size_t q = 0; q < T; ++q) {
                out << (q ? ",[" : "[");
                for (std::size_t k = 0; k < T; ++k) {
                    if (k) out << ',';
                    out << format_float(map[q * T + k]);
                }
                out << ']';
            }
            out << ']';
        }
        out << ']';
    }
    out << "]}\n";
}

}  // namespace bertcls::attention_report
