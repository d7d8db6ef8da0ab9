#pragma once
// The .svg report: the heatmap of one layer and one head (or the mean over heads), with the
// tokens on both axes, a colour legend, and a title with the prediction.
#include <optional>
#include <ostream>

#include "attention_report/attention_data.h"

namespace bertcls::attention_report {

struct HeatmapStyle {
    std::optional<double> scale_max;  // top of the colour scale; default: the map's max, rounded up
};

// `data` must hold exactly one layer and one head slot.
void write_svg_heatmap(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                       const HeatmapStyle& style = {});

// The title lines every picture shows: "joy 0.931 · layer 1 · mean over 2 heads" and the input.
std::string heatmap_title(const ReportHeader& header, const AttentionData& data);
std::string heatmap_subtitle(const ReportHeader& header);

// The map's largest value turned into the top of the colour scale (style or nice_scale_max).
double heatmap_scale_max(const AttentionData& data, const HeatmapStyle& style);

}  // namespace bertcls::attention_report
