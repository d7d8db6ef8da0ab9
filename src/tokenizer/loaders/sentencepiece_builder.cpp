// The SentencePiece families: Unigram tokenizer.json files, and spiece.model /
// sentencepiece.bpe.model converted the way transformers 5 converts them (AlbertTokenizer,
// XLMRobertaTokenizer).
#include <sentencepiece_processor.h>

#include "tokenizer/loaders/legacy_config.h"
#include "tokenizer/loaders/sentencepiece.h"
#include "tokenizer/models/unigram.h"
#include "util/base64.h"
#include "util/error.h"

namespace bertcls::tok {

using nlohmann::json;

namespace {

json replace_string(const char* pattern, const char* content) {
    return {{"type", "Replace"}, {"pattern", {{"String", pattern}}}, {"content", content}};
}

json metaspace(const char* prepend_scheme) {
    return {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", prepend_scheme}, {"split", true}};
}

// The Unigram model and the encoder around it, from the normalizer and pre-tokenizer as
// tokenizer.json writes them (so that the compiled form can store them).
void set_unigram_encoder(const std::vector<std::pair<std::string, double>>& vocab, Unigram::Options options,
                         json normalizer, json pre_tokenizer, TokenizerParts& parts) {
    auto unigram = std::make_unique<Unigram>(vocab, options);
    parts.spec = {{"normalizer", std::move(normalizer)}, {"pre_tokenizer", std::move(pre_tokenizer)}};
    parts.model = unigram.get();
    parts.encoder = std::make_unique<PipelineSegmentEncoder>(read_normalizer(parts.spec["normalizer"]),
                                                             read_pre_tokenizer(parts.spec["pre_tokenizer"]),
                                                             std::move(unigram));
}

}  // namespace

void build_unigram(const json& j, TokenizerParts& parts) {
    const json& model = j.at("model");
    std::vector<std::pair<std::string, double>> vocab;
    const json& entries = model.at("vocab");
    vocab.reserve(entries.size());
    for (const auto& entry : entries) {
        vocab.emplace_back(entry.at(0).get<std::string>(), entry.at(1).get<double>());
        parts.vocabulary->set(static_cast<int32_t>(vocab.size() - 1), vocab.back().first);
    }
    if (!model.contains("unk_id") || model.at("unk_id").is_null())
        throw InputError("tokenizer.json: a Unigram model without unk_id is not supported");
    Unigram::Options options;
    options.unk_id = model.at("unk_id").get<int32_t>();
    options.byte_fallback = model.value("byte_fallback", false);
    set_unigram_encoder(vocab, options, j.value("normalizer", json()), j.value("pre_tokenizer", json()), parts);
}

namespace {

// Collects the added tokens of a converted tokenizer: ids from the model vocabulary, or new ids
// after it for strings it lacks; the first token given for a string wins.
class AddedTokens {
public:
    AddedTokens(std::unordered_map<std::string, int32_t> vocab, int32_t next_id)
        : vocab_(std::move(vocab)), next_id_(next_id) {}
    void add(const std::string& content, bool special) {
        if (content.empty() || seen(content)) return;
        AddedToken t;
        t.content = content;
        t.special = special;
        t.normalized = false;
        const auto it = vocab_.find(content);
        t.id = it != vocab_.end() ? it->second : next_id_++;
        tokens_.push_back(std::move(t));
    }
    void add(AddedToken token) {
        if (token.content.empty() || seen(token.content)) return;
        next_id_ = std::max(next_id_, token.id + 1);
        tokens_.push_back(std::move(token));
    }
    int32_t id_of(const std::string& content) const {
        for (const auto& t : tokens_)
            if (t.content == content) return t.id;
        const auto it = vocab_.find(content);
        if (it == vocab_.end()) throw InputError("tokenizer: no id for the special token " + content);
        return it->second;
    }
    std::vector<AddedToken> take(Vocabulary& vocabulary) {
        for (const auto& t : tokens_) vocabulary.set(t.id, t.content);
        return std::move(tokens_);
    }

private:
    bool seen(const std::string& content) const {
        for (const auto& t : tokens_)
            if (t.content == content) return true;
        return false;
    }
    std::unordered_map<std::string, int32_t> vocab_;
    int32_t next_id_;
    std::vector<AddedToken> tokens_;
};

// A legacy .model file, validated by libsentencepiece, then read; only unigram models are supported.
SentencePieceModel read_unigram_model(const std::string& bytes, const std::string& name) {
    {
        sentencepiece::SentencePieceProcessor processor;
        const auto status = processor.LoadFromSerializedProto(bytes);
        if (!status.ok()) throw InputError(name + " is not a valid SentencePiece model: " + status.ToString());
    }
    SentencePieceModel spm = read_sentencepiece_model(bytes, name);
    if (spm.model_type != 1)
        throw InputError(name + ": SentencePiece model type " + std::to_string(spm.model_type) +
                         " is unsupported (only unigram models are)");
    return spm;
}

}  // namespace

void build_sentencepiece_legacy(const TokenizerFiles& files, TokenizerParts& parts) {
    const std::string name = files.count("spiece.model") ? "spiece.model" : "sentencepiece.bpe.model";
    const SentencePieceModel spm = read_unigram_model(files.at(name), name);
    const LegacyConfig config(files);
    const std::string tokenizer_class = config.string("tokenizer_class");
    const bool xlmr = tokenizer_class.empty() ? name == "sentencepiece.bpe.model"
                                              : tokenizer_class.starts_with("XLMRoberta");
    if (!tokenizer_class.empty() && !xlmr && !tokenizer_class.starts_with("Albert"))
        throw InputError("tokenizer_config.json: tokenizer_class " + tokenizer_class +
                         " is unsupported without tokenizer.json (ALBERT and XLM-R are supported)");

    // The model vocabulary, as the converter lays it out.
    std::vector<std::pair<std::string, double>> vocab;
    int32_t unk_id = spm.unk_id;
    if (xlmr) {  // fairseq: <s> <pad> </s> <unk>, then the pieces from the 4th on, shifted by one
        for (const char* s : {"<s>", "<pad>", "</s>", "<unk>"}) vocab.emplace_back(s, 0.0);
        for (std::size_t k = 3; k < spm.pieces.size(); ++k)
            vocab.emplace_back(spm.pieces[k].piece, static_cast<double>(spm.pieces[k].score));
        vocab.emplace_back("<mask>", 0.0);
        unk_id = 3;
    } else {
        for (const auto& p : spm.pieces) vocab.emplace_back(p.piece, static_cast<double>(p.score));
    }
    std::unordered_map<std::string, int32_t> index;
    for (std::size_t id = 0; id < vocab.size(); ++id) {
        index[vocab[id].first] = static_cast<int32_t>(id);
        parts.vocabulary->set(static_cast<int32_t>(id), vocab[id].first);
    }

    // Normalizer and pre-tokenizer, as transformers' converters write them.
    json normalizers = json::array();
    if (!xlmr) {
        normalizers.push_back(replace_string("``", "\""));
        normalizers.push_back(replace_string("''", "\""));
        if (!config.flag("keep_accents", false)) {
            normalizers.push_back({{"type", "NFKD"}});
            normalizers.push_back({{"type", "StripAccents"}});
        }
        if (config.flag("do_lower_case", true)) normalizers.push_back({{"type", "Lowercase"}});
    }
    if (!spm.precompiled_charsmap.empty())
        normalizers.push_back({{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(spm.precompiled_charsmap)}});
    const json pre_tokenizer = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "WhitespaceSplit"}},
          metaspace(config.flag("add_prefix_space", true) ? "always" : "never")}}};
    set_unigram_encoder(vocab, {unk_id, spm.byte_fallback}, {{"type", "Sequence"}, {"normalizers", normalizers}},
                        pre_tokenizer, parts);

    // Added tokens: the config's added_tokens_decoder and added_tokens.json (fixed ids), the named
    // special tokens, the model's user-defined pieces (not special), then the extra special tokens.
    AddedTokens added(index, static_cast<int32_t>(vocab.size()));
    for (auto& t : config.added_tokens_decoder()) added.add(std::move(t));
    for (auto& t : config.added_tokens_file()) added.add(std::move(t));
    const auto special = [&](const char* key, const char* albert, const char* xlm) {
        return config.special(key, xlmr ? xlm : albert);
    };
    const std::string cls = special("cls_token", "[CLS]", "<s>");
    const std::string sep = special("sep_token", "[SEP]", "</s>");
    for (const std::string& s : {special("bos_token", "[CLS]", "<s>"), special("eos_token", "[SEP]", "</s>"),
                                 special("unk_token", "<unk>", "<unk>"), sep, special("pad_token", "<pad>", "<pad>"),
                                 cls, special("mask_token", "[MASK]", "<mask>")})
        added.add(s, true);
    for (const auto& p : spm.pieces)
        if (p.type == SentencePieceModel::Type::user_defined) added.add(p.piece, false);
    for (const std::string& s : config.extra_special_tokens()) added.add(s, true);

    const int32_t cls_id = added.id_of(cls), sep_id = added.id_of(sep);
    // XLM-R's slow tokenizer gives every token of a pair type id 0.
    parts.post_processor = xlmr ? roberta_post_processor(cls_id, sep_id, /*second_type_id=*/0)
                                : bert_post_processor(cls_id, sep_id);
    parts.added_tokens = added.take(*parts.vocabulary);
}

