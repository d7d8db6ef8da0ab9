// DeBERTa-v2 and v3 (DebertaV2ForSequenceClassification): embeddings without absolute positions
// or token types (v3), relative positions in log buckets, disentangled attention (c2p + p2c),
// the optional ConvLayer beside the first layer (v2-xlarge), post-LayerNorm layers as BERT and
// the ContextPooler head. Its weight-name table (scripts/checkpoint/deberta_v2.py is the
// converter's side of it) and its forward pass. docs/FORMAT.md, "DeBERTa".
#include <algorithm>

#include <nlohmann/json.hpp>

#include "layers/disentangled_attention.h"
#include "layers/workspace.h"
#include "models/encoder_weights.h"
#include "models/family.h"
#include "models/model_file.h"
#include "models/post_norm_encoder.h"
#include "ops/conv1d.h"
#include "ops/layer_norm.h"

namespace bertcls {

namespace {

// The family's own config fields (docs/FORMAT.md, "DeBERTa").
struct Settings {
    bool position_biased_input = false;
    bool relative_attention = false;
    int64_t max_relative_positions = 0;
    int64_t position_buckets = 0;
    bool c2p = false, p2c = false;
    bool share_att_key = false;
    bool norm_rel_ebd = false;
    int64_t conv_kernel_size = 0;
    Activation conv_act = Activation::tanh;
    int64_t conv_groups = 1;

