#pragma once
// Token labels for pictures: control characters made visible, long tokens shortened, and
// escaping for XML.
#include <string>
#include <string_view>

namespace bertcls::attention_report {

// Control characters (U+0000..U+001F, U+007F) become their visible symbols (U+2400..), and a
// token longer than max_chars code points is cut with an ellipsis. Invalid UTF-8 bytes
// become U+FFFD.
std::string display_token(std::string_view token, std::size_t max_chars);

// Number of code points in valid UTF-8 (what display_token returns).
std::size_t utf8_length(std::string_view text);

// & < > " ' as entities.
std::string xml_escape(std::string_view text);

}  // namespace bertcls::attention_report
