// The byte-level BPE family (RoBERTa, GPT-2): BPE tokenizer.json files, and vocab.json +
// merges.txt converted the way transformers' RobertaConverter does.
#include <sstream>

#include "tokenizer/models/bpe.h"
#include "tokenizer/loaders/legacy_config.h"
#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls::tok {

using nlohmann::json;

namespace {

std::pair<std::string, std::string> split_merge(const std::string& line, std::size_t number) {
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
        throw InputError("BPE merges: entry " + std::to_string(number) + " is not two tokens: \"" + line + "\"");
    return {line.substr(0, space), line.substr(space + 1)};
}

std::vector<std::pair<std::string, int32_t>> read_vocab_object(const json& vocab, Vocabulary& vocabulary) {
    if (!vocab.is_object()) throw InputError("BPE vocabulary is not a JSON object");
    std::vector<std::pair<std::string, int32_t>> out;
    out.reserve(vocab.size());
    for (const auto& [token, id] : vocab.items()) {
        out.emplace_back(token, id.get<int32_t>());
        vocabulary.set(out.back().second, token);
    }
    return out;
}

}  // namespace

void build_bpe(const json& j, TokenizerParts& parts) {
    const json& model = j.at("model");
    if (model.contains("dropout") && !model.at("dropout").is_null() && model.at("dropout").get<double>() > 0)
        throw InputError("tokenizer.json: BPE dropout is not supported (it is random)");
    const auto vocab = read_vocab_object(model.at("vocab"), *parts.vocabulary);
    std::vector<std::pair<std::string, std::string>> merges;
    const json& list = model.at("merges");
    merges.reserve(list.size());
    for (const auto& m : list) {
        if (m.is_string()) merges.push_back(split_merge(m.get<std::string>(), merges.size() + 1));
        else merges.emplace_back(m.at(0).get<std::string>(), m.at(1).get<std::string>());
    }
    Bpe::Options o;
    const auto string_or_empty = [&](const char* key) {
        return model.contains(key) && model.at(key).is_string() ? model.at(key).get<std::string>() : std::string();
    };
    if (model.contains("unk_token") && model.at("unk_token").is_string()) o.unk_token = model.at("unk_token").get<std::string>();
    o.continuing_subword_prefix = string_or_empty("continuing_subword_prefix");
    o.end_of_word_suffix = string_or_empty("end_of_word_suffix");
    o.fuse_unk = model.value("fuse_unk", false);
    o.byte_fallback = model.value("byte_fallback", false);
    o.ignore_merges = model.value("ignore_merges", false);
    auto bpe = std::make_unique<Bpe>(vocab, merges, std::move(o));
    parts.spec = {{"normalizer", j.value("normalizer", json())}, {"pre_tokenizer", j.value("pre_tokenizer", json())}};
    parts.model = bpe.get();
    parts.encoder = std::make_unique<PipelineSegmentEncoder>(read_normalizer(parts.spec["normalizer"]),
                                                             read_pre_tokenizer(parts.spec["pre_tokenizer"]),
                                                             std::move(bpe));
}

void build_bpe_legacy(const TokenizerFiles& files, TokenizerParts& parts) {
    json vocab_json;
    try {
        vocab_json = parse_bounded_json(files.at("vocab.json"), "vocab.json");
    } catch (const json::exception& e) {
        throw InputError(std::string("vocab.json is not valid JSON: ") + e.what());
    }
    const auto vocab = read_vocab_object(vocab_json, *parts.vocabulary);
    std::vector<std::pair<std::string, std::string>> merges;
    {
        std::istringstream in(files.at("merges.txt"));
        std::string line;
        std::size_t number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty() || line.starts_with("#version")) continue;
            merges.push_back(split_merge(line, number));
        }
    }
    const LegacyConfig config(files);
    const std::string tokenizer_class = config.string("tokenizer_class");
    if (!tokenizer_class.empty() && !tokenizer_class.starts_with("Roberta"))
        throw InputError("tokenizer_config.json: tokenizer_class " + tokenizer_class +
                         " is unsupported without tokenizer.json (RoBERTa is supported)");
    // The pre-tokenizer as tokenizer.json writes it, built by its reader (so the compiled form
    // can store it).
    auto bpe = std::make_unique<Bpe>(vocab, merges, Bpe::Options{});
    parts.spec = {{"normalizer", json()},
                  {"pre_tokenizer",
                   {{"type", "ByteLevel"}, {"add_prefix_space", config.flag("add_prefix_space", false)}, {"use_regex", true}}}};
    parts.model = bpe.get();
    parts.encoder = std::make_unique<PipelineSegmentEncoder>(nullptr, read_pre_tokenizer(parts.spec["pre_tokenizer"]),
                                                             std::move(bpe));

    // Added tokens: added_tokens_decoder and added_tokens.json (fixed ids), then the named special
    // tokens (ids from vocab.json, or new ids after it).
    std::unordered_map<std::string, int32_t> index;
    int32_t next_id = 0;
    for (const auto& [token, id] : vocab) {
        index.emplace(token, id);
        next_id = std::max(next_id, id + 1);
    }
    std::vector<AddedToken> added;
    const auto has = [&](const std::string& content) {
        for (const auto& t : added)
            if (t.content == content) return true;
        return false;
    };
    for (auto& t : config.added_tokens_decoder()) {
        next_id = std::max(next_id, t.id + 1);
        if (!has(t.content)) added.push_back(std::move(t));
    }
    for (auto& t : config.added_tokens_file()) {
        next_id = std::max(next_id, t.id + 1);
        if (!has(t.content)) added.push_back(std::move(t));
    }
    const std::string cls = config.special("cls_token", "<s>"), sep = config.special("sep_token", "</s>");
    std::vector<std::string> names = {config.special("bos_token", "<s>"), config.special("eos_token", "</s>"),
                                      config.special("unk_token", "<unk>"), sep, config.special("pad_token", "<pad>"),
                                      cls, config.special("mask_token", "<mask>")};
    for (const auto& s : config.extra_special_tokens()) names.push_back(s);
    for (const auto& s : names) {
        if (s.empty() || has(s)) continue;
        AddedToken t;
        t.content = s;
        const auto it = index.find(s);
        t.id = it != index.end() ? it->second : next_id++;
        added.push_back(std::move(t));
    }
    const auto id_of = [&](const std::string& s) {
        for (const auto& t : added)
            if (t.content == s) return t.id;
        throw InputError("tokenizer: no id for the special token " + s);
    };
    parts.post_processor = roberta_post_processor(id_of(cls), id_of(sep));
    for (const auto& t : added) parts.vocabulary->set(t.id, t.content);
    parts.added_tokens = std::move(added);
}

}  // namespace bertcls::tok
