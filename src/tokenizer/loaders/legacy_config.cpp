// LegacyConfig: tokenizer_config.json and special_tokens_map.json for the legacy builders.
#include "tokenizer/loaders/legacy_config.h"

#include <algorithm>

#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls::tok {

using nlohmann::json;

namespace {

json parse_file(const TokenizerFiles& files, const char* name) {
    const auto it = files.find(name);
    if (it == files.end()) return json::object();
    try {
        json j = parse_bounded_json(it->second, name);
        if (!j.is_object()) throw InputError(std::string(name) + " is not a JSON object");
        return j;
    } catch (const json::exception& e) {
        throw InputError(std::string(name) + " is not valid JSON: " + e.what());
    }
}

std::optional<std::string> token_string(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v.at("content").is_string()) return v.at("content").get<std::string>();
    return std::nullopt;
}

}  // namespace

LegacyConfig::LegacyConfig(const TokenizerFiles& files)
    : config_(parse_file(files, "tokenizer_config.json")),
      special_map_(parse_file(files, "special_tokens_map.json")),
      added_tokens_(parse_file(files, "added_tokens.json")) {}

std::string LegacyConfig::special(const char* key, const char* fallback) const {
    for (const json* source : {&config_, &special_map_})
        if (source->contains(key))
            if (auto s = token_string(source->at(key))) return *s;
    return fallback;
}

std::vector<std::string> LegacyConfig::extra_special_tokens() const {
    std::vector<std::string> out;
    for (const json* source : {&config_, &special_map_}) {
        for (const char* key : {"extra_special_tokens", "additional_special_tokens"}) {
            if (!source->contains(key) || !source->at(key).is_array()) continue;
            for (const auto& v : source->at(key))
                if (auto s = token_string(v)) out.push_back(*s);
            if (!out.empty()) return out;
        }
    }
    return out;
}

bool LegacyConfig::flag(const char* key, bool fallback) const {
    if (config_.contains(key) && config_.at(key).is_boolean()) return config_.at(key).get<bool>();
    return fallback;
}

std::string LegacyConfig::string(const char* key) const {
    if (config_.contains(key) && config_.at(key).is_string()) return config_.at(key).get<std::string>();
    return {};
}

std::vector<AddedToken> LegacyConfig::added_tokens_decoder() const {
    std::vector<AddedToken> out;
    if (!config_.contains("added_tokens_decoder") || !config_.at("added_tokens_decoder").is_object()) return out;
    for (const auto& [key, v] : config_.at("added_tokens_decoder").items()) {
        AddedToken t;
        try {
            t.id = std::stoi(key);
        } catch (const std::exception&) {
            throw InputError("tokenizer_config.json: added_tokens_decoder has a bad id \"" + key + "\"");
        }
        const auto content = token_string(v);
        if (!content) continue;
        t.content = *content;
        t.single_word = v.value("single_word", false);
        t.lstrip = v.value("lstrip", false);
        t.rstrip = v.value("rstrip", false);
        t.special = v.value("special", true);
        t.normalized = v.value("normalized", !t.special);
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<AddedToken> LegacyConfig::added_tokens_file() const {
    std::vector<std::pair<int32_t, std::string>> entries;
    for (const auto& [content, id] : added_tokens_.items()) {
        if (!id.is_number_integer()) throw InputError("added_tokens.json: the id of " + content + " is not an integer");
        entries.emplace_back(id.get<int32_t>(), content);
    }
    std::sort(entries.begin(), entries.end());
    std::vector<AddedToken> out;
    for (auto& [id, content] : entries) {
        AddedToken t;
        t.id = id;
        t.content = std::move(content);
        t.special = false;
        t.normalized = false;
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace bertcls::tok
