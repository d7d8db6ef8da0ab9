#pragma once
// A file that is not JSONL at all (a TSV or CSV file), or a --text-field that no record has,
// would otherwise become a whole output file of error records. Looking at the first records
// before anything is written turns either into one error.
#include <string>
#include <string_view>
#include <vector>

#include "batch/line_reader.h"
#include "batch/record.h"

namespace bertcls::batch {

// How many non-blank records are looked at.
inline constexpr std::size_t kCheckedRecords = 100;

// Throws InputError naming `input_name` when each of the first kCheckedRecords non-blank lines
// of `lines` (all of them if fewer) is not a JSON object or lacks a field the run reads; the
// message says that `command` ("batch", "tokenize -i") reads JSONL. One usable record, or one that
// fails for another reason, and a mixed file keeps its per-record error records.
void check_first_records(const std::vector<Line>& lines, const RecordFields& fields, const std::string& input_name,
                         std::string_view command);

}  // namespace bertcls::batch
