#pragma once
// The forward pass BERT (bert.cpp) and DeBERTa (deberta_v2.cpp) share: embeddings, post-LayerNorm
// layers (one weight set may serve several layers: ALBERT), the last layer for each sequence's
// first token only when only logits are wanted, and the classification head on the first
// tokens. A family supplies its embeddings (`embed`), its layers (`weight_sets_`), and may act
// after a layer (`after_layer`: DeBERTa's ConvLayer).
#include <memory>
#include <span>
#include <vector>

#include "layers/classification_head.h"
#include "layers/packed_batch.h"
#include "layers/post_norm_layer.h"
#include "layers/workspace.h"
#include "models/encoder_weights.h"
#include "models/family.h"
#include "models/model_file.h"

namespace bertcls {

template <typename Attention>
class PostNormEncoder : public FamilyEncoder {
public:
    // hidden: [rows, H] over the packed batch; first_tokens: each sequence's first row after the
    // last layer, what the head reads.
    struct EncoderState : State {
        PackedBatch batch;
        std::vector<float> hidden, first_tokens, embedding_scratch;
        Workspace workspace;  // activation buffers shared by all layers
    };

    std::unique_ptr<State> make_state() const override { return std::make_unique<EncoderState>(); }

    void pack_weights() override {
        for (auto& layer : weight_sets_) layer->pack_weights();
        head_.pack_weights();
    }

    ForwardResult run(std::span<const SequenceInput> sequences, const ForwardOptions& options,
                      State& any_state) override {
        auto& state = static_cast<EncoderState&>(any_state);
        ForwardResult result;
        result.logits.resize(sequences.size() * config_.labels.size());
        if (sequences.empty()) return result;

        PackedBatch& batch = state.batch;
        batch.assign(sequences);
        const int64_t N = batch.tokens(), H = config_.hidden_size, B = batch.sequences();
        // The dense layers run over `rows` >= N rows (see padded_rows); attention and the head
        // read only the real ones.
        const int64_t rows = padded_rows(N);
        float* hidden = Workspace::reserve(state.hidden, static_cast<std::size_t>(rows * H));
        const auto keep_hidden = [&] { result.keep_hidden(options, hidden, N * H); };
        float* first_tokens = Workspace::reserve(state.first_tokens, static_cast<std::size_t>(padded_rows(B) * H));
        // Logits depend only on the first tokens' final states, so unless the caller wants every
        // token's states, the last layer runs the queries, the output projection and the FFN for
        // the first tokens alone (about 80% of that layer's work is skipped); not when the family
        // acts after that layer.
        const bool first_tokens_only = !options.keep_hidden_states && !options.keep_attentions &&
                                       !acts_after_layer(config_.num_layers - 1);
        const int64_t full_layers = config_.num_layers - (first_tokens_only ? 1 : 0);

        embed(batch, rows, hidden, state);
        keep_hidden();
        for (int64_t l = 0; l < full_layers; ++l) {
            AttentionMaps* maps = options.keep_attentions ? &result.attentions.emplace_back() : nullptr;
            weight_sets_[config_.weight_set_of_layer(l)]->forward(hidden, rows, batch, maps, state.workspace);
            if (acts_after_layer(l)) after_layer(l, hidden, batch, state);
            keep_hidden();
        }
        if (first_tokens_only) {
            weight_sets_[config_.weight_set_of_layer(config_.num_layers - 1)]->forward_first_tokens(
                hidden, rows, batch, first_tokens, state.workspace);
        } else {
            batch.gather_first_rows(hidden, H, first_tokens);
        }
        head_.forward(first_tokens, B, result.logits.data(), state.workspace);
        return result;
    }

protected:
    using Layer = PostNormLayer<Attention>;

    explicit PostNormEncoder(const ModelFile& model)
        : config_(model.config()),
          head_(encoder_weights::head(model), config_.head_activation, &model.container().mapping()) {}

    // The embedding output, [rows, H] into hidden (padding rows included).
    virtual void embed(const PackedBatch& batch, int64_t rows, float* hidden, EncoderState& state) = 0;
    // Whether after_layer runs after layer l.
    virtual bool acts_after_layer(int64_t) const { return false; }
    // Runs after layer l's output is in hidden (before it is kept as a hidden state).
    virtual void after_layer(int64_t, float*, const PackedBatch&, EncoderState&) {}

    const ModelConfig& config_;
    std::vector<std::unique_ptr<Layer>> weight_sets_;
    ClassificationHead head_;
};

}  // namespace bertcls
