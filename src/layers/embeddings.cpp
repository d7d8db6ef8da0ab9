#include "layers/embeddings.h"

#include <algorithm>

namespace bertcls {

Embeddings::Embeddings(const EmbeddingWeights& weights, const EmbeddingOptions& options, const MappedFile* source)
    : options_(options),
      embedding_size_(weights.word->shape.at(1)),
      word_(weights.word->as<float>().data()),
      position_(weights.position->as<float>().data()),
      token_type_(weights.token_type ? weights.token_type->as<float>().data() : nullptr),
      norm_(weights.norm, options.layer_norm_eps) {
    if (weights.projection)
        projection_ = std::make_unique<Linear>(*weights.projection, *weights.projection_bias, LinearEpilogue{}, source);
}

int64_t Embeddings::position_id(int32_t token, int64_t index_in_sequence, int64_t& non_pad_seen) const {
    if (options_.position_offset == 0) return index_in_sequence;
    const int64_t padding_idx = options_.position_offset - 1;
    if (token == options_.pad_token_id) return padding_idx;
    return padding_idx + ++non_pad_seen;
}

void Embeddings::forward(const PackedBatch& batch, int64_t rows, float* out, std::vector<float>& scratch) {
    const int64_t E = embedding_size_, N = batch.tokens();
    float* embedded = out;
    if (projection_) {
        if (scratch.size() < static_cast<std::size_t>(rows * E)) scratch.resize(static_cast<std::size_t>(rows * E));
        embedded = scratch.data();
    }
    std::fill(embedded + N * E, embedded + rows * E, 0.0f);
    for (int64_t s = 0; s < batch.sequences(); ++s) {
        int64_t non_pad_seen = 0;
        for (int64_t t = batch.offsets[s]; t < batch.offsets[s + 1]; ++t) {
            const int32_t token = batch.input_ids[t];
            const float* word = word_ + token * E;
            const float* pos = position_ + position_id(token, t - batch.offsets[s], non_pad_seen) * E;
            float* row = embedded + t * E;
            if (token_type_) {
                const float* type = token_type_ + batch.token_type_ids[t] * E;
                for (int64_t i = 0; i < E; ++i) row[i] = word[i] + type[i] + pos[i];
            } else {
                for (int64_t i = 0; i < E; ++i) row[i] = word[i] + pos[i];
            }
        }
    }
    norm_.forward(embedded, rows);
    if (projection_) projection_->forward(embedded, rows, out);
}

}  // namespace bertcls