    int64_t span() const { return position_buckets > 0 ? position_buckets : max_relative_positions; }
    int64_t score_terms() const { return 1 + (c2p ? 1 : 0) + (p2c ? 1 : 0); }
};

Settings settings_of(const ModelConfig& c) {
    namespace f = config_field;
    const nlohmann::json& j = *c.json;
    using L = ModelConfig::Limits;
    Settings s;
    s.position_biased_input = f::boolean(j, "position_biased_input");
    s.relative_attention = f::boolean(j, "relative_attention");
    s.max_relative_positions = f::integer(j, "max_relative_positions", 1, L::max_position_embeddings);
    s.position_buckets = f::integer(j, "position_buckets", 0, L::max_position_embeddings);
    if (!j.contains("pos_att_type") || !j["pos_att_type"].is_array()) f::bad("pos_att_type", "is missing or not a list");
    for (const auto& kind : j["pos_att_type"]) {
        if (kind == "c2p") s.c2p = true;
        else if (kind == "p2c") s.p2c = true;
        else f::bad("pos_att_type", "holds " + kind.dump() + " (expected \"c2p\" or \"p2c\")");
    }
    s.share_att_key = f::boolean(j, "share_att_key");
    s.norm_rel_ebd = f::boolean(j, "norm_rel_ebd");
    s.conv_kernel_size = f::integer(j, "conv_kernel_size", 0, 1024);
    if (s.conv_kernel_size % 2 == 0 && s.conv_kernel_size != 0) f::bad("conv_kernel_size", "must be odd (or 0: no ConvLayer)");
    if (s.conv_kernel_size > 0) {
        s.conv_act = f::activation(j, "conv_act");
        s.conv_groups = f::integer(j, "conv_groups", 1, L::hidden_size);
        if (c.hidden_size % s.conv_groups != 0) f::bad("conv_groups", "does not divide hidden_size");
    }
    if (!s.position_biased_input && c.position_offset != 0) f::bad("position_offset", "must be 0 for DeBERTa");
    return s;
}

using encoder_weights::layer_prefix;

std::vector<WeightSpec> weight_table(const ModelConfig& c) {
    using P = WeightPart;
    const Settings s = settings_of(c);
    const int64_t E = c.embedding_size, H = c.hidden_size;
    std::vector<WeightSpec> w = {{"embeddings.word", {c.vocab_size, E}, P::embeddings}};
    if (s.position_biased_input) w.push_back({"embeddings.position", {c.max_position_embeddings, E}, P::embeddings});
    if (c.type_vocab_size > 0) w.push_back({"embeddings.token_type", {c.type_vocab_size, E}, P::embeddings});
    if (c.embedding_projection) w.push_back({"embeddings.projection.weight", {H, E}, P::embeddings});
    w.push_back({"embeddings.norm.weight", {H}, P::embeddings});
    w.push_back({"embeddings.norm.bias", {H}, P::embeddings});
    if (s.relative_attention) {
        w.push_back({"relative.embeddings", {2 * s.span(), H}, P::encoder_other});
        if (s.norm_rel_ebd) {
            w.push_back({"relative.norm.weight", {H}, P::encoder_other});
            w.push_back({"relative.norm.bias", {H}, P::encoder_other});
        }
    }
    const bool separate = s.relative_attention && !s.share_att_key;
    for (int64_t g = 0; g < c.num_layer_weights; ++g) {
        const std::string p = layer_prefix(g);
        encoder_weights::add_layer_specs(w, c, g);
        if (separate && s.c2p) {
            w.push_back({p + "attention.pos_key.weight", {H, H}, P::encoder_other});
            w.push_back({p + "attention.pos_key.bias", {H}, P::encoder_other});
        }
        if (separate && s.p2c) {
            w.push_back({p + "attention.pos_query.weight", {H, H}, P::encoder_other});
            w.push_back({p + "attention.pos_query.bias", {H}, P::encoder_other});
        }
    }
    if (s.conv_kernel_size > 0) {
        w.push_back({"conv.weight", {H, H / s.conv_groups, s.conv_kernel_size}, P::encoder_other});
        w.push_back({"conv.bias", {H}, P::encoder_other});
        w.push_back({"conv.norm.weight", {H}, P::encoder_other});
        w.push_back({"conv.norm.bias", {H}, P::encoder_other});
    }
    encoder_weights::add_head_specs(w, c);
    return w;
}

nlohmann::json describe(const ModelConfig& c) {
    const Settings s = settings_of(c);
    nlohmann::json pos_att_type = nlohmann::json::array();
    if (s.c2p) pos_att_type.push_back("c2p");
    if (s.p2c) pos_att_type.push_back("p2c");
    return {
        {"relative_attention", s.relative_attention},
        {"position_buckets", s.position_buckets},
        {"max_relative_positions", s.max_relative_positions},
        {"attention_span", s.relative_attention ? s.span() : 0},
        {"pos_att_type", pos_att_type},
        {"share_att_key", s.share_att_key},
        {"norm_rel_ebd", s.norm_rel_ebd ? "layer_norm" : "none"},
        {"position_biased_input", s.position_biased_input},
        {"conv", s.conv_kernel_size > 0 ? nlohmann::json{{"kernel_size", s.conv_kernel_size},
                                                          {"act", activation_name(s.conv_act)},
                                                          {"groups", s.conv_groups}}
                                        : nlohmann::json(nullptr)},
    };
}

class DebertaEncoder final : public PostNormEncoder<DisentangledAttention> {
public:
    DebertaEncoder(const ModelFile& model, ComputeType compute)
        : PostNormEncoder(model),
          settings_(settings_of(config_)),
          embedding_norm_(model.weight("embeddings.norm.weight", {config_.hidden_size}),
                          model.weight("embeddings.norm.bias", {config_.hidden_size}), config_.layer_norm_eps) {
        const ModelConfig& c = config_;
        const int64_t E = c.embedding_size, H = c.hidden_size;
        const MappedFile* source = &model.container().mapping();
        word_ = model.weight("embeddings.word", {c.vocab_size, E}).as<float>().data();
        if (settings_.position_biased_input)
            position_ = model.weight("embeddings.position", {c.max_position_embeddings, E}).as<float>().data();
        if (c.type_vocab_size > 0)
            token_type_ = model.weight("embeddings.token_type", {c.type_vocab_size, E}).as<float>().data();
        if (c.embedding_projection) {
            // embed_proj has no bias.
            zero_bias_.assign(static_cast<std::size_t>(H), 0.0f);
            zero_bias_info_ = TensorInfo{DType::F32, {H},
                                         std::as_bytes(std::span<const float>(zero_bias_.data(), zero_bias_.size()))};
            projection_ = std::make_unique<Linear>(model.weight("embeddings.projection.weight", {H, E}),
                                                   zero_bias_info_, LinearEpilogue{}, source);
        }
        if (settings_.relative_attention) {
            const int64_t rows = 2 * settings_.span();
            relative_.span = settings_.span();
            relative_.buckets = settings_.position_buckets;
            relative_.max_position = settings_.max_relative_positions;
            relative_.c2p = settings_.c2p;
            relative_.p2c = settings_.p2c;
            const auto table = model.weight("relative.embeddings", {rows, H}).as<float>();
            relative_.embeddings.assign(table.begin(), table.end());
            if (settings_.norm_rel_ebd)
                LayerNorm(model.weight("relative.norm.weight", {H}), model.weight("relative.norm.bias", {H}),
                          c.layer_norm_eps)
                    .forward(relative_.embeddings.data(), rows);
        }
        if (settings_.conv_kernel_size > 0) {
            conv_ = std::make_unique<Conv1d>(
                model.weight("conv.weight", {H, H / settings_.conv_groups, settings_.conv_kernel_size}),
                model.weight("conv.bias", {H}), settings_.conv_groups, settings_.conv_act);
            conv_norm_ = std::make_unique<LayerNorm>(model.weight("conv.norm.weight", {H}),
                                                     model.weight("conv.norm.bias", {H}), c.layer_norm_eps);
        }
        const bool separate = settings_.relative_attention && !settings_.share_att_key;
        for (int64_t g = 0; g < c.num_layer_weights; ++g) {
            const std::string p = layer_prefix(g);
            DisentangledAttentionWeights aw{.attention = encoder_weights::attention(model, g)};
            if (separate && settings_.c2p) {
                aw.pos_key = &model.weight(p + "attention.pos_key.weight", {H, H});
                aw.pos_key_bias = &model.weight(p + "attention.pos_key.bias", {H});
            }
            if (separate && settings_.p2c) {
                aw.pos_query = &model.weight(p + "attention.pos_query.weight", {H, H});
                aw.pos_query_bias = &model.weight(p + "attention.pos_query.bias", {H});
            }
            const FeedForwardWeights fw = encoder_weights::feed_forward(model, g);
            weight_sets_.push_back(std::make_unique<Layer>(Layer{
                DisentangledAttention(aw, c.num_heads, c.layer_norm_eps,
                                      settings_.relative_attention ? &relative_ : nullptr, settings_.score_terms(),
                                      source, compute),
                FeedForward(fw, c.hidden_act, c.layer_norm_eps, source, compute)}));
        }
    }

