#include "attention_report/png_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "attention_report/bitmap_font.h"
#include "attention_report/colormap.h"
#include "attention_report/png_encoder.h"

namespace bertcls::attention_report {

namespace {

constexpr std::size_t kMaxLabelChars = 16;
constexpr Rgb kInk{0x22, 0x22, 0x22}, kMuted{0x66, 0x66, 0x66}, kFrame{0x99, 0x99, 0x99};

int text_width(std::string_view ascii, int scale) {
    return ascii.empty() ? 0 : static_cast<int>(ascii.size()) * (kGlyphWidth + 1) * scale - scale;
}

// Draws ASCII text with its top-left corner at (x, y); `vertical` turns it 90 degrees
// counter-clockwise about that corner (reading bottom to top), for column labels.
void draw_text(RgbImage& img, int x, int y, std::string_view ascii, int scale, Rgb colour, bool vertical = false) {
    for (std::size_t n = 0; n < ascii.size(); ++n) {
        const uint8_t* rows = glyph(ascii[n]);
        const int origin = static_cast<int>(n) * (kGlyphWidth + 1) * scale;
        for (int gy = 0; gy < kGlyphHeight; ++gy)
            for (int gx = 0; gx < kGlyphWidth; ++gx) {
                if (!(rows[gy] & (0x10 >> gx))) continue;
                for (int sy = 0; sy < scale; ++sy)
                    for (int sx = 0; sx < scale; ++sx) {
                        const int u = origin + gx * scale + sx;  // along the text
                        const int v = (gy + glyph_drop(ascii[n])) * scale + sy;  // across it
                        if (vertical) img.set(x + v, y - u, colour.r, colour.g, colour.b);
                        else img.set(x + u, y + v, colour.r, colour.g, colour.b);
                    }
            }
    }
}

void fill(RgbImage& img, int x, int y, int w, int h, Rgb c) {
    for (int yy = std::max(0, y); yy < std::min(img.height, y + h); ++yy)
        for (int xx = std::max(0, x); xx < std::min(img.width, x + w); ++xx) img.set(xx, yy, c.r, c.g, c.b);
}

void frame(RgbImage& img, int x, int y, int w, int h, Rgb c) {
    fill(img, x - 1, y - 1, w + 2, 1, c);
    fill(img, x - 1, y + h, w + 2, 1, c);
    fill(img, x - 1, y, 1, h, c);
    fill(img, x + w, y, 1, h, c);
}

std::string shorten(std::string ascii, std::size_t max_chars) {
    if (ascii.size() > max_chars) ascii = ascii.substr(0, max_chars - 2) + "..";
    return ascii;
}

}  // namespace

void write_png_heatmap(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                       const HeatmapStyle& style) {
    if (data.layers.size() != 1 || data.head_count() != 1)
        throw std::invalid_argument("a PNG heatmap shows one layer and one head");
    const int T = static_cast<int>(data.tokens);
    const float* map = data.map(0, 0);
    const double vmax = heatmap_scale_max(data, style);

    const int scale = 2;  // the 5x7 font at 2x: 18 px lines
    const int text_h = kLineHeight * scale;
    // Cells fit a label at 2x; long inputs (over ~200 tokens) keep the image under ~4000 px
    // with smaller cells, labelled at 1x while they can hold a line, unlabelled below that.
    int cell = std::clamp(640 / std::max(T, 1), text_h + 2, 36);
    if (cell * T > 4000) cell = std::max(2, 4000 / std::max(T, 1));
    const int label_scale = cell >= text_h + 2 ? scale : cell >= kLineHeight + 1 ? 1 : 0;
    std::vector<std::string> labels;
    int label_w = 0;
    for (const auto& t : header.tokens) {
        labels.push_back(shorten(to_ascii_label(t), kMaxLabelChars));
        if (label_scale) label_w = std::max(label_w, text_width(labels.back(), label_scale));
    }
    const std::string title = to_ascii_label(heatmap_title(header, data));
    const std::string subtitle = shorten(to_ascii_label(heatmap_subtitle(header)), 110);
    const std::string key_axis = "key (attended to) ->", query_axis = "query (attending) ->";
    const int margin = 20, gap = 10;
    // Rows from the top: title (3x), subtitle, key-axis caption, column labels, the grid.
    const int title_y = margin, subtitle_y = title_y + 3 * kLineHeight + gap;
    const int caption_y = subtitle_y + text_h + 2 * gap;
    const int top = caption_y + text_h + gap + label_w + 8;
    const int left = margin + text_h + gap + label_w + 8;
    const int grid = cell * T;
    const int legend_x = left + grid + 28, legend_w = 18, legend_h = std::min(std::max(grid, 120), 300);
    const int width = std::max({legend_x + legend_w + 12 + text_width("0.125", scale) + margin,
                                margin + text_width(title, 3) + margin, margin + text_width(subtitle, scale) + margin,
                                left + text_width(key_axis, scale) + margin});
    const int height = std::max(top + grid, top + legend_h) + margin;
    RgbImage img(width, height);

    draw_text(img, margin, title_y, title, 3, {0x1a, 0x1a, 0x1a});
    draw_text(img, margin, subtitle_y, subtitle, scale, kMuted);
    draw_text(img, left, caption_y, key_axis, scale, kMuted);
    draw_text(img, margin, top + std::min(grid, text_width(query_axis, scale)), query_axis, scale, kMuted, true);

    for (int q = 0; q < T; ++q)
        for (int k = 0; k < T; ++k) fill(img, left + k * cell, top + q * cell, cell, cell, colormap(map[q * T + k] / vmax));
    frame(img, left, top, grid, grid, kFrame);
    for (int i = 0; label_scale && i < T; ++i) {
        const int centre = i * cell + (cell - kGlyphHeight * label_scale) / 2;  // centre the letters, not the descenders
        draw_text(img, left - 8 - text_width(labels[i], label_scale), top + centre, labels[i], label_scale, kInk);
        draw_text(img, left + centre, top - 8, labels[i], label_scale, kInk, true);
    }

    for (int y = 0; y < legend_h; ++y) fill(img, legend_x, top + y, legend_w, 1, colormap(1.0 - double(y) / (legend_h - 1)));
    frame(img, legend_x, top, legend_w, legend_h, kFrame);
    for (const double f : {0.0, 0.5, 1.0}) {
        const int y = top + static_cast<int>(std::lround((legend_h - 1) * (1 - f)));
        fill(img, legend_x + legend_w, y, 4, 1, kFrame);
        draw_text(img, legend_x + legend_w + 8, std::clamp(y - text_h / 2, top - text_h / 2, height - text_h), tick_label(vmax * f),
                  scale, kInk);
    }
    write_png(out, img);
}

}  // namespace bertcls::attention_report
