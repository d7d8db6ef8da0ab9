// make_tokenizer(): reads tokenizer.json (or the legacy files) and assembles a PipelineTokenizer.
#include "tokenizer/loaders/factory.h"

#include <fstream>
#include <sstream>

#include "tokenizer/normalizers/bert_normalizer.h"
#include "tokenizer/pre_tokenizers/bert_pre_tokenizer.h"
#include "tokenizer/models/bpe.h"
#include "tokenizer/normalizers/hf_normalizers.h"
#include "tokenizer/pre_tokenizers/hf_pre_tokenizers.h"
#include "tokenizer/loaders/sentencepiece.h"
#include "util/error.h"
#include "util/json_depth.h"

namespace bertcls {

using nlohmann::json;

Truncation parse_truncation(std::string_view name) {
    if (name == "longest_first") return Truncation::longest_first;
    if (name == "only_first") return Truncation::only_first;
    if (name == "only_second") return Truncation::only_second;
    if (name == "do_not_truncate") return Truncation::do_not_truncate;
    throw UsageError("unknown truncation strategy \"" + std::string(name) +
                     "\" (use longest_first, only_first, only_second or do_not_truncate)");
}

namespace tok {

namespace {

const json& member(const json& object, const char* key, const char* where) {
    if (!object.is_object() || !object.contains(key))
        throw InputError(std::string("tokenizer.json: ") + where + " has no \"" + key + "\"");
    return object.at(key);
}

}  // namespace

std::vector<AddedToken> read_added_tokens(const json& added, Vocabulary* vocabulary) {
    std::vector<AddedToken> tokens;
    if (added.is_null()) return tokens;
    if (!added.is_array()) throw InputError("tokenizer.json: \"added_tokens\" is not a list");
    for (const auto& entry : added) {
        AddedToken t;
        t.content = member(entry, "content", "an added token").get<std::string>();
        t.id = member(entry, "id", "an added token").get<int32_t>();
        t.single_word = entry.value("single_word", false);
        t.lstrip = entry.value("lstrip", false);
        t.rstrip = entry.value("rstrip", false);
        t.special = entry.value("special", false);
        t.normalized = entry.value("normalized", !t.special);
        if (vocabulary) vocabulary->set(t.id, t.content);
        tokens.push_back(std::move(t));
    }
    return tokens;
}

PostProcessor bert_post_processor(int32_t cls, int32_t sep) {
    using K = TemplatePiece::Kind;
    return PostProcessor({{K::special, {cls}, 0}, {K::sequence_a, {}, 0}, {K::special, {sep}, 0}},
                         {{K::special, {cls}, 0},
                          {K::sequence_a, {}, 0},
                          {K::special, {sep}, 0},
                          {K::sequence_b, {}, 1},
                          {K::special, {sep}, 1}});
}

PostProcessor roberta_post_processor(int32_t cls, int32_t sep, int32_t second_type_id) {
    using K = TemplatePiece::Kind;
    return PostProcessor({{K::special, {cls}, 0}, {K::sequence_a, {}, 0}, {K::special, {sep}, 0}},
                         {{K::special, {cls}, 0},
                          {K::sequence_a, {}, 0},
                          {K::special, {sep}, 0},
                          {K::special, {sep}, second_type_id},
                          {K::sequence_b, {}, second_type_id},
                          {K::special, {sep}, second_type_id}});
}

PostProcessor read_post_processor(const json& j) {
    if (j.is_null()) return PostProcessor();
    const std::string type = member(j, "type", "post_processor").get<std::string>();
    const auto id_of = [&](const char* key) { return member(j, key, "post_processor").at(1).get<int32_t>(); };
    if (type == "BertProcessing") return bert_post_processor(id_of("cls"), id_of("sep"));
    if (type == "RobertaProcessing") return roberta_post_processor(id_of("cls"), id_of("sep"));
    if (type == "TemplateProcessing") {
        const json& specials = member(j, "special_tokens", "TemplateProcessing");
        const auto read_template = [&](const char* key) {
            std::vector<TemplatePiece> pieces;
            for (const auto& item : member(j, key, "TemplateProcessing")) {
                TemplatePiece piece;
                if (item.contains("SpecialToken")) {
                    const json& s = item.at("SpecialToken");
                    const std::string name = s.at("id").get<std::string>();
                    if (!specials.contains(name))
                        throw InputError("tokenizer.json: TemplateProcessing uses undefined special token " + name);
                    piece.ids = specials.at(name).at("ids").get<std::vector<int32_t>>();
                    piece.type_id = s.value("type_id", 0);
                } else if (item.contains("Sequence")) {
                    const json& s = item.at("Sequence");
                    piece.kind = s.at("id").get<std::string>() == "A" ? TemplatePiece::Kind::sequence_a
                                                                     : TemplatePiece::Kind::sequence_b;
                    piece.type_id = s.value("type_id", 0);
                } else {
                    throw InputError("tokenizer.json: bad TemplateProcessing piece " + item.dump());
                }
                pieces.push_back(std::move(piece));
            }
            return pieces;
        };
        return PostProcessor(read_template("single"), read_template("pair"));
    }
    if (type == "Sequence") {  // e.g. ByteLevel (offsets only) + TemplateProcessing
        PostProcessor result;
        for (const auto& p : member(j, "processors", "post_processor"))
            if (p.value("type", "") != "ByteLevel") result = read_post_processor(p);
        return result;
    }
    if (type == "ByteLevel") return PostProcessor();
    throw InputError("tokenizer.json: unsupported post_processor type " + type);
}

std::unique_ptr<Normalizer> read_normalizer(const json& j, const SectionBytes* sections) {
    if (j.is_null()) return nullptr;
    const std::string type = member(j, "type", "normalizer").get<std::string>();
    if (type == "BertNormalizer") {
        BertNormalizer::Options o;
        o.clean_text = j.value("clean_text", true);
        o.handle_chinese_chars = j.value("handle_chinese_chars", true);
        if (j.contains("strip_accents") && !j.at("strip_accents").is_null())
            o.strip_accents = j.at("strip_accents").get<bool>();
        o.lowercase = j.value("lowercase", true);
        return std::make_unique<BertNormalizer>(o);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const auto& p : member(j, "normalizers", "normalizer"))
            if (auto n = read_normalizer(p, sections)) parts.push_back(std::move(n));
        return std::make_unique<NormalizerChain>(std::move(parts));
    }
    if (auto n = read_hf_normalizer(j, sections)) return n;  // Replace, NFKD, StripAccents, Precompiled, ...
    throw InputError("tokenizer.json: unsupported normalizer type " + type);
}

std::unique_ptr<PreTokenizer> read_pre_tokenizer(const json& j) {
    if (j.is_null()) return nullptr;
    const std::string type = member(j, "type", "pre_tokenizer").get<std::string>();
    if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
    if (auto p = read_hf_pre_tokenizer(j)) return p;  // Sequence, WhitespaceSplit, Metaspace, ByteLevel
    throw InputError("tokenizer.json: unsupported pre_tokenizer type " + type);
}

}  // namespace tok