void build_deberta_legacy(const TokenizerFiles& files, TokenizerParts& parts) {
    const std::string name = "spm.model";
    const SentencePieceModel spm = read_unigram_model(files.at(name), name);
    const LegacyConfig config(files);
    const std::string tokenizer_class = config.string("tokenizer_class");
    if (!tokenizer_class.empty() && !tokenizer_class.starts_with("DebertaV2"))
        throw InputError("tokenizer_config.json: tokenizer_class " + tokenizer_class +
                         " with spm.model is unsupported without tokenizer.json (DebertaV2Tokenizer is supported)");
    if (config.flag("split_by_punct", false))
        throw InputError("tokenizer_config.json: split_by_punct is not supported without tokenizer.json");

    // transformers 5's DebertaV2Tokenizer: the model's pieces and scores as they are; unk is the
    // piece named unk_token (score 0), else the model's unk id.
    std::vector<std::pair<std::string, double>> vocab;
    std::unordered_map<std::string, int32_t> index;
    for (const auto& p : spm.pieces) {
        index.emplace(p.piece, static_cast<int32_t>(vocab.size()));
        parts.vocabulary->set(static_cast<int32_t>(vocab.size()), p.piece);
        vocab.emplace_back(p.piece, static_cast<double>(p.score));
    }
    const std::string unk = config.special("unk_token", "[UNK]");
    int32_t unk_id = spm.unk_id;
    if (const auto it = index.find(unk); it != index.end() && vocab[it->second].second == 0.0) unk_id = it->second;

    // Normalizer: [Lowercase], Replace(\s{2,}|[\n\r\t] -> " "), NFC, Strip(right); no charsmap.
    json normalizers = json::array();
    if (config.flag("do_lower_case", false)) normalizers.push_back({{"type", "Lowercase"}});
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"Regex", "\\s{2,}|[\\n\\r\\t]"}}}, {"content", " "}});
    normalizers.push_back({{"type", "NFC"}});
    normalizers.push_back({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
    set_unigram_encoder(vocab, {unk_id, false}, {{"type", "Sequence"}, {"normalizers", normalizers}},
                        metaspace(config.flag("add_prefix_space", true) ? "always" : "first"), parts);

    AddedTokens added(index, static_cast<int32_t>(vocab.size()));
    for (auto& t : config.added_tokens_decoder()) added.add(std::move(t));
    for (auto& t : config.added_tokens_file()) added.add(std::move(t));
    const std::string cls = config.special("cls_token", "[CLS]");
    const std::string sep = config.special("sep_token", "[SEP]");
    for (const std::string& s : {config.special("bos_token", "[CLS]"), config.special("eos_token", "[SEP]"), unk, sep,
                                 config.special("pad_token", "[PAD]"), cls, config.special("mask_token", "[MASK]")})
        added.add(s, true);
    for (const std::string& s : config.extra_special_tokens()) added.add(s, true);
    // [CLS] A [SEP] B [SEP], type ids 0 then 1.
    parts.post_processor = bert_post_processor(added.id_of(cls), added.id_of(sep));
    parts.added_tokens = added.take(*parts.vocabulary);
}

}  // namespace bertcls::tok
