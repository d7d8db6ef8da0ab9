#pragma once
// Nesting limits for JSON from untrusted files. nlohmann parses any depth without recursion, but
// copying, comparing and dumping a value recurse, so a hostile file nested a million levels
// deep would overflow the stack. Real tokenizer files and configs nest fewer than 10 levels.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace bertcls {

inline constexpr std::size_t kMaxJsonDepth = 256;

// Deepest '{' / '[' nesting of JSON text (brackets inside strings do not count); stops counting
// past `stop_at`.
inline std::size_t json_text_depth(std::string_view text, std::size_t stop_at = kMaxJsonDepth + 1) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
            if (deepest >= stop_at) return deepest;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// json::parse for untrusted files: InputError "<what>: JSON nested more than 256 levels deep".
inline nlohmann::json parse_bounded_json(std::string_view text, const std::string& what) {
    if (json_text_depth(text) > kMaxJsonDepth)
        throw InputError(what + ": JSON nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    return nlohmann::json::parse(text);
}

// Nesting depth of a parsed value, without recursion; stops counting past `stop_at`.
inline std::size_t json_value_depth(const nlohmann::json& value, std::size_t stop_at = kMaxJsonDepth + 1) {
    std::size_t deepest = 0;
    std::vector<std::pair<const nlohmann::json*, std::size_t>> stack{{&value, 1}};
    while (!stack.empty()) {
        const auto [v, depth] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, depth);
        if (deepest >= stop_at) return deepest;
        if (v->is_structured())
            for (const auto& child : *v) stack.emplace_back(&child, depth + 1);
    }
    return deepest;
}

}  // namespace bertcls
