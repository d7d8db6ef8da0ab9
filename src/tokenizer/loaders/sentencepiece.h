#pragma once
// The SentencePiece families (ALBERT, XLM-R): builders that make_tokenizer() calls, from
// tokenizer.json or from the legacy .model file.
//
// SentencePiece is run the way the Hugging Face fast tokenizer runs its converted tokenizer.json,
// not the way libsentencepiece runs the .model (the two differ on edge cases):
//   normalizer (Replace / NFKD / StripAccents / Lowercase / Precompiled charsmap, hf_normalizers.h)
//   -> WhitespaceSplit + Metaspace (hf_pre_tokenizers.h) -> Unigram Viterbi (unigram.h).
// libsentencepiece itself only loads and validates a legacy .model file; its pieces, scores and
// charsmap then go through the same pipeline, as transformers' conversion would build it.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer/loaders/factory.h"

namespace bertcls::tok {

// tokenizer.json with model.type "Unigram".
void build_unigram(const nlohmann::json& tokenizer_json, TokenizerParts& parts);
// spiece.model (ALBERT conventions) or sentencepiece.bpe.model (XLM-R: fairseq ids), with
// tokenizer_config.json when present (do_lower_case, keep_accents, add_prefix_space, special
// tokens, tokenizer_class).
void build_sentencepiece_legacy(const TokenizerFiles& files, TokenizerParts& parts);
// spm.model with DeBERTa-v2/v3 conventions (transformers 5's DebertaV2Tokenizer): no charsmap,
// whitespace runs folded, [CLS] A [SEP] B [SEP].
void build_deberta_legacy(const TokenizerFiles& files, TokenizerParts& parts);

// The parts of a SentencePiece ModelProto the conversion needs (read without libprotobuf).
struct SentencePieceModel {
    enum class Type { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };
    struct Piece {
        std::string piece;
        float score = 0;
        Type type = Type::normal;
    };
    std::vector<Piece> pieces;
    int model_type = 1;  // 1 unigram, 2 bpe, 3 word, 4 char
    int32_t unk_id = 0;
    bool byte_fallback = false;
    std::string precompiled_charsmap;
    bool add_dummy_prefix = true;
};
// Throws InputError naming `name` when `bytes` is not a SentencePiece model.
SentencePieceModel read_sentencepiece_model(const std::string& bytes, const std::string& name);

}  // namespace bertcls::tok
