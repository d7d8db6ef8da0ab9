#pragma once
// DeBERTa's self-attention layer over packed sequences: the fused Q/K/V projection, the
// disentangled attention kernel (ops/disentangled_attention.h) per (sequence, head), then the
// output projection, residual and LayerNorm of every post-LN layer (layers/post_norm_attention.h).
//
// The position keys and queries (the relative embeddings through the layer's key and query
// projections, or its own pos_key / pos_query projections) do not depend on the input. They are
// computed once per layer, for the rows the longest sequence so far reaches (growing by
// doubling), and kept transposed per head, as the kernel reads them.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "layers/post_norm_attention.h"
#include "ops/linear.h"

namespace bertcls {

// The relative-position settings every layer shares, and the relative embedding table after
// its LayerNorm (norm_rel_ebd), [2 span, H].
struct RelativePositions {
    int64_t span = 0;           // position_buckets, else max_relative_positions
    int64_t buckets = 0;        // position_buckets (0: no log buckets)
    int64_t max_position = 0;   // max_relative_positions
    bool c2p = false, p2c = false;
    std::vector<float> embeddings;  // [2 span, H]
};

// One layer's weights. With share_att_key the position projections are the layer's own query
// and key projections (qkv); otherwise pos_key (c2p) and pos_query (p2c), each [H, H] + bias.
struct DisentangledAttentionWeights {
    SelfAttentionWeights attention;
    const TensorInfo* pos_key = nullptr;
    const TensorInfo* pos_key_bias = nullptr;
    const TensorInfo* pos_query = nullptr;
    const TensorInfo* pos_query_bias = nullptr;
};

class DisentangledAttention final : public PostNormAttention {
public:
    // `relative` null: no relative attention (content scores only); `score_terms` is 1 + the
    // number of pos_att_type entries, which sets the scale whether or not relative attention is on.
    DisentangledAttention(const DisentangledAttentionWeights& weights, int64_t heads, double layer_norm_eps,
                          const RelativePositions* relative, int64_t score_terms, const MappedFile* source,
                          ComputeType compute);

private:
    // Position keys and queries per head, transposed: [heads, head_size, 2 span] each; rows
    // [lo, hi) of the table are computed.
    struct PositionTables {
        int64_t lo = 0, hi = 0;
        std::vector<float> key_t, query_t;
    };
    // Tables covering every distance of a sequence of `length` tokens.
    std::shared_ptr<const PositionTables> position_tables(int64_t length);
    // Q, K and V are projected for every row; first_rows only says that the first queries alone
    // are attended with.
    float* attend(const float* hidden, int64_t rows, const PackedBatch& batch, const float* first_rows,
                  AttentionMaps* maps, Workspace& work) override;

    float scale_;
    const RelativePositions* relative_;
    std::unique_ptr<Linear> pos_key_, pos_query_;
    std::unique_ptr<std::mutex> tables_mutex_ = std::make_unique<std::mutex>();  // movable layer
    std::shared_ptr<const PositionTables> tables_;
};

}  // namespace bertcls
