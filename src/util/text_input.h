#pragma once
// Rules every reader of text input follows, so that batch, tokenize, eval and classify agree.
#include <cstddef>
#include <string_view>

namespace bertcls {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Bytes of a UTF-8 byte order mark at the start of `text`: 3 or 0. Windows editors start files
// with one; it is not part of the first line's text (Python's json rejects it).
inline std::size_t utf8_bom_size(std::string_view text) { return text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0; }

// A blank line (empty or only whitespace) holds no record.
inline bool is_blank_line(std::string_view line) { return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos; }

}  // namespace bertcls
