// ModernBERT (ModernBertForSequenceClassification): its weight-name table
// (scripts/checkpoint/modernbert.py is the converter's side), its config fields, and its forward
// pass. Pre-LayerNorm layers (layer 0 reads the embedding output without a norm), rotary
// positions with one theta for global and one for sliding-window layers, sliding-window layers
// that compute only the band of keys within `sliding_window` of each query, a GeGLU feed-forward
// whose gate is applied in place, LayerNorms and projections that may be bias-free, a final
// LayerNorm, and a head that pools (first token or masked mean), then dense -> activation ->
// LayerNorm -> classifier. Dense layers run over the packed batch, as every family's.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "layers/attention_heads.h"
#include "layers/workspace.h"
#include "models/family.h"
#include "models/model_file.h"
#include "ops/attention_kernel.h"
#include "ops/geglu.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "ops/rotary.h"
#include "util/error.h"

namespace bertcls {

namespace {

enum class Pooling { cls, mean };

// The family's own config fields (docs/FORMAT.md, "ModernBERT").
struct ModernBertSettings {
    std::vector<bool> global;  // per layer: full attention (else the sliding window)
    int64_t sliding_window = 0;
    double global_rope_theta = 0, local_rope_theta = 0;
    Pooling pooling = Pooling::cls;
    bool attention_bias = false, mlp_bias = false, norm_bias = false, classifier_bias = false;

