#pragma once
// tokenizer_config.json (+ special_tokens_map.json) as the legacy builders read them, for the
// files transformers converts when a checkpoint has no tokenizer.json.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/pipeline.h"

namespace bertcls::tok {

class LegacyConfig {
public:
    explicit LegacyConfig(const TokenizerFiles& files);
    // A special token's string (a plain string or an AddedToken object with "content"):
    // tokenizer_config.json first, then special_tokens_map.json, else `fallback`.
    std::string special(const char* key, const char* fallback) const;
    // "extra_special_tokens" (transformers 5) or "additional_special_tokens" (4).
    std::vector<std::string> extra_special_tokens() const;
    bool flag(const char* key, bool fallback) const;
    std::string string(const char* key) const;  // "" when absent
    // "added_tokens_decoder": id -> token with its flags (transformers >= 4.34).
    std::vector<AddedToken> added_tokens_decoder() const;
    // added_tokens.json (transformers 4's {"token": id}); not special, not normalized.
    std::vector<AddedToken> added_tokens_file() const;

private:
    nlohmann::json config_ = nlohmann::json::object();
    nlohmann::json special_map_ = nlohmann::json::object();
    nlohmann::json added_tokens_ = nlohmann::json::object();
};

}  // namespace bertcls::tok
