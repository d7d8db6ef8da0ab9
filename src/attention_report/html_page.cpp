#include "attention_report/html_page.h"

#include <bit>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "attention_report/colormap.h"
#include "attention_report/html_template.h"
#include "attention_report/json_report.h"
#include "attention_report/labels.h"

namespace bertcls::attention_report {

namespace {

// JSON that is safe inside <script>: no '<', '>' or '&' (they only occur inside strings).
std::string script_safe_json(const nlohmann::ordered_json& json) {
    const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '<': out += "\\u003c"; break;
            case '>': out += "\\u003e"; break;
            case '&': out += "\\u0026"; break;
            default: out += c;
        }
    }
    return out;
}

std::string little_endian_bytes(const std::vector<float>& values) {
    std::string bytes(values.size() * 4, '\0');
    for (std::size_t i = 0; i < values.size(); ++i) {
        uint32_t bits;
        std::memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
    return bytes;
}

// Writes the template with each placeholder replaced; placeholders are looked for in the
// template only, never in the values, so user text cannot inject one.
void write_filled(std::ostream& out, std::string_view page,
                  const std::vector<std::pair<std::string_view, std::string>>& values) {
    std::size_t from = 0;
    for (const auto& [placeholder, value] : values) {
        const auto at = page.find(placeholder, from);
        if (at == std::string_view::npos) throw std::logic_error("HTML template lacks " + std::string(placeholder));
        out << page.substr(from, at - from) << value;
        from = at + placeholder.size();
    }
    out << page.substr(from);
}

}  // namespace

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

void write_html_page(std::ostream& out, const ReportHeader& header, const AttentionData& all,
                     const PageOptions& options) {
    const auto layers = static_cast<int64_t>(all.layers.size());
    const auto heads = static_cast<int64_t>(all.heads.size());
    if (all.mean_over_heads || layers != header.num_layers || heads != header.num_heads)
        throw std::invalid_argument("the HTML page needs every layer and head");

    nlohmann::ordered_json meta;
    meta["version"] = BERTCLS_VERSION;
    meta["model"] = header.model_name;
    meta["family"] = header.family;
    if (header.text) meta["text"] = *header.text;
    if (header.pair) meta["pair"] = *header.pair;
    meta["tokens"] = header.tokens;
    meta["input_ids"] = header.input_ids;
    meta["token_type_ids"] = header.token_type_ids;
    meta["num_layers"] = layers;
    meta["num_heads"] = heads;
    meta["T"] = all.tokens;
    meta["initial_layer"] = options.initial_layer < 0 ? options.initial_layer + layers : options.initial_layer;
    if (options.initial_head < 0) {
        meta["initial_head"] = "mean";
    } else {
        meta["initial_head"] = options.initial_head;
    }
    meta["prediction"] = prediction_json(header.prediction);
    meta["problem_type"] = header.problem_type;
    nlohmann::ordered_json colours = nlohmann::ordered_json::array();
    for (const Rgb c : kColormapStops) colours.push_back(hex(c));
    meta["colormap"] = colours;

    write_filled(out, kHtmlTemplate,
                 {{"@TITLE@", xml_escape(header.prediction.best().label + " \u2014 bertcls attention, " +
                                         header.model_name)},
                  {"@META@", script_safe_json(meta)},
                  {"@DATA@", base64(little_endian_bytes(all.values))}});
}

}  // namespace bertcls::attention_report