    std::unique_ptr<State> make_state() const override { return std::make_unique<DebertaState>(); }

    void pack_weights() override {
        if (projection_) projection_->pack();
        PostNormEncoder::pack_weights();
    }

private:
    struct DebertaState final : EncoderState {
        std::vector<float> conv_input, conv_output;
    };

    // Word (+ position) (+ token type) embeddings, embed_proj, LayerNorm: [rows, H] into hidden;
    // with a ConvLayer, also its input.
    void embed(const PackedBatch& batch, int64_t rows, float* hidden, EncoderState& state) override;
    // The ConvLayer, beside layer 0: hidden = LayerNorm(layer output + act(conv(embeddings))).
    bool acts_after_layer(int64_t layer) const override { return conv_ && layer == 0; }
    void after_layer(int64_t layer, float* hidden, const PackedBatch& batch, EncoderState& state) override;

    Settings settings_;
    const float* word_ = nullptr;
    const float* position_ = nullptr;
    const float* token_type_ = nullptr;
    std::vector<float> zero_bias_;
    TensorInfo zero_bias_info_{};
    std::unique_ptr<Linear> projection_;
    LayerNorm embedding_norm_;
    RelativePositions relative_;
    std::unique_ptr<Conv1d> conv_;
    std::unique_ptr<LayerNorm> conv_norm_;
};

void DebertaEncoder::embed(const PackedBatch& batch, int64_t rows, float* hidden, EncoderState& state) {
    const int64_t E = config_.embedding_size, N = batch.tokens();
    float* embedded = projection_ ? Workspace::reserve(state.embedding_scratch, static_cast<std::size_t>(rows * E))
                                  : hidden;
    std::fill(embedded + N * E, embedded + rows * E, 0.0f);
    for (int64_t s = 0; s < batch.sequences(); ++s)
        for (int64_t t = batch.offsets[s]; t < batch.offsets[s + 1]; ++t) {
            float* row = embedded + t * E;
            const float* word = word_ + static_cast<int64_t>(batch.input_ids[t]) * E;
            std::copy_n(word, E, row);
            if (position_) {
                const float* pos = position_ + (t - batch.offsets[s]) * E;
                for (int64_t i = 0; i < E; ++i) row[i] += pos[i];
            }
            if (token_type_) {
                const float* type = token_type_ + static_cast<int64_t>(batch.token_type_ids[t]) * E;
                for (int64_t i = 0; i < E; ++i) row[i] += type[i];
            }
        }
    if (projection_) projection_->forward(embedded, rows, hidden);
    embedding_norm_.forward(hidden, rows);
    if (conv_) {  // the ConvLayer reads the embedding output
        const int64_t H = config_.hidden_size;
        float* input = Workspace::reserve(static_cast<DebertaState&>(state).conv_input, static_cast<std::size_t>(N * H));
        std::copy_n(hidden, N * H, input);
    }
}

void DebertaEncoder::after_layer(int64_t, float* hidden, const PackedBatch& batch, EncoderState& any_state) {
    auto& state = static_cast<DebertaState&>(any_state);
    const int64_t N = batch.tokens(), H = config_.hidden_size;
    float* conv = Workspace::reserve(state.conv_output, static_cast<std::size_t>(N * H));
    conv_->forward(state.conv_input.data(), batch.offsets, conv);
    for (int64_t i = 0; i < N * H; ++i) hidden[i] += conv[i];
    conv_norm_->forward(hidden, N);
}

}  // namespace

const Family& deberta_v2_family() {
    static const Family family = encoder_family<DebertaEncoder>({"deberta-v2"}, weight_table, describe);
    return family;
}

}  // namespace bertcls
