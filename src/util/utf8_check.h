#pragma once
// UTF-8 validation for whole input lines. Batch output keeps the input's bytes verbatim, so a line
// is checked before anything else: what we copy through must be valid UTF-8.
#include <cstddef>
#include <optional>
#include <string_view>

namespace bertcls {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF), or nullopt when the text is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

}  // namespace bertcls
