#include "eval/delimited.h"

#include "util/error.h"
#include "util/text_input.h"

namespace bertcls::eval {

namespace {

std::vector<std::string> split_plain(std::string_view line, char separator) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(separator, start);
        fields.emplace_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return fields;
        start = end + 1;
    }
}

std::vector<Row> split_unquoted(std::string_view content, char separator) {
    std::vector<Row> rows;
    uint64_t line_number = 0;
    std::size_t start = 0;
    while (start < content.size()) {
        std::size_t end = content.find('\n', start);
        if (end == std::string_view::npos) end = content.size();
        std::string_view line = content.substr(start, end - start);
        ++line_number;
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!is_blank_line(line)) rows.push_back({split_plain(line, separator), line_number});
    }
    return rows;
}

// RFC 4180 with Python's leniency for a quote inside an unquoted field (kept as it is).
std::vector<Row> split_csv(std::string_view content, char separator, const std::string& name) {
    std::vector<Row> rows;
    uint64_t line = 1;
    std::size_t i = 0;
    const auto fail = [&](uint64_t at, const std::string& why) { throw InputError(name + ":" + std::to_string(at) + ": " + why); };
    while (i < content.size()) {
        Row row{{}, line};
        std::string field;
        bool any_content = false;  // tells a blank line from a row of empty fields
        for (;;) {
            std::size_t quoted_size = 0;  // a '\r' inside quotes is data, not a CRLF's
            if (i < content.size() && content[i] == '"' && field.empty()) {
                any_content = true;
                const uint64_t opened = line;
                for (++i;; ++i) {
                    if (i >= content.size()) fail(opened, "unterminated quoted field");
                    if (content[i] == '"') {
                        if (i + 1 < content.size() && content[i + 1] == '"') {
                            field += '"';
                            ++i;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (content[i] == '\n') ++line;
                    field += content[i];
                }
                const bool at_end = i >= content.size() || content[i] == separator || content[i] == '\n' ||
                                    (content[i] == '\r' && (i + 1 >= content.size() || content[i + 1] == '\n'));
                if (!at_end) fail(line, "unexpected character after a closing quote (a quote inside a quoted field is written \"\")");
                quoted_size = field.size();
            }
            while (i < content.size() && content[i] != separator && content[i] != '\n') field += content[i++];
            if (i < content.size() && content[i] == separator) {
                any_content = true;
                row.fields.push_back(std::move(field));
                field.clear();
                ++i;
                continue;
            }
            // End of the record: a newline or the end of the input.
            if (field.size() > quoted_size && field.back() == '\r') field.pop_back();
            if (!is_blank_line(field)) any_content = true;
            row.fields.push_back(std::move(field));
            if (i < content.size()) ++i, ++line;
            break;
        }
        if (any_content) rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::vector<Row> split_rows(std::string_view content, char separator, bool quoted, const std::string& name) {
    content.remove_prefix(utf8_bom_size(content));
    return quoted ? split_csv(content, separator, name) : split_unquoted(content, separator);
}

}  // namespace bertcls::eval
