// The post-LayerNorm BERT encoder that BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ALBERT and ELECTRA
// checkpoints are converted into: its weight-name table (scripts/checkpoint/canonical.py is the
// converter's side of it; the only C++ place that knows the names) and its forward pass.
// The family differences (position offset, embedding projection, shared layers, activations)
// are data in the config (docs/FORMAT.md).
#include <nlohmann/json.hpp>

#include "layers/classification_head.h"
#include "layers/embeddings.h"
#include "layers/feed_forward.h"
#include "layers/workspace.h"
#include "models/encoder_weights.h"
#include "models/family.h"
#include "models/model_file.h"

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

class BertEncoder final : public FamilyEncoder {
public:
    BertEncoder(const ModelFile& model, ComputeType compute)
        : config_(model.config()),
          embeddings_(embedding_weights(model),
                      {.position_offset = config_.position_offset,
                       .pad_token_id = config_.pad_token_id,
                       .layer_norm_eps = config_.layer_norm_eps},
                      &model.container().mapping()),
          head_(encoder_weights::head(model), config_.head_activation, &model.container().mapping()) {
        const MappedFile* source = &model.container().mapping();
        for (int64_t g = 0; g < config_.num_layer_weights; ++g)
            weight_sets_.push_back(std::make_unique<Layer>(Layer{
                SelfAttention(encoder_weights::attention(model, g), config_.num_heads, config_.layer_norm_eps, source, compute),
                FeedForward(encoder_weights::feed_forward(model, g), config_.hidden_act, config_.layer_norm_eps, source, compute)}));
    }

    std::unique_ptr<State> make_state() const override { return std::make_unique<BertState>(); }

    void pack_weights() override {
        embeddings_.pack_weights();
        for (auto& layer : weight_sets_) {
            layer->attention.pack_weights();
            layer->feed_forward.pack_weights();
        }
        head_.pack_weights();
    }

    ForwardResult run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                      State& any_state) override;

private:
    struct Layer {
        SelfAttention attention;
        FeedForward feed_forward;
    };
    // hidden: [rows, H] over the packed batch; first_tokens: each sequence's first row after the
    // last layer, what the head reads.
    struct BertState final : State {
        PackedBatch batch;
        std::vector<float> hidden, first_tokens, embedding_scratch;
        Workspace workspace;  // activation buffers shared by all layers
    };

    const ModelConfig& config_;
    Embeddings embeddings_;
    std::vector<std::unique_ptr<Layer>> weight_sets_;
    ClassificationHead head_;
};

ForwardResult BertEncoder::run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                               State& any_state) {
    auto& state = static_cast<BertState&>(any_state);
    ForwardResult result;
    result.logits.resize(sequences.size() * config_.labels.size());
    if (sequences.empty()) return result;

    PackedBatch& batch = state.batch;
    batch.clear();
    for (const auto& seq : sequences) batch.add(seq);
    const int64_t N = batch.tokens(), H = config_.hidden_size;
    // The dense layers run over `rows` >= N rows (see padded_rows); attention and the head
    // read only the real ones.
    const int64_t rows = padded_rows(N);
    std::vector<float>& hidden = state.hidden;
    if (hidden.size() < static_cast<std::size_t>(rows * H)) hidden.resize(static_cast<std::size_t>(rows * H));

    const auto keep_hidden = [&] {
        if (options.keep_hidden_states) result.hidden_states.emplace_back(hidden.begin(), hidden.begin() + N * H);
    };
    const int64_t B = batch.sequences();
    float* first_tokens = Workspace::reserve(state.first_tokens, static_cast<std::size_t>(padded_rows(B) * H));
    // Logits depend only on the first tokens' final states, so unless the caller wants every
    // token's states, the last layer runs the queries, the output projection and the FFN for the
    // first tokens alone (about 80% of that layer's work is skipped).
    const bool first_tokens_only = !options.keep_hidden_states && !options.keep_attentions;
    const int64_t full_layers = config_.num_layers - (first_tokens_only ? 1 : 0);

    embeddings_.forward(batch, rows, hidden.data(), state.embedding_scratch);
    keep_hidden();
    for (int64_t l = 0; l < full_layers; ++l) {
        Layer& layer = *weight_sets_[config_.weight_set_of_layer(l)];
        AttentionMaps* maps = options.keep_attentions ? &result.attentions.emplace_back() : nullptr;
        layer.attention.forward(hidden.data(), rows, batch, maps, state.workspace);
        layer.feed_forward.forward(hidden.data(), rows, state.workspace);
        keep_hidden();
    }
    if (first_tokens_only) {
        Layer& last = *weight_sets_[config_.weight_set_of_layer(config_.num_layers - 1)];
        last.attention.forward_first_tokens(hidden.data(), rows, batch, first_tokens, state.workspace);
        last.feed_forward.forward(first_tokens, padded_rows(B), state.workspace);
    } else {
        batch.gather_first_rows(hidden.data(), H, first_tokens);
    }
    head_.forward(first_tokens, B, result.logits.data(), state.workspace);
    return result;
}

}  // namespace

const Family& bert_family() {
    static const Family family =
        encoder_family<BertEncoder>({"bert", "roberta", "xlm-roberta", "distilbert", "albert", "electra"}, weight_table,
                                    [](const ModelConfig&) { return nlohmann::json::object(); });
    return family;
}

}  // namespace bertcls
