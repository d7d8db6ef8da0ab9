#pragma once
// Word + position (+ token type) embeddings, LayerNorm, and the optional projection to the
// hidden size that ALBERT and ELECTRA use.
#include <memory>
#include <vector>

#include "format/model_file.h"
#include "layers/packed_batch.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace bertcls {

class Embeddings {
public:
    explicit Embeddings(const ModelFile& model);

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

    const ModelConfig& config_;
    const float* word_;
    const float* position_;
    const float* token_type_;
    LayerNorm norm_;
    std::unique_ptr<Linear> projection_;
};

}  // namespace bertcls
