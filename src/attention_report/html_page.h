#pragma once
// The .html report: one self-contained page (no network, no external scripts or fonts) with
// the prediction, a heatmap of any embedded layer and head (or the mean over heads) with the
// tokens on both axes, and controls to switch between them. Only the selected layers and heads
// are embedded, each query row as `value_bits`-bit fractions of its largest value (kept as
// float32): 8 bits match the page's 256-colour scale; 4 bits keep a bert-base page (12 layers x
// 12 heads) at 512 tokens at 25.6 MB, where float32 took 201 MB.
#include <cstddef>
#include <ostream>
#include <string>

#include "attention_report/attention_data.h"

namespace bertcls::attention_report {

struct PageOptions {
    int value_bits = 0;  // 8 or 4; 0 picks page_value_bits()
};

// 8 bits per value up to 16M values (a 21 MB page), 4 bits beyond.
int page_value_bits(std::size_t values);

// `data` holds what the page shows (select()): one or every layer; one head, every head (the
// page adds their mean) or only the mean. It opens on the last layer, at the mean when it can.
void write_html_page(std::ostream& out, const ReportHeader& header, const AttentionData& data,
                     const PageOptions& options = {});

// The embedded data: every row's largest value as little-endian float32, then every value as a
// code round(v / row max * (2^bits - 1)), 8 bits a byte or 4 (the first in the high nibble).
std::string quantized_rows(const AttentionData& data, int bits);

}  // namespace bertcls::attention_report
