#include "attention_report/html_page.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "attention_report/colormap.h"
#include "attention_report/html_template.h"
#include "attention_report/json_report.h"
#include "attention_report/labels.h"
#include "util/base64.h"

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

void append_float32_le(std::string& bytes, float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    for (int b = 0; b < 4; ++b) bytes += static_cast<char>((bits >> (8 * b)) & 0xff);
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

int page_value_bits(std::size_t values) { return values <= (std::size_t{16} << 20) ? 8 : 4; }

std::string quantized_rows(const AttentionData& data, int bits) {
    if (bits != 8 && bits != 4) throw std::invalid_argument("the page stores 8 or 4 bits per value");
    const auto T = static_cast<std::size_t>(data.tokens);
    const std::size_t rows = data.values.size() / std::max<std::size_t>(T, 1);
    const float levels = static_cast<float>((1 << bits) - 1);
    std::string bytes;
    bytes.reserve(rows * 4 + (data.values.size() * static_cast<std::size_t>(bits) + 7) / 8);
    std::vector<float> row_max(rows, 0.0f);
    for (std::size_t r = 0; r < rows; ++r) {
        row_max[r] = *std::max_element(data.values.begin() + r * T, data.values.begin() + (r + 1) * T);
        append_float32_le(bytes, row_max[r]);
    }
    for (std::size_t i = 0; i < data.values.size(); ++i) {
        const float max = row_max[i / T];
        const auto code = static_cast<uint8_t>(max > 0 ? std::lround(std::clamp(data.values[i] / max, 0.0f, 1.0f) * levels) : 0);
        if (bits == 8) bytes += static_cast<char>(code);
        else if (i % 2 == 0) bytes += static_cast<char>(code << 4);
        else bytes.back() = static_cast<char>(bytes.back() | code);
    }
    return bytes;
}

void write_html_page(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                     const PageOptions& options) {
    if (data.layers.empty() || data.head_count() == 0) throw std::invalid_argument("the HTML page needs a layer and a head");
    const int bits = options.value_bits ? options.value_bits : page_value_bits(data.values.size());

    // What the .json report says (input, truncation, prediction, the layers and heads shown) and
    // what the script needs besides.
    nlohmann::ordered_json meta = report_metadata(header, data);
    meta["version"] = BERTCLS_VERSION;
    meta["family"] = header.family;
    meta["truncation_note"] = truncation_note(header);
    meta["T"] = data.tokens;
    meta["value_bits"] = bits;
    meta["initial_layer"] = data.layers.back();
    meta["initial_head"] = data.head_count() > 1 || data.mean_over_heads ? nlohmann::ordered_json("mean")
                                                                           : nlohmann::ordered_json(data.heads.front());
    nlohmann::ordered_json colours = nlohmann::ordered_json::array();
    for (const Rgb c : kColormapStops) colours.push_back(hex(c));
    meta["colormap"] = colours;

    write_filled(out, kHtmlTemplate,
                 {{"@TITLE@", xml_escape(header.prediction.best().label + " \u2014 bertcls attention, " +
                                         header.model_name)},
                  {"@META@", script_safe_json(meta)},
                  {"@DATA@", base64_encode(quantized_rows(data, bits))}});
}

}  // namespace bertcls::attention_report
