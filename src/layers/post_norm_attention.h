#pragma once
// What BERT's and DeBERTa's self-attention layers share: Q, K and V from one fused projection,
// then hidden = LayerNorm(hidden + Wo·context + b), the output projection adding the residual
// in its epilogue (post-LN). The layers differ only in how they turn Q, K and V into the context
// (`attend`).
#include <cstdint>

#include "layers/attention_heads.h"
#include "layers/packed_batch.h"
#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "util/mapped_file.h"

namespace bertcls {

// One layer's attention weights: the fused [3H, H] Q/K/V projection, the output projection and
// the LayerNorm after the residual.
struct SelfAttentionWeights {
    DenseWeight qkv;
    const TensorInfo* qkv_bias = nullptr;
    DenseWeight output;
    const TensorInfo* output_bias = nullptr;
    LayerNormWeights norm;
};

class PostNormAttention {
public:
    virtual ~PostNormAttention() = default;
    PostNormAttention(PostNormAttention&&) = default;

    // hidden = LayerNorm(hidden + Attention(hidden)), in place; hidden is [rows, H] where rows
    // >= batch.tokens() (rows past the real tokens are padding that only the dense layers see).
    void forward(float* hidden, int64_t rows, const PackedBatch& batch, AttentionMaps* maps, Workspace& work);

    // The same layer for each sequence's first token only, which is all a classifier's last
    // layer has to produce: keys and values still come from every row of `hidden`, but the
    // queries, the output projection and the LayerNorm run on one row per sequence.
    // first_tokens: [padded_rows(sequences), H], written.
    void forward_first_tokens(const float* hidden, int64_t rows, const PackedBatch& batch, float* first_tokens,
                              Workspace& work);

    void pack_weights() {
        qkv_.pack();
        output_.pack();
    }

protected:
    // `source` is the mapping the weights live in (its pages are released once packed).
    PostNormAttention(const SelfAttentionWeights& weights, int64_t heads, double layer_norm_eps,
                      const MappedFile* source, ComputeType compute);

    // Writes the attention context to work.context and returns it: of every row, at its own
    // row; or, given `first_rows` (each sequence's first row of hidden, [sequences, H]), of the
    // first rows only, at row s.
    virtual float* attend(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                          AttentionMaps* maps, Workspace& work) = 0;

    int64_t hidden_, heads_, head_size_;
    Linear qkv_;

private:
    Linear output_;
    LayerNorm norm_;
};

}  // namespace bertcls
