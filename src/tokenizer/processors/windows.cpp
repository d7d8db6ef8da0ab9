// encode_windows and split_into_chunks: windows framed by the special tokens (windows.h).
#include "tokenizer/processors/windows.h"

#include <algorithm>

#include "util/error.h"

namespace bertcls {

namespace {

// v[0, prefix) + v[begin, end) + v[n - suffix, n); an empty v (a part not filled) stays empty.
template <class T>
std::vector<T> framed_slice(const std::vector<T>& v, std::size_t prefix, std::size_t begin, std::size_t end,
                            std::size_t suffix) {
    if (v.empty()) return {};
    const auto at = [&](std::size_t i) { return v.begin() + static_cast<std::ptrdiff_t>(i); };
    std::vector<T> out(v.begin(), at(prefix));
    out.insert(out.end(), at(begin), at(end));
    out.insert(out.end(), at(v.size() - suffix), v.end());
    return out;
}

}  // namespace

std::vector<Encoding> split_into_chunks(const Encoding& full, const Encoding& frame, std::size_t max_length,
                                        std::size_t overlap) {
    const auto& ids = full.input_ids;
    const std::size_t n = ids.size(), f = frame.input_ids.size();
    // The frame's ids split into those before the text and those after it.
    std::size_t prefix = 0;
    while (prefix < f && prefix < n && ids[prefix] == frame.input_ids[prefix]) ++prefix;
    const std::size_t suffix = f - prefix;
    if (n < f || !std::equal(frame.input_ids.begin() + static_cast<std::ptrdiff_t>(prefix), frame.input_ids.end(),
                             ids.end() - static_cast<std::ptrdiff_t>(suffix)))
        throw InputError("cannot split the text into chunks: unexpected special tokens");
    if (max_length <= f)
        throw UsageError("max length " + std::to_string(max_length) + " leaves no room for text between the special tokens");
    const std::size_t window = max_length - f, text = n - f;
    if (overlap >= window)
        throw UsageError("stride " + std::to_string(overlap) + " must be less than the " + std::to_string(window) +
                         " text tokens of a window");

    std::vector<Encoding> chunks;
    const auto add = [&](std::size_t start) {
        const std::size_t begin = prefix + start, end = prefix + std::min(start + window, text);
        chunks.push_back({.tokens = framed_slice(full.tokens, prefix, begin, end, suffix),
                          .input_ids = framed_slice(ids, prefix, begin, end, suffix),
                          .token_type_ids = framed_slice(full.token_type_ids, prefix, begin, end, suffix)});
    };
    for (std::size_t start = 0;; start += window - overlap) {
        if (start + window >= text) {
            add(text > window ? text - window : 0);
            break;
        }
        add(start);
    }
    return chunks;
}

Windows encode_windows(const Tokenizer& tokenizer, std::string_view text, std::optional<std::string_view> pair,
                       const WindowOptions& options) {
    Windows out;
    Encoding full = tokenizer.encode(text, pair, {.max_length = 0, .with_tokens = options.with_tokens});
    out.tokens = full.input_ids.size();
    // The special tokens (and a pair's second text) around every window, encoded only when needed.
    std::optional<Encoding> frame;
    const auto encode_frame = [&] {
        frame = tokenizer.encode("", pair, {.max_length = 0, .with_tokens = options.with_tokens});
    };
    std::size_t limit = options.max_length;  // tokens per window, frame included
    if (options.text_tokens > 0) {
        encode_frame();
        limit = std::min(options.max_length, frame->input_ids.size() + options.text_tokens);
    }
    if (out.tokens <= limit) {
        out.encodings.push_back(std::move(full));
        return out;
    }
    if (!frame) encode_frame();
    const std::size_t f = frame->input_ids.size();
    if (pair && f >= options.max_length)
        throw InputError("the second text of the pair leaves no room for the first within " +
                         std::to_string(options.max_length) + " tokens");
    const std::size_t window = limit > f ? limit - f : 0;
    out.encodings = split_into_chunks(full, *frame, limit, options.stride.value_or(window / 4));
    return out;
}

}  // namespace bertcls
