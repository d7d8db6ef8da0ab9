#pragma once
// Multi-head self-attention over packed sequences. Q, K and V come from one fused projection;
// scores, softmax and the weighted sum run in one fused kernel per (sequence, head), all of
// them in one parallel loop (no padding, so no mask); the output projection adds the residual
// in its epilogue before the LayerNorm.
#include <cstdint>
#include <vector>

#include "layers/packed_batch.h"
#include "layers/workspace.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "util/mapped_file.h"

namespace bertcls {

// Where attention probabilities go when a caller asks for them: one [heads, L, L] array per
// sequence. Null means they are not kept, and nothing is copied.
using AttentionMaps = std::vector<std::vector<float>>;

// One layer's attention weights: the fused [3H, H] Q/K/V projection, the output projection and
// the LayerNorm after the residual.
struct SelfAttentionWeights {
    DenseWeight qkv;
    const TensorInfo* qkv_bias = nullptr;
    DenseWeight output;
    const TensorInfo* output_bias = nullptr;
    LayerNormWeights norm;
};

class SelfAttention {
public:
    // `source` is the mapping the weights live in (its pages are released once packed).
    SelfAttention(const SelfAttentionWeights& weights, int64_t heads, double layer_norm_eps, const MappedFile* source,
                  ComputeType compute);

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
    // Projects Q, K and V and writes the attention context to work.context: of every row, at its
    // own row; or, given `first_rows` (each sequence's first row of hidden, [sequences, H]), of
    // the first rows only, at row s.
    const float* attend(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                        AttentionMaps* maps, Workspace& work);
    // Q, K and V of every row into qkv_out ([rows, 3H]). Given first_rows, and where the fused
    // projection can split its outputs, K and V of every row but Q of the first rows only: the
    // other rows' queries are never read (a third of a classifier's last QKV projection).
    void project(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                 float* qkv_out, Workspace& work);

    int64_t hidden_, heads_, head_size_;
    Linear qkv_;
    Linear output_;
    LayerNorm norm_;
};

}  // namespace bertcls
