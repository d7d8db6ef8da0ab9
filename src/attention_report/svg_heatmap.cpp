#include "attention_report/svg_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "attention_report/colormap.h"
#include "attention_report/labels.h"

namespace bertcls::attention_report {

namespace {

constexpr std::size_t kMaxLabelChars = 18;

std::string num(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    std::string s = buffer;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

std::string fixed2(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

}  // namespace

std::string heatmap_title(const ReportHeader& header, const AttentionData& data) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", header.prediction.best().score);
    std::string title = header.prediction.best().label + " " + score + "  \u00b7  layer " +
                        std::to_string(data.layers.at(0)) + "  \u00b7  ";
    title += data.mean_over_heads ? "mean over " + std::to_string(header.num_heads) + " heads"
                                  : "head " + std::to_string(data.heads.at(0));
    return title;
}

std::string heatmap_subtitle(const ReportHeader& header) {
    std::string subtitle;
    if (header.text) {
        subtitle = "\u201c" + display_token(*header.text, 90) + "\u201d";
        if (header.pair) subtitle += " / \u201c" + display_token(*header.pair, 60) + "\u201d";
        subtitle += "  \u00b7  ";
    }
    return subtitle + header.model_name + ", " + std::to_string(header.tokens.size()) + " tokens";
}

double heatmap_scale_max(const AttentionData& data, const HeatmapStyle& style) {
    if (style.scale_max) return *style.scale_max;
    const auto T = static_cast<std::size_t>(data.tokens);
    const float* map = data.map(0, 0);
    return nice_scale_max(T ? *std::max_element(map, map + T * T) : 0.0);
}

void write_svg_heatmap(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                       const HeatmapStyle& style) {
    if (data.layers.size() != 1 || data.head_count() != 1)
        throw std::invalid_argument("an SVG heatmap shows one layer and one head");
    const auto T = static_cast<std::size_t>(data.tokens);
    const float* map = data.map(0, 0);
    const double vmax = heatmap_scale_max(data, style);

    // Geometry: cells shrink with the number of tokens down to a size labels can still share.
    const double cell = std::clamp(560.0 / std::max<std::size_t>(T, 1), 11.0, 30.0);
    const double font = std::min(12.0, cell * 0.82);
    std::vector<std::string> labels;
    std::size_t longest = 1;
    for (const auto& t : header.tokens) {
        labels.push_back(display_token(t, kMaxLabelChars));
        longest = std::max(longest, utf8_length(labels.back()));
    }
    const double label_width = longest * font * 0.62 + 8;
    const double title_height = 58;
    const double left = 24 + label_width, top = title_height + 22 + label_width;
    const double grid = cell * T;
    const double legend_x = left + grid + 24, legend_width = 14;
    const double width = std::max(legend_x + legend_width + 56, 620.0);
    const double height = top + grid + 24;

    out << R"~(<svg xmlns="http://www.w3.org/2000/svg" width=")~" << num(width) << R"~(" height=")~" << num(height)
        << R"~(" viewBox="0 0 )~" << num(width) << ' ' << num(height)
        << R"~(" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">)~" << '\n';
    out << R"~(<rect width="100%" height="100%" fill="#ffffff"/>)~" << '\n';
    out << R"~(<text x="16" y="26" font-size="17" font-weight="bold" fill="#1a1a1a">)~"
        << xml_escape(heatmap_title(header, data)) << "</text>\n";
    out << R"~(<text x="16" y="46" font-size="12" fill="#555555">)~" << xml_escape(heatmap_subtitle(header))
        << "</text>\n";
    // Axis titles.
    out << R"~(<text x=")~" << num(left + grid / 2) << R"~(" y=")~" << num(title_height + 12)
        << R"~(" font-size="11" fill="#777777" text-anchor="middle">key (attended to) &#8594;</text>)~" << '\n';
    out << R"~(<text font-size="11" fill="#777777" text-anchor="middle" transform="translate(12 )~"
        << num(top + grid / 2) << R"~() rotate(-90)">query (attending) &#8594;</text>)~" << '\n';

