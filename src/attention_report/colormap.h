#pragma once
// The one colour scale every picture uses (SVG, PNG and, through its stops, the HTML page):
// ColorBrewer YlGnBu, from near-white at 0 to dark navy at the top of the scale, so the many
// near-zero probabilities recede and the strong links stand out.
#include <array>
#include <cstdint>
#include <string>

namespace bertcls::attention_report {

struct Rgb {
    uint8_t r, g, b;
};

inline constexpr std::array<Rgb, 9> kColormapStops{{{0xff, 0xff, 0xd9}, {0xed, 0xf8, 0xb1}, {0xc7, 0xe9, 0xb4},
                                                     {0x7f, 0xcd, 0xbb}, {0x41, 0xb6, 0xc4}, {0x1d, 0x91, 0xc0},
                                                     {0x22, 0x5e, 0xa8}, {0x25, 0x34, 0x94}, {0x08, 0x1d, 0x58}}};

// t in [0, 1] (clamped), linear between the stops.
Rgb colormap(double t);

// "#rrggbb".
std::string hex(Rgb colour);

// Black or white, whichever reads better on `background`.
Rgb text_colour_on(Rgb background);

// The top of the scale for a map: its largest value, rounded up to a "nice" number (1, 2, 2.5
// or 5 times a power of ten), so the legend has round ticks. Never above 1 nor below 1e-6.
double nice_scale_max(double max_value);

// A legend tick's label: three significant digits ("0.25", "1e-05").
std::string tick_label(double value);

}  // namespace bertcls::attention_report
