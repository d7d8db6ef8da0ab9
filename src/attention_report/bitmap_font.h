#pragma once
// A 5x7 pixel font for printable ASCII, drawn for bertcls, so the PNG heatmap can label its
// axes without a font library. Non-ASCII characters are transliterated where an obvious
// ASCII stand-in exists (the BPE/SentencePiece word markers, quotes, dots) and shown as '?'
// otherwise.
#include <cstdint>
#include <string>
#include <string_view>

namespace bertcls::attention_report {

inline constexpr int kGlyphWidth = 5, kGlyphHeight = 7;
// Height of a line: letters with descenders (g j p q y) are drawn lower by glyph_drop() rows.
inline constexpr int kLineHeight = 9;

// Rows top to bottom; bit 4 is the leftmost pixel. `c` outside 32..126 gives '?'.
const uint8_t* glyph(char c);

int glyph_drop(char c);

// One byte per displayed character: printable ASCII after transliteration.
std::string to_ascii_label(std::string_view utf8);

}  // namespace bertcls::attention_report