    // Cells: the background is the colour of 0, so only visibly different cells are drawn.
    const Rgb zero = colormap(0);
    out << R"~(<rect x=")~" << num(left) << R"~(" y=")~" << num(top) << R"~(" width=")~" << num(grid) << R"~(" height=")~"
        << num(grid) << R"~(" fill=")~" << hex(zero) << R"~("/>)~" << '\n';
    out << "<g shape-rendering=\"crispEdges\">\n";
    const bool values_inside = cell >= 26;
    for (std::size_t q = 0; q < T; ++q)
        for (std::size_t k = 0; k < T; ++k) {
            const double v = map[q * T + k];
            const Rgb c = colormap(v / vmax);
            if (c.r != zero.r || c.g != zero.g || c.b != zero.b)
                out << R"~(<rect x=")~" << num(left + k * cell) << R"~(" y=")~" << num(top + q * cell) << R"~(" width=")~"
                    << num(cell) << R"~(" height=")~" << num(cell) << R"~(" fill=")~" << hex(c) << R"~("/>)~" << '\n';
            if (values_inside && v >= 0.005)
                out << R"~(<text x=")~" << num(left + (k + 0.5) * cell) << R"~(" y=")~" << num(top + (q + 0.5) * cell)
                    << R"~(" font-size="8" text-anchor="middle" dominant-baseline="central" fill=")~"
                    << hex(text_colour_on(c)) << R"~(">)~" << fixed2(v) << "</text>\n";
        }
    out << "</g>\n";
    out << R"~(<rect x=")~" << num(left) << R"~(" y=")~" << num(top) << R"~(" width=")~" << num(grid) << R"~(" height=")~"
        << num(grid) << R"~(" fill="none" stroke="#999999" stroke-width="0.5"/>)~" << '\n';

    // Token labels: queries on the left, keys on top (rotated).
    out << R"~(<g font-size=")~" << num(font) << R"~(" fill="#222222">)~" << '\n';
    for (std::size_t i = 0; i < T; ++i) {
        const std::string text = xml_escape(labels[i]);
        out << R"~(<text x=")~" << num(left - 5) << R"~(" y=")~" << num(top + (i + 0.5) * cell)
            << R"~(" text-anchor="end" dominant-baseline="central">)~" << text << "</text>\n";
        out << R"~(<text text-anchor="start" dominant-baseline="central" transform="translate()~"
            << num(left + (i + 0.5) * cell) << ' ' << num(top - 5) << R"~() rotate(-90)">)~" << text << "</text>\n";
    }
    out << "</g>\n";

    // Legend: a vertical gradient with ticks at 0, half and the top of the scale.
    const double legend_height = std::min(grid, 240.0);
    out << R"~(<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">)~";
    for (std::size_t i = 0; i < kColormapStops.size(); ++i)
        out << R"~(<stop offset=")~" << num(double(i) / (kColormapStops.size() - 1)) << R"~(" stop-color=")~"
            << hex(kColormapStops[i]) << R"~("/>)~";
    out << "</linearGradient></defs>\n";
    out << R"~(<rect x=")~" << num(legend_x) << R"~(" y=")~" << num(top) << R"~(" width=")~" << num(legend_width)
        << R"~(" height=")~" << num(legend_height) << R"~(" fill="url(#scale)" stroke="#999999" stroke-width="0.5"/>)~"
        << '\n';
    for (const double f : {0.0, 0.5, 1.0})
        out << R"~(<text x=")~" << num(legend_x + legend_width + 4) << R"~(" y=")~"
            << num(top + legend_height * (1 - f)) << R"~(" font-size="10" fill="#444444" dominant-baseline="central">)~"
            << tick_label(vmax * f) << "</text>\n";
    out << R"~(<text x=")~" << num(legend_x) << R"~(" y=")~" << num(top + legend_height + 16)
        << R"~(" font-size="10" fill="#777777">probability</text>)~" << '\n';
    out << "</svg>\n";
}

}  // namespace bertcls::attention_report