    static ModernBertSettings read(const ModelConfig& c) {
        using config_field::bad;
        const nlohmann::json& j = *c.json;
        ModernBertSettings s;
        if (!j.contains("layer_types") || !j["layer_types"].is_array())
            bad("layer_types", "is missing or not a list");
        if (static_cast<int64_t>(j["layer_types"].size()) != c.num_layers)
            bad("layer_types", "has " + std::to_string(j["layer_types"].size()) + " entries for " +
                                   std::to_string(c.num_layers) + " layers");
        for (const auto& type : j["layer_types"]) {
            if (type == "full_attention") s.global.push_back(true);
            else if (type == "sliding_attention") s.global.push_back(false);
            else bad("layer_types", "holds " + type.dump() + " (expected full_attention or sliding_attention)");
        }
        s.sliding_window = config_field::integer(j, "sliding_window", 0, ModelConfig::Limits::max_position_embeddings);
        for (auto [field, theta] : {std::pair{"global_rope_theta", &s.global_rope_theta},
                                    std::pair{"local_rope_theta", &s.local_rope_theta}}) {
            *theta = config_field::number(j, field);
            if (!(*theta > 0) || !std::isfinite(*theta)) bad(field, "must be a positive number");
        }
        const std::string pooling = config_field::string(j, "classifier_pooling");
        if (pooling == "cls") s.pooling = Pooling::cls;
        else if (pooling == "mean") s.pooling = Pooling::mean;
        else bad("classifier_pooling", "has unknown value '" + pooling + "' (expected cls or mean)");
        s.attention_bias = config_field::boolean(j, "attention_bias");
        s.mlp_bias = config_field::boolean(j, "mlp_bias");
        s.norm_bias = config_field::boolean(j, "norm_bias");
        s.classifier_bias = config_field::boolean(j, "classifier_bias");
        if (c.num_layer_weights != c.num_layers) bad("num_layer_weights", "must equal num_layers for ModernBERT");
        if (c.type_vocab_size != 0) bad("type_vocab_size", "must be 0 for ModernBERT");
        if (c.embedding_size != c.hidden_size) bad("embedding_size", "must equal hidden_size for ModernBERT");
        if (c.head_size() % 2 != 0) bad("num_heads", "leaves an odd head size, which rotary positions cannot split");
        return s;
    }
};

std::string layer_prefix(int64_t layer) { return "layers." + std::to_string(layer) + "."; }

std::vector<WeightSpec> weight_table(const ModelConfig& c) {
    using P = WeightPart;
    const ModernBertSettings s = ModernBertSettings::read(c);
    const int64_t H = c.hidden_size, I = c.intermediate_size;
    const auto C = static_cast<int64_t>(c.labels.size());
    std::vector<WeightSpec> w;
    const auto norm = [&](const std::string& name, P part) {
        w.push_back({name + ".weight", {H}, part});
        if (s.norm_bias) w.push_back({name + ".bias", {H}, part});
    };
    const auto linear = [&](const std::string& name, int64_t out, int64_t in, bool bias, P part, P bias_part) {
        w.push_back({name + ".weight", {out, in}, part});
        if (bias) w.push_back({name + ".bias", {out}, bias_part});
    };
    w.push_back({"embeddings.word", {c.vocab_size, H}, P::embeddings});
    norm("embeddings.norm", P::embeddings);
    for (int64_t l = 0; l < c.num_layers; ++l) {
        const std::string p = layer_prefix(l);
        if (l > 0) norm(p + "attention.norm", P::encoder_other);
        linear(p + "attention.qkv", 3 * H, H, s.attention_bias, P::encoder_dense, P::encoder_other);
        linear(p + "attention.output", H, H, s.attention_bias, P::encoder_dense, P::encoder_other);
        norm(p + "ffn.norm", P::encoder_other);
        linear(p + "ffn.intermediate", 2 * I, H, s.mlp_bias, P::encoder_dense, P::encoder_other);
        linear(p + "ffn.output", H, I, s.mlp_bias, P::encoder_dense, P::encoder_other);
    }
    norm("final_norm", P::encoder_other);
    linear("head.dense", H, H, s.classifier_bias, P::head, P::head);
    norm("head.norm", P::head);
    linear("head.out", C, H, true, P::head, P::head);
    return w;
}

nlohmann::json describe(const ModelConfig& c) {
    const ModernBertSettings s = ModernBertSettings::read(c);
    std::vector<int64_t> global_layers;
    for (std::size_t l = 0; l < s.global.size(); ++l)
        if (s.global[l]) global_layers.push_back(static_cast<int64_t>(l));
    // "global every n layers" when the pattern is that regular (released checkpoints are).
    nlohmann::json every = nullptr;
    for (int64_t n = 1; n <= c.num_layers && every.is_null(); ++n) {
        bool matches = true;
        for (int64_t l = 0; l < c.num_layers; ++l) matches = matches && s.global[l] == (l % n == 0);
        if (matches) every = n;
    }
    return {
        {"global_attention_layers", global_layers},
        {"global_attn_every_n_layers", every},
        {"sliding_window", {{"each_side", s.sliding_window}, {"local_attention", 2 * s.sliding_window}}},
        {"rope_theta", {{"global", s.global_rope_theta}, {"sliding", s.local_rope_theta}}},
        {"classifier_pooling", s.pooling == Pooling::cls ? "cls" : "mean"},
        {"biases", {{"attention", s.attention_bias}, {"mlp", s.mlp_bias}, {"norm", s.norm_bias},
                    {"classifier", s.classifier_bias}}},
    };
}

// A bias-free layer's bias: zeros that the model owns (adding 0 costs nothing the epilogue does
// not already do).
struct ZeroBias {
    std::vector<float> values;
    TensorInfo tensor;
    explicit ZeroBias(int64_t size)
        : values(static_cast<std::size_t>(size), 0.0f),
          tensor{DType::F32, {size}, std::as_bytes(std::span<const float>(values))} {}
};

class ModernBertEncoder final : public FamilyEncoder {
public:
    ModernBertEncoder(const ModelFile& model, ComputeType compute)
        : config_(model.config()), settings_(ModernBertSettings::read(config_)) {
        const ModelConfig& c = config_;
        const int64_t H = c.hidden_size, I = c.intermediate_size, d = c.head_size();
        const auto C = static_cast<int64_t>(c.labels.size());
        const MappedFile* source = &model.container().mapping();
        const auto bias = [&](const std::string& name, int64_t size, bool present) -> const TensorInfo& {
            if (present) return model.weight(name, {size});
            zero_biases_.push_back(std::make_unique<ZeroBias>(size));
            return zero_biases_.back()->tensor;
        };
        const auto norm = [&](const std::string& name) {
            return LayerNorm(model.weight(name + ".weight", {H}), bias(name + ".bias", H, settings_.norm_bias),
                             c.layer_norm_eps);
        };
        word_ = model.weight("embeddings.word", {c.vocab_size, H}).as<float>().data();
        embedding_norm_ = std::make_unique<LayerNorm>(norm("embeddings.norm"));
        for (int64_t l = 0; l < c.num_layers; ++l) {
            const std::string p = layer_prefix(l);
            const bool ab = settings_.attention_bias, mb = settings_.mlp_bias;
            layers_.push_back(std::make_unique<Layer>(Layer{
                .attention_norm = l > 0 ? std::make_unique<LayerNorm>(norm(p + "attention.norm")) : nullptr,
                .qkv = Linear(model.dense_weight(p + "attention.qkv.weight", {3 * H, H}),
                              bias(p + "attention.qkv.bias", 3 * H, ab), {}, source, compute),
                .output = Linear(model.dense_weight(p + "attention.output.weight", {H, H}),
                                 bias(p + "attention.output.bias", H, ab), LinearEpilogue{.accumulate = true}, source,
                                 compute),
                .ffn_norm = norm(p + "ffn.norm"),
                .intermediate = Linear(model.dense_weight(p + "ffn.intermediate.weight", {2 * I, H}),
                                       bias(p + "ffn.intermediate.bias", 2 * I, mb), {}, source, compute),
                .ffn_output = Linear(model.dense_weight(p + "ffn.output.weight", {H, I}),
                                     bias(p + "ffn.output.bias", H, mb), LinearEpilogue{.accumulate = true}, source,
                                     compute),
                .global = settings_.global[static_cast<std::size_t>(l)],
            }));
        }
        final_norm_ = std::make_unique<LayerNorm>(norm("final_norm"));
        head_dense_ = std::make_unique<Linear>(
            DenseWeight{&model.weight("head.dense.weight", {H, H})},
            bias("head.dense.bias", H, settings_.classifier_bias), LinearEpilogue{.activation = c.head_activation},
            source);
        head_norm_ = std::make_unique<LayerNorm>(norm("head.norm"));
        head_out_ = std::make_unique<Linear>(DenseWeight{&model.weight("head.out.weight", {C, H})},
                                             model.weight("head.out.bias", {C}), LinearEpilogue{}, source);
        global_rope_ = std::make_unique<RotaryTable>(d, settings_.global_rope_theta, c.max_length);
        local_rope_ = std::make_unique<RotaryTable>(d, settings_.local_rope_theta, c.max_length);
    }

