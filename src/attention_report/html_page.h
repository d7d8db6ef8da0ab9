#pragma once
// The .html report: one self-contained page (no network, no external scripts or fonts) with
// the prediction, a heatmap of any layer and head (or the mean over heads) with the tokens on
// both axes, and controls to switch between them. Every layer and head is embedded, exactly,
// as base64 float32.
#include <ostream>

#include "attention_report/attention_data.h"

namespace bertcls::attention_report {

struct PageOptions {
    int64_t initial_layer = -1;  // shown first; negative counts from the end
    int64_t initial_head = -1;   // shown first; -1 is the mean over heads
};

// `all` must hold every layer and head of the model (all_attentions()).
void write_html_page(std::ostream& out, const ReportHeader& header, const AttentionData& all,
                     const PageOptions& options = {});

// Standard base64 (RFC 4648, with padding).
std::string base64(std::string_view bytes);

}  // namespace bertcls::attention_report
