#include "layers/embeddings.h"

#include <algorithm>

namespace bertcls {

Embeddings::Embeddings(const ModelFile& model)
    : config_(model.config()),
      word_(model.weight("embeddings.word", {config_.vocab_size, config_.embedding_size}).as<float>().data()),
      position_(model.weight("embeddings.position", {config_.max_position_embeddings, config_.embedding_size})
                    .as<float>()
                    .data()),
      token_type_(config_.type_vocab_size > 0
                      ? model.weight("embeddings.token_type", {config_.type_vocab_size, config_.embedding_size})
                            .as<float>()
                            .data()
                      : nullptr),
      norm_(model.weight("embeddings.norm.weight", {config_.embedding_size}),
            model.weight("embeddings.norm.bias", {config_.embedding_size}), config_.layer_norm_eps) {
    if (config_.embedding_projection)
        projection_ = std::make_unique<Linear>(
            model.weight("embeddings.projection.weight", {config_.hidden_size, config_.embedding_size}),
            model.weight("embeddings.projection.bias", {config_.hidden_size}), LinearEpilogue{},
            &model.container().mapping());
}

int64_t Embeddings::position_id(int32_t token, int64_t index_in_sequence, int64_t& non_pad_seen) const {
    if (config_.position_offset == 0) return index_in_sequence;
    const int64_t padding_idx = config_.position_offset - 1;
    if (token == config_.pad_token_id) return padding_idx;
    return padding_idx + ++non_pad_seen;
}

void Embeddings::forward(const PackedBatch& batch, int64_t rows, float* out, std::vector<float>& scratch) {
    const int64_t E = config_.embedding_size, N = batch.tokens();
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
