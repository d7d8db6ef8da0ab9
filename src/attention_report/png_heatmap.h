#pragma once
// The .png report: the same picture as the SVG heatmap (one layer and head, tokens on both
// axes, legend, title with the prediction), rasterised with the built-in pixel font.
#include <ostream>

#include "attention_report/attention_data.h"
#include "attention_report/svg_heatmap.h"

namespace bertcls::attention_report {

// `data` must hold exactly one layer and one head slot.
void write_png_heatmap(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                       const HeatmapStyle& style = {});

}  // namespace bertcls::attention_report
