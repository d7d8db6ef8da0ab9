#pragma once
// Rows of a delimited text file (TSV, CSV, semicolon-separated), each with the line it starts
// on so that errors can name it. TSV and semicolon files are split plainly, as GLUE and the
// emotion set are written (a quote is an ordinary character there: sentences contain them);
// CSV follows RFC 4180 (quoted fields may hold separators, doubled quotes and newlines).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertcls::eval {

struct Row {
    std::vector<std::string> fields;
    uint64_t line = 0;  // 1-based line the row starts on
};

// Splits `content` into rows. Blank lines (empty or only whitespace) are skipped, a trailing
// '\r' (CRLF files) is dropped and a UTF-8 byte order mark at the start is ignored. `name` is
// for messages: an unterminated or misplaced quote in CSV throws InputError "name:line: ...".
std::vector<Row> split_rows(std::string_view content, char separator, bool quoted, const std::string& name);

}  // namespace bertcls::eval
