#pragma once
// Text written into tab-separated (or one-row-per-line) output: a tab, newline or carriage
// return inside a value would split a cell or a row, so they are written as the backslash
// escapes of the TSV conventions (\t, \n, \r), and a backslash as \\ so the escapes read back.
#include <string>
#include <string_view>

namespace bertcls {

inline std::string tsv_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        switch (ch) {
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            default: out += ch;
        }
    }
    return out;
}

}  // namespace bertcls
