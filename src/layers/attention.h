#pragma once
// Multi-head self-attention over packed sequences. Q, K and V come from one fused projection;
// scores, softmax and the weighted sum run in one fused kernel per (sequence, head), all of
// them in one parallel loop (no padding, so no mask); the output projection adds the residual
// in its epilogue before the LayerNorm.
#include <cstdint>
#include <vector>

#include "format/model_file.h"
#include "layers/packed_batch.h"
#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace bertcls {

// Where attention probabilities go when a caller asks for them: one [heads, L, L] array per
// sequence. Null means they are not kept, and nothing is copied.
using AttentionMaps = std::vector<std::vector<float>>;

class SelfAttention {
public:
    SelfAttention(const ModelFile& model, int64_t weight_set, ComputeType compute);

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

private:
    // Projects Q, K and V for all rows and writes the attention context of each sequence's first
    // `queries` rows (0 = all of them) to work.context: at the sequence's own rows when all are
    // computed, else at row s * queries.
    const float* attend(const float* hidden, int64_t rows, const PackedBatch& batch, int64_t queries,
                        AttentionMaps* maps, Workspace& work);

    int64_t hidden_, heads_, head_size_;
    Linear qkv_;
    Linear output_;
    LayerNorm norm_;
};

}  // namespace bertcls
