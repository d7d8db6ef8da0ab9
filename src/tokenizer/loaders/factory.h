#pragma once
// Internal: the pieces make_tokenizer() assembles, and the JSON readers for the generic parts
// of tokenizer.json. A new family adds a builder for its "model.type" (or its legacy files) in
// factory.cpp that fills a TokenizerParts.
#include <nlohmann/json.hpp>

#include "tokenizer/normalizers/hf_normalizers.h"
#include "tokenizer/pipeline.h"

namespace bertcls::tok {

struct TokenizerParts {
    std::shared_ptr<Vocabulary> vocabulary = std::make_shared<Vocabulary>();
    std::unique_ptr<SegmentEncoder> encoder;
    std::vector<AddedToken> added_tokens;
    PostProcessor post_processor;
    // For the compiled form (tokenizer/compiled.h): when the encoder is a PipelineSegmentEncoder
    // whose model has a compiled form, that model, and "normalizer" and "pre_tokenizer" as
    // tokenizer.json writes them (read_normalizer / read_pre_tokenizer rebuild the same parts).
    const Model* model = nullptr;
    nlohmann::json spec;
};

// The parts the files describe (make_tokenizer assembles them).
TokenizerParts build_parts(const TokenizerFiles& files);
std::unique_ptr<Tokenizer> assemble(TokenizerParts parts);

// tokenizer.json "added_tokens"; also records each token in `vocabulary` unless it is null.
std::vector<AddedToken> read_added_tokens(const nlohmann::json& added, Vocabulary* vocabulary);
// tokenizer.json "post_processor" (null, TemplateProcessing, BertProcessing, RobertaProcessing).
PostProcessor read_post_processor(const nlohmann::json& json);
// tokenizer.json "normalizer" / "pre_tokenizer" (null -> nullptr). `sections`: given when
// reading a compiled tokenizer's spec, whose charsmaps are sections of the blob.
std::unique_ptr<Normalizer> read_normalizer(const nlohmann::json& json, const SectionBytes* sections = nullptr);
std::unique_ptr<PreTokenizer> read_pre_tokenizer(const nlohmann::json& json);

// [CLS] A [SEP] / [CLS] A [SEP] B [SEP] with type ids 0 / 1 (BertProcessing).
PostProcessor bert_post_processor(int32_t cls, int32_t sep);
// <s> A </s> / <s> A </s></s> B </s> (RobertaProcessing: type ids 0, then second_type_id from the
// second </s>; XLM-R's slow tokenizer, which the legacy SentencePiece files follow, gives 0 there).
PostProcessor roberta_post_processor(int32_t cls, int32_t sep, int32_t second_type_id = 1);

// Families.
void build_wordpiece(const nlohmann::json& tokenizer_json, TokenizerParts& parts);
void build_wordpiece_legacy(const TokenizerFiles& files, TokenizerParts& parts);

}  // namespace bertcls::tok
