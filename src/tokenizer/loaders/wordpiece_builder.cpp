// The WordPiece family (BERT, DistilBERT, ELECTRA): from tokenizer.json or from the legacy
// vocab.txt + tokenizer_config.json (what transformers' BertConverter would produce).
#include <sstream>

#include "tokenizer/normalizers/bert_normalizer.h"
#include "tokenizer/pre_tokenizers/bert_pre_tokenizer.h"
#include "tokenizer/loaders/factory.h"
#include "tokenizer/models/wordpiece.h"
#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls::tok {

using nlohmann::json;

void build_wordpiece(const json& j, TokenizerParts& parts) {
    const json& model = j.at("model");
    std::vector<std::pair<std::string, int32_t>> vocab;
    vocab.reserve(model.at("vocab").size());
    parts.vocabulary->reserve(model.at("vocab").size());
    for (const auto& [token, id] : model.at("vocab").items()) {
        vocab.emplace_back(token, id.get<int32_t>());
        parts.vocabulary->set(id.get<int32_t>(), token);
    }
    auto wordpiece = std::make_unique<WordPiece>(vocab, model.value("unk_token", std::string("[UNK]")),
                                                 model.value("continuing_subword_prefix", std::string("##")),
                                                 model.value("max_input_chars_per_word", std::size_t{100}));
    parts.spec = {{"normalizer", j.value("normalizer", json())}, {"pre_tokenizer", j.value("pre_tokenizer", json())}};
    parts.model = wordpiece.get();
    parts.encoder = std::make_unique<PipelineSegmentEncoder>(read_normalizer(parts.spec["normalizer"]),
                                                             read_pre_tokenizer(parts.spec["pre_tokenizer"]),
                                                             std::move(wordpiece));
}

void build_wordpiece_legacy(const TokenizerFiles& files, TokenizerParts& parts) {
    json config = json::object();
    if (const auto it = files.find("tokenizer_config.json"); it != files.end()) {
        try {
            config = parse_bounded_json(it->second, "tokenizer_config.json");
        } catch (const json::exception& e) {
            throw InputError(std::string("tokenizer_config.json is not valid JSON: ") + e.what());
        }
    }
    json special_map = json::object();
    if (const auto it = files.find("special_tokens_map.json"); it != files.end()) {
        try {
            special_map = parse_bounded_json(it->second, "special_tokens_map.json");
        } catch (const json::exception& e) {
            throw InputError(std::string("special_tokens_map.json is not valid JSON: ") + e.what());
        }
    }
    // A special token's string: tokenizer_config.json, else special_tokens_map.json, else the default.
    const auto special = [&](const char* key, const char* fallback) {
        for (const json* source : {&config, &special_map}) {
            if (!source->contains(key)) continue;
            const json& v = source->at(key);
            if (v.is_string()) return v.get<std::string>();
            if (v.is_object() && v.contains("content")) return v.at("content").get<std::string>();
        }
        return std::string(fallback);
    };

    // vocab.txt: one token a line (only the newline is stripped, as transformers' load_vocab
    // does), id = line number; a repeated token keeps its last id.
    std::vector<std::pair<std::string, int32_t>> vocab;
    std::unordered_map<std::string, int32_t> index;
    {
        std::istringstream in(files.at("vocab.txt"));
        std::string line;
        int32_t id = 0;
        while (std::getline(in, line)) {
            index[line] = id;
            parts.vocabulary->set(id, line);
            ++id;
        }
        for (auto& [token, token_id] : index) vocab.emplace_back(token, token_id);
    }
    const auto id_of = [&](const std::string& token) {
        const auto it = index.find(token);
        if (it == index.end()) throw InputError("vocab.txt has no " + token + " token");
        return it->second;
    };

    // What transformers' BertConverter writes into a tokenizer.json, read back by the same
    // readers (so the compiled form can store it).
    json normalizer = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", config.value("tokenize_chinese_chars", true)},
                       {"strip_accents", config.value("strip_accents", json())},
                       {"lowercase", config.value("do_lower_case", true)}};
    const std::string unk = special("unk_token", "[UNK]");
    auto wordpiece = std::make_unique<WordPiece>(vocab, unk);
    parts.spec = {{"normalizer", std::move(normalizer)}, {"pre_tokenizer", {{"type", "BertPreTokenizer"}}}};
    parts.model = wordpiece.get();
    parts.encoder = std::make_unique<PipelineSegmentEncoder>(read_normalizer(parts.spec["normalizer"]),
                                                             read_pre_tokenizer(parts.spec["pre_tokenizer"]),
                                                             std::move(wordpiece));
    const std::string cls = special("cls_token", "[CLS]");
    const std::string sep = special("sep_token", "[SEP]");
    for (const auto& name : {special("pad_token", "[PAD]"), unk, cls, sep, special("mask_token", "[MASK]")}) {
        const auto it = index.find(name);
        if (it == index.end()) continue;
        AddedToken t;
        t.content = name;
        t.id = it->second;
        parts.added_tokens.push_back(t);
    }
    parts.post_processor = bert_post_processor(id_of(cls), id_of(sep));
}

}  // namespace bertcls::tok