    std::unique_ptr<State> make_state() const override { return std::make_unique<ModernBertState>(); }

    void pack_weights() override {
        for (auto& layer : layers_) {
            layer->qkv.pack();
            layer->output.pack();
            layer->intermediate.pack();
            layer->ffn_output.pack();
        }
        head_dense_->pack();
        head_out_->pack();
    }

    ForwardResult run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                      State& any_state) override;

private:
    struct Layer {
        std::unique_ptr<LayerNorm> attention_norm;  // null for layer 0
        Linear qkv, output;
        LayerNorm ffn_norm;
        Linear intermediate, ffn_output;
        bool global;
    };
    struct ModernBertState final : State {
        PackedBatch batch;
        std::vector<float> hidden, normed, gated, pooled, activated, logits;
        Workspace workspace;
    };

    void embed(const PackedBatch& batch, int64_t rows, float* hidden) const;
    // hidden += Attention(norm(hidden)); maps, when asked, get [heads, L, L] per sequence. Given
    // first_tokens ([padded_rows(sequences), H], each sequence's first row of hidden), only those
    // rows are updated, there, and hidden is left as it is: keys and values still come from every
    // row, but the queries and the output projection run for the first tokens alone.
    void attend(Layer& layer, float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps,
                ModernBertState& state, float* first_tokens = nullptr);
    // hidden += FFN(norm(hidden)) over the rows, in blocks.
    void feed_forward(Layer& layer, float* hidden, int64_t rows, ModernBertState& state);

