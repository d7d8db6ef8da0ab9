#pragma once
// A post-LayerNorm encoder layer (BERT, DeBERTa): self-attention, then the feed-forward block,
// each adding its residual before its LayerNorm. `Attention` is a PostNormAttention.
#include <cstdint>

#include "layers/feed_forward.h"
#include "layers/post_norm_attention.h"

namespace bertcls {

template <typename Attention>
struct PostNormLayer {
    Attention attention;
    FeedForward feed_forward;

    // hidden: [rows, H] over the packed batch, in place.
    void forward(float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps, Workspace& work) {
        attention.forward(hidden, rows, batch, maps, work);
        feed_forward.forward(hidden, rows, work);
    }

    // The layer for each sequence's first token only (PostNormAttention::forward_first_tokens),
    // all a classifier's last layer has to produce; first_tokens: [padded_rows(sequences), H].
    void forward_first_tokens(const float* hidden, int64_t rows, const PackedBatch& batch, float* first_tokens,
                              Workspace& work) {
        attention.forward_first_tokens(hidden, rows, batch, first_tokens, work);
        feed_forward.forward(first_tokens, padded_rows(batch.sequences()), work);
    }

    void pack_weights() {
        attention.pack_weights();
        feed_forward.pack_weights();
    }
};

}  // namespace bertcls
