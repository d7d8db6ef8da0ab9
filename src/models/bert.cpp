// The post-LayerNorm BERT encoder that BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ALBERT and ELECTRA
// checkpoints are converted into: its weight-name table (scripts/checkpoint/canonical.py is the
// converter's side of it; the only C++ place that knows the names) and its forward pass.
// The family differences (position offset, embedding projection, shared layers, activations)
// are data in the config (docs/FORMAT.md).
#include <nlohmann/json.hpp>

#include "layers/attention.h"
#include "layers/embeddings.h"
#include "models/encoder_weights.h"
#include "models/family.h"
#include "models/model_file.h"
#include "models/post_norm_encoder.h"

namespace bertcls {

namespace {

std::vector<WeightSpec> weight_table(const ModelConfig& c) {
    using P = WeightPart;
    const int64_t E = c.embedding_size, H = c.hidden_size;
    std::vector<WeightSpec> w = {
        {"embeddings.word", {c.vocab_size, E}, P::embeddings},
        {"embeddings.position", {c.max_position_embeddings, E}, P::embeddings},
        {"embeddings.norm.weight", {E}, P::embeddings},
        {"embeddings.norm.bias", {E}, P::embeddings},
    };
    if (c.type_vocab_size > 0) w.push_back({"embeddings.token_type", {c.type_vocab_size, E}, P::embeddings});
    if (c.embedding_projection) {
        w.push_back({"embeddings.projection.weight", {H, E}, P::embeddings});
        w.push_back({"embeddings.projection.bias", {H}, P::embeddings});
    }
    for (int64_t g = 0; g < c.num_layer_weights; ++g) encoder_weights::add_layer_specs(w, c, g);
    encoder_weights::add_head_specs(w, c);
    return w;
}

EmbeddingWeights embedding_weights(const ModelFile& model) {
    const ModelConfig& c = model.config();
    const int64_t E = c.embedding_size, H = c.hidden_size;
    EmbeddingWeights w{
        .word = &model.weight("embeddings.word", {c.vocab_size, E}),
        .position = &model.weight("embeddings.position", {c.max_position_embeddings, E}),
        .norm = {&model.weight("embeddings.norm.weight", {E}), &model.weight("embeddings.norm.bias", {E})},
    };
    if (c.type_vocab_size > 0) w.token_type = &model.weight("embeddings.token_type", {c.type_vocab_size, E});
    if (c.embedding_projection) {
        w.projection = &model.weight("embeddings.projection.weight", {H, E});
        w.projection_bias = &model.weight("embeddings.projection.bias", {H});
    }
    return w;
}

class BertEncoder final : public PostNormEncoder<SelfAttention> {
public:
    BertEncoder(const ModelFile& model, ComputeType compute)
        : PostNormEncoder(model),
          embeddings_(embedding_weights(model),
                      {.position_offset = config_.position_offset,
                       .pad_token_id = config_.pad_token_id,
                       .layer_norm_eps = config_.layer_norm_eps},
                      &model.container().mapping()) {
        const MappedFile* source = &model.container().mapping();
        for (int64_t g = 0; g < config_.num_layer_weights; ++g)
            weight_sets_.push_back(std::make_unique<Layer>(Layer{
                SelfAttention(encoder_weights::attention(model, g), config_.num_heads, config_.layer_norm_eps, source, compute),
                FeedForward(encoder_weights::feed_forward(model, g), config_.hidden_act, config_.layer_norm_eps, source, compute)}));
    }

    void pack_weights() override {
        embeddings_.pack_weights();
        PostNormEncoder::pack_weights();
    }

private:
    void embed(const PackedBatch& batch, int64_t rows, float* hidden, EncoderState& state) override {
        embeddings_.forward(batch, rows, hidden, state.embedding_scratch);
    }

    Embeddings embeddings_;
};

}  // namespace

const Family& bert_family() {
    static const Family family =
        encoder_family<BertEncoder>({"bert", "roberta", "xlm-roberta", "distilbert", "albert", "electra"}, weight_table,
                                    [](const ModelConfig&) { return nlohmann::json::object(); });
    return family;
}

}  // namespace bertcls
