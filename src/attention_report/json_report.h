#pragma once
// The .json report: input, prediction and attention probabilities, and the metadata object the
// .npy report writes beside its array (OUT.tokens.json).
#include <ostream>

#include <nlohmann/json.hpp>

#include "attention_report/attention_data.h"

namespace bertcls::attention_report {

// {"model", "text"?, "pair"?, "tokens", "input_ids", "token_type_ids", "truncated",
//  "tokens_total" (the input's length before truncation), "num_layers", "num_heads", "layers",
//  "heads", "prediction": {"label", "score", "scores", "logits"}}.
// "layers" lists the model layer of each entry on the first axis of the attentions, "heads"
// the model head of each entry on the second axis, or ["mean"].
nlohmann::ordered_json report_metadata(const ReportHeader& header, const AttentionData& data);

// The metadata plus "attentions": [layer][head][query][key] probabilities, written as the
// shortest decimal that reads back to the same float32 (streamed: no JSON tree of the array).
void write_json_report(std::ostream& out, const ReportHeader& header, const AttentionData& data);

// Shortest round-trip decimal of a float32 ("0.123", "1e-05", "0").
std::string format_float(float value);

// The double whose shortest decimal is format_float(value), so JSON shows "0.1", not the
// float's exact binary value "0.10000000149011612".
double json_number(float value);

// {"label", "score", "scores": [{"label", "score"}, ...] (best first), "logits"}, as classify prints.
nlohmann::ordered_json prediction_json(const Prediction& prediction);

}  // namespace bertcls::attention_report
