#pragma once
// The report printed when no -o is given: the prediction, the tokens, and for each selected
// layer (and head) the tokens the first token ([CLS] / <s>) attends to most.
#include <ostream>

#include "attention_report/attention_data.h"

namespace bertcls::attention_report {

void write_text_summary(std::ostream& out, const ReportHeader& header, const AttentionData& data, int top);

}  // namespace bertcls::attention_report
