#pragma once
// Word + position (+ token type) embeddings, LayerNorm, and the optional projection to the
// hidden size that ALBERT and ELECTRA use.
#include <memory>
#include <vector>

#include "layers/packed_batch.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "util/mapped_file.h"

namespace bertcls {

// word [vocab, E], position [positions, E], token_type [types, E] (null: the model has none),
// the LayerNorm, and the projection [H, E] to the hidden size (null: none).
struct EmbeddingWeights {
    const TensorInfo* word = nullptr;
    const TensorInfo* position = nullptr;
    const TensorInfo* token_type = nullptr;
    LayerNormWeights norm;
    const TensorInfo* projection = nullptr;
    const TensorInfo* projection_bias = nullptr;
};

// How position ids are counted: from 0 (position_offset 0, BERT) or from padding_idx + 1 with
// padding_idx = position_offset - 1 (RoBERTa), where pad tokens take padding_idx.
struct EmbeddingOptions {
    int64_t position_offset = 0;
    int64_t pad_token_id = 0;
    double layer_norm_eps = 1e-12;
};

class Embeddings {
public:
    Embeddings(const EmbeddingWeights& weights, const EmbeddingOptions& options, const MappedFile* source);

    // Writes [rows, hidden] into `out`: the batch's tokens, then rows - tokens padding rows (the
    // embedding of a zero vector). `scratch` holds [rows, embedding_size] when projecting.
    void forward(const PackedBatch& batch, int64_t rows, float* out, std::vector<float>& scratch);

    void pack_weights() {
        if (projection_) projection_->pack();
    }

private:
    // Position ids: BERT counts from 0; RoBERTa-style models count from padding_idx + 1 and
    // give padding tokens padding_idx, as transformers' create_position_ids_from_input_ids does.
    int64_t position_id(int32_t token, int64_t index_in_sequence, int64_t& non_pad_seen) const;

    EmbeddingOptions options_;
    int64_t embedding_size_;
    const float* word_;
    const float* position_;
    const float* token_type_;
    LayerNorm norm_;
    std::unique_ptr<Linear> projection_;
};

}  // namespace bertcls