    const ModelConfig& config_;
    ModernBertSettings settings_;
    std::vector<std::unique_ptr<ZeroBias>> zero_biases_;
    const float* word_ = nullptr;
    std::unique_ptr<LayerNorm> embedding_norm_;
    std::vector<std::unique_ptr<Layer>> layers_;
    std::unique_ptr<LayerNorm> final_norm_;
    std::unique_ptr<Linear> head_dense_;
    std::unique_ptr<LayerNorm> head_norm_;
    std::unique_ptr<Linear> head_out_;
    std::unique_ptr<RotaryTable> global_rope_, local_rope_;
};

void ModernBertEncoder::embed(const PackedBatch& batch, int64_t rows, float* hidden) const {
    const int64_t H = config_.hidden_size, N = batch.tokens();
    for (int64_t t = 0; t < N; ++t) std::copy_n(word_ + static_cast<int64_t>(batch.input_ids[t]) * H, H, hidden + t * H);
    std::fill(hidden + N * H, hidden + rows * H, 0.0f);
    embedding_norm_->forward(hidden, N);
}

void ModernBertEncoder::attend(Layer& layer, float* hidden, int64_t rows, const PackedBatch& batch,
                               AttentionMaps* maps, ModernBertState& state, float* first_tokens) {
    const int64_t H = config_.hidden_size, d = config_.head_size();
    Workspace& work = state.workspace;
    const float* input = hidden;
    if (layer.attention_norm) {
        float* normed = Workspace::reserve(state.normed, static_cast<std::size_t>(rows * H));
        std::copy_n(hidden, rows * H, normed);
        layer.attention_norm->forward(normed, rows);
        input = normed;
    }
    float* qkv = Workspace::reserve(work.qkv, static_cast<std::size_t>(rows * 3 * H));
    float* context = Workspace::reserve(work.context, static_cast<std::size_t>(rows * H));
    layer.qkv.forward(input, rows, qkv);
    std::fill(context + batch.tokens() * H, context + rows * H, 0.0f);
    const RotaryTable& rope = layer.global ? *global_rope_ : *local_rope_;
    const int64_t window = layer.global ? -1 : settings_.sliding_window;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    const HeadTasks heads{batch, H, config_.num_heads, d, qkv, context, first_tokens != nullptr, maps};
    heads.for_each(attention_scratch_floats(batch.max_length(), d), work, [&](int64_t s, int64_t h, float* scratch) {
        // This head's queries and keys get their positions here, while they are in cache.
        float* q = heads.queries(s, h);
        rope.apply(q, 3 * H, first_tokens ? 1 : batch.length(s));
        rope.apply(q + H, 3 * H, batch.length(s));
        AttentionHead args = heads.head<AttentionHead>(s, h, scale);
        args.window = window;
        attention_head(args, scratch);
    });
    if (first_tokens) layer.output.forward(context, padded_rows(batch.sequences()), first_tokens);
    else layer.output.forward(context, rows, hidden);
}

void ModernBertEncoder::feed_forward(Layer& layer, float* hidden, int64_t rows, ModernBertState& state) {
    const int64_t H = config_.hidden_size, I = config_.intermediate_size;
    // In blocks of rows, so a block's [rows, 2I] projection stays in cache between the GEMMs.
    constexpr int64_t kRowBlock = 256;
    const int64_t block = std::min(rows, kRowBlock);
    float* normed = Workspace::reserve(state.normed, static_cast<std::size_t>(block * H));
    float* intermediate = Workspace::reserve(state.workspace.intermediate, static_cast<std::size_t>(block * 2 * I));
    float* gated = Workspace::reserve(state.gated, static_cast<std::size_t>(block * I));
    for (int64_t first = 0; first < rows; first += block) {
        const int64_t n = std::min(block, rows - first);
        std::copy_n(hidden + first * H, n * H, normed);
        layer.ffn_norm.forward(normed, n);
        layer.intermediate.forward(normed, n, intermediate);
        geglu(intermediate, n, I, config_.hidden_act, gated);
        layer.ffn_output.forward(gated, n, hidden + first * H);
    }
}

ForwardResult ModernBertEncoder::run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                                     State& any_state) {
    auto& state = static_cast<ModernBertState&>(any_state);
    ForwardResult result;
    const auto C = static_cast<int64_t>(config_.labels.size());
    result.logits.resize(sequences.size() * static_cast<std::size_t>(C));
    if (sequences.empty()) return result;
    PackedBatch& batch = state.batch;
    batch.assign(sequences);
    const int64_t N = batch.tokens(), H = config_.hidden_size, B = batch.sequences();
    const int64_t rows = padded_rows(N);
    float* hidden = Workspace::reserve(state.hidden, static_cast<std::size_t>(rows * H));
    const auto keep_hidden = [&] { result.keep_hidden(options, hidden, N * H); };

    const int64_t head_rows = padded_rows(B);
    float* pooled = Workspace::reserve(state.pooled, static_cast<std::size_t>(head_rows * H));
    std::fill(pooled, pooled + head_rows * H, 0.0f);
    // With cls pooling the logits depend only on the first tokens' final states, so unless the
    // caller wants every token's states, the last layer runs its queries, output projection and
    // FFN for the first tokens alone.
    const bool first_tokens_only =
        settings_.pooling == Pooling::cls && !options.keep_hidden_states && !options.keep_attentions;
    const int64_t full_layers = config_.num_layers - (first_tokens_only ? 1 : 0);

    embed(batch, rows, hidden);
    keep_hidden();
    for (int64_t l = 0; l < full_layers; ++l) {
        Layer& layer = *layers_[static_cast<std::size_t>(l)];
        AttentionMaps* maps = options.keep_attentions ? &result.attentions.emplace_back() : nullptr;
        attend(layer, hidden, rows, batch, maps, state);
        feed_forward(layer, hidden, rows, state);
        // transformers reports the last layer's output after the final norm.
        if (l + 1 < config_.num_layers) keep_hidden();
    }
    if (first_tokens_only) {
        batch.gather_first_rows(hidden, H, pooled);  // the residual; padding rows stay 0
        Layer& last = *layers_.back();
        attend(last, hidden, rows, batch, nullptr, state, pooled);
        feed_forward(last, pooled, head_rows, state);
        final_norm_->forward(pooled, B);
    } else {
        final_norm_->forward(hidden, N);
        keep_hidden();
    }

    if (first_tokens_only) {
        // pooled holds the first tokens' final states already
    } else if (settings_.pooling == Pooling::cls) {
        batch.gather_first_rows(hidden, H, pooled);
    } else {
        for (int64_t s = 0; s < B; ++s) {
            float* out = pooled + s * H;
            for (int64_t t = batch.offsets[s]; t < batch.offsets[s + 1]; ++t)
                for (int64_t x = 0; x < H; ++x) out[x] += hidden[t * H + x];
            const float inv = 1.0f / static_cast<float>(batch.length(s));
            for (int64_t x = 0; x < H; ++x) out[x] *= inv;
        }
    }
    float* activated = Workspace::reserve(state.activated, static_cast<std::size_t>(head_rows * H));
    float* logits = Workspace::reserve(state.logits, static_cast<std::size_t>(head_rows * C));
    head_dense_->forward(pooled, head_rows, activated);
    head_norm_->forward(activated, head_rows);
    head_out_->forward(activated, head_rows, logits);
    std::copy_n(logits, B * C, result.logits.data());
    return result;
}

}  // namespace

const Family& modernbert_family() {
    static const Family family = encoder_family<ModernBertEncoder>({"modernbert"}, weight_table, describe);
    return family;
}

}  // namespace bertcls
