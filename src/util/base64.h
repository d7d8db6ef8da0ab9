#pragma once
// Standard base64 (RFC 4648): the attention page's data, and SentencePiece charsmaps as
// tokenizer.json stores them.
#include <optional>
#include <string>
#include <string_view>

namespace bertcls {

// With padding.
std::string base64_encode(std::string_view bytes);
// Padding and line breaks optional; nullopt when `text` holds any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace bertcls
