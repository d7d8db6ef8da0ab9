#pragma once
// Windows over a text too long for one sequence, as Hugging Face tokenizers makes them with
// `stride` and `return_overflowing_tokens`: a single text, or a pair truncated only_first (every
// window carries the whole second text), each window framed by the special tokens. As in HF, the
// text's tokens are cut before the post-processor adds the special tokens to each window, so a
// text that begins with a special token's string (a literal "[SEP]") keeps its frame. One
// difference, kept on purpose: HF's last window is the short remainder of the text, ours ends at
// the text's end and reaches back into its neighbour, so that every window is full.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace bertcls {

struct WindowOptions {
    std::size_t max_length = 512;  // tokens per window: special tokens and a pair's second text included
    // Tokens shared by consecutive windows (HF's stride); nullopt: a quarter of a window's text
    // tokens.
    std::optional<std::size_t> stride;
    // Set: text tokens per window (at most what max_length leaves), so that pairs whose second
    // texts differ in length get the same windows; 0: all that max_length leaves.
    std::size_t text_tokens = 0;
    bool with_tokens = true;  // fill Encoding::tokens
};

struct Windows {
    std::vector<Encoding> encodings;  // the whole sequence alone when its text fits one window
    std::size_t tokens = 0;           // the whole sequence's length, special tokens included
};

// The windows of `text` (and `pair`). Throws InputError for invalid UTF-8 or when the second
// text leaves no room for the first within max_length, and UsageError when max_length leaves no
// room for text or the stride leaves the windows no room to advance.
Windows encode_windows(const Tokenizer& tokenizer, std::string_view text, std::optional<std::string_view> pair,
                       const WindowOptions& options);

}  // namespace bertcls
