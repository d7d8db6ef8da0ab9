// encode_windows: the text's tokens cut into windows, each then post-processed (windows.h).
#include "tokenizer/processors/windows.h"

#include <algorithm>

#include "util/error.h"

namespace bertcls {

Windows encode_windows(const Tokenizer& tokenizer, std::string_view text, std::optional<std::string_view> pair,
                       const WindowOptions& options) {
    const Segments segments = tokenizer.encode_segments(text, pair);
    const std::span<const int32_t> first = segments.first;
    const auto second = segments.second ? std::optional<std::span<const int32_t>>(*segments.second) : std::nullopt;
    // The frame: the special tokens and a pair's second text, around every window.
    const std::size_t frame = tokenizer.num_special_tokens(second.has_value()) + (second ? second->size() : 0);
    const std::size_t n = first.size();
    Windows out;
    out.tokens = frame + n;
    const std::size_t limit = options.text_tokens > 0 ? std::min(options.max_length, frame + options.text_tokens)
                                                      : options.max_length;  // tokens per window, frame included
    if (out.tokens <= limit) {
        out.encodings.push_back(tokenizer.post_process(first, second, options.with_tokens));
        return out;
    }
    if (second && frame >= options.max_length)
        throw InputError("the second text of the pair leaves no room for the first within " +
                         std::to_string(options.max_length) + " tokens");
    if (limit <= frame)
        throw UsageError("max length " + std::to_string(limit) + " leaves no room for text between the special tokens");
    const std::size_t window = limit - frame;
    const std::size_t overlap = options.stride.value_or(window / 4);
    if (overlap >= window)
        throw UsageError("stride " + std::to_string(overlap) + " must be less than the " + std::to_string(window) +
                         " text tokens of a window");

    // Windows advance by (window - overlap) while they end before the text does; the last one
    // ends at the text's end, reaching back into its neighbour so that it is full too.
    const auto add = [&](std::size_t start) {
        out.encodings.push_back(tokenizer.post_process(first.subspan(start, window), second, options.with_tokens));
    };
    std::size_t start = 0;
    for (; start + window < n; start += window - overlap) add(start);
    add(n - window);
    return out;
}

}  // namespace bertcls