namespace {

const std::string* find_file(const TokenizerFiles& files, const char* name) {
    const auto it = files.find(name);
    return it == files.end() ? nullptr : &it->second;
}

}  // namespace

namespace tok {

TokenizerParts build_parts(const TokenizerFiles& files) {
    TokenizerParts parts;
    if (const std::string* text = find_file(files, "tokenizer.json")) {
        json j;
        try {
            j = parse_bounded_json(*text, "tokenizer.json");
        } catch (const json::exception& e) {
            throw InputError(std::string("tokenizer.json is not valid JSON: ") + e.what());
        }
        try {
            const json& model = tok::member(j, "model", "the file");
            std::string type = model.value("type", "");
            if (type.empty() && model.contains("max_input_chars_per_word")) type = "WordPiece";
            if (type == "WordPiece") {
                tok::build_wordpiece(j, parts);
            } else if (type == "Unigram") {
                tok::build_unigram(j, parts);
            } else if (type == "BPE") {
                tok::build_bpe(j, parts);
            } else {
                throw InputError("tokenizer.json: tokenizer model type \"" + type + "\" is not supported yet");
            }
            parts.added_tokens = tok::read_added_tokens(j.value("added_tokens", json()), parts.vocabulary.get());
            parts.post_processor = tok::read_post_processor(j.value("post_processor", json()));
        } catch (const json::exception& e) {
            throw InputError(std::string("tokenizer.json: unexpected content: ") + e.what());
        }
    } else if (find_file(files, "vocab.txt") || find_file(files, "spiece.model") || find_file(files, "spm.model") ||
               find_file(files, "sentencepiece.bpe.model") || (find_file(files, "vocab.json") && find_file(files, "merges.txt"))) {
        // The legacy builders read tokenizer_config.json and friends with nlohmann too: a value
        // of the wrong type there is bad input, not an internal error.
        try {
            if (find_file(files, "vocab.txt")) tok::build_wordpiece_legacy(files, parts);
            else if (find_file(files, "spiece.model") || find_file(files, "sentencepiece.bpe.model"))
                tok::build_sentencepiece_legacy(files, parts);
            else if (find_file(files, "spm.model")) tok::build_deberta_legacy(files, parts);
            else tok::build_bpe_legacy(files, parts);
        } catch (const json::exception& e) {
            throw InputError(std::string("tokenizer files: unexpected content: ") + e.what());
        }
    } else {
        throw InputError(
            "no usable tokenizer files (expected tokenizer.json, vocab.txt, spiece.model, spm.model, sentencepiece.bpe.model "
            "or vocab.json + merges.txt)");
    }
    return parts;
}

std::unique_ptr<Tokenizer> assemble(TokenizerParts parts) {
    return std::make_unique<PipelineTokenizer>(std::move(parts.vocabulary), AddedVocabulary(std::move(parts.added_tokens)),
                                               std::move(parts.encoder), std::move(parts.post_processor));
}

}  // namespace tok

std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerFiles& files) { return tok::assemble(tok::build_parts(files)); }

TokenizerFiles read_tokenizer_dir(const std::filesystem::path& dir) {
    static const char* const kNames[] = {"tokenizer.json",   "tokenizer_config.json",   "special_tokens_map.json",
                                         "added_tokens.json", "vocab.txt",               "vocab.json",
                                         "merges.txt",        "spiece.model",            "sentencepiece.bpe.model",
                                         "spm.model"};
    if (!std::filesystem::is_directory(dir)) throw InputError(dir.string() + " is not a directory");
    TokenizerFiles files;
    for (const char* name : kNames) {
        const auto path = dir / name;
        if (!std::filesystem::is_regular_file(path)) continue;
        std::ifstream in(path, std::ios::binary);
        if (!in) throw InputError("cannot read " + path.string());
        std::ostringstream content;
        content << in.rdbuf();
        files.emplace(name, content.str());
    }
    if (files.empty()) throw InputError(dir.string() + " holds no tokenizer files");
    return files;
}

}  // namespace bertcls
