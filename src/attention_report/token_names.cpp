#include "attention_report/token_names.h"

#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace bertcls::attention_report {

namespace {

using Vocabulary = std::unordered_map<int64_t, std::string>;

void from_tokenizer_json(const std::string& bytes, Vocabulary& vocab) {
    const auto json = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return;
    if (const auto model = json.find("model"); model != json.end() && model->is_object()) {
        if (const auto v = model->find("vocab"); v != model->end()) {
            if (v->is_object()) {  // WordPiece, BPE: {"token": id}
                for (const auto& [token, id] : v->items())
                    if (id.is_number_integer()) vocab[id.get<int64_t>()] = token;
            } else if (v->is_array()) {  // Unigram: [["piece", score], ...]
                for (std::size_t i = 0; i < v->size(); ++i)
                    if ((*v)[i].is_array() && !(*v)[i].empty() && (*v)[i][0].is_string())
                        vocab[static_cast<int64_t>(i)] = (*v)[i][0].get<std::string>();
            }
        }
    }
    if (const auto added = json.find("added_tokens"); added != json.end() && added->is_array())
        for (const auto& t : *added)
            if (t.is_object() && t.contains("id") && t["id"].is_number_integer() && t.contains("content") &&
                t["content"].is_string())
                vocab[t["id"].get<int64_t>()] = t["content"].get<std::string>();
}

void from_vocab_txt(const std::string& bytes, Vocabulary& vocab) {
    std::istringstream in(bytes);
    std::string line;
    for (int64_t id = 0; std::getline(in, line); ++id) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        vocab[id] = line;
    }
}

void from_vocab_json(const std::string& bytes, Vocabulary& vocab) {
    const auto json = nlohmann::json::parse(bytes, nullptr, false);
    if (!json.is_object()) return;
    for (const auto& [token, id] : json.items())
        if (id.is_number_integer()) vocab[id.get<int64_t>()] = token;
}

}  // namespace

std::vector<std::string> token_names(std::span<const int32_t> ids, const TokenizerFiles& files) {
    Vocabulary vocab;
    if (const auto it = files.find("tokenizer.json"); it != files.end()) {
        from_tokenizer_json(it->second, vocab);
    } else if (const auto txt = files.find("vocab.txt"); txt != files.end()) {
        from_vocab_txt(txt->second, vocab);
    } else if (const auto js = files.find("vocab.json"); js != files.end()) {
        from_vocab_json(js->second, vocab);
    }
    std::vector<std::string> names;
    names.reserve(ids.size());
    for (const int32_t id : ids) {
        const auto it = vocab.find(id);
        names.push_back(it != vocab.end() ? it->second : std::to_string(id));
    }
    return names;
}

}  // namespace bertcls::attention_report
