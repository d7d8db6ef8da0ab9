#include "attention_report/colormap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bertcls::attention_report {

Rgb colormap(double t) {
    if (!(t > 0)) t = 0;  // also NaN
    t = std::min(t, 1.0) * (kColormapStops.size() - 1);
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), kColormapStops.size() - 2);
    const double f = t - static_cast<double>(i);
    const Rgb a = kColormapStops[i], b = kColormapStops[i + 1];
    const auto mix = [f](uint8_t x, uint8_t y) { return static_cast<uint8_t>(std::lround(x + (y - x) * f)); };
    return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

std::string hex(Rgb c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", c.r, c.g, c.b);
    return buffer;
}

Rgb text_colour_on(Rgb c) {
    const double luminance = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
    return luminance > 140 ? Rgb{0x1a, 0x1a, 0x1a} : Rgb{0xff, 0xff, 0xff};
}

double nice_scale_max(double max_value) {
    if (!(max_value > 1e-6)) return 1e-6;
    if (max_value >= 1) return 1;
    const double power = std::pow(10.0, std::floor(std::log10(max_value)));
    for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (max_value <= step * power * (1 + 1e-9)) return std::min(1.0, step * power);
    return 1;
}

std::string tick_label(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
    return buffer;
}

}  // namespace bertcls::attention_report
