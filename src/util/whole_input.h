#pragma once
// Reading a whole input (a file, or stdin for "-") into memory: the one reader behind every
// command that takes a text or a set as one piece.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bertcls {

// The whole content, less a UTF-8 byte order mark. Refused as soon as it grows past max_bytes,
// so an absurd input fails quickly instead of filling memory: InputError "NAME: text is longer
// than LIMIT_NAME N". Other failures (missing file, a directory, a read error) are InputErrors
// naming the file ("stdin" for "-").
std::string read_whole_input(const std::string& path, std::size_t max_bytes = SIZE_MAX,
                             std::string_view limit_name = "");

}  // namespace bertcls
