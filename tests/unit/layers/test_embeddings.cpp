// The embedding layer against a double-precision transcription of transformers' BertEmbeddings /
// RobertaEmbeddings (and ALBERT's projection to the hidden size): word + position (+ token
// type) rows summed, LayerNorm, then the optional projection. Packed sequences of several
// lengths, with pad tokens, and padding rows after the batch's tokens.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/embeddings.h"
#include "op_test_support.h"

using namespace bertcls;
using test::f32_tensor;
using test::normal_values;

namespace {

constexpr int64_t kVocab = 23, kPositions = 20, kTypes = 2, kEmbedding = 12, kHidden = 20;
constexpr int32_t kPad = 1;

struct Tables {
    std::vector<float> word, position, token_type, gamma, beta, projection, projection_bias;
};

Tables random_tables(std::mt19937& rng) {
    return {normal_values(kVocab * kEmbedding, rng),  normal_values(kPositions * kEmbedding, rng),
            normal_values(kTypes * kEmbedding, rng),  normal_values(kEmbedding, rng, 0.5f, 1.0f),
            normal_values(kEmbedding, rng),           normal_values(kHidden * kEmbedding, rng, 0.3f),
            normal_values(kHidden, rng)};
}

// transformers' position ids: 0, 1, ... (BERT), or for RoBERTa create_position_ids_from_input_ids:
// padding_idx + the running count of non-pad tokens, and padding_idx on pad tokens.
std::vector<int64_t> reference_positions(const std::vector<int32_t>& ids, bool roberta) {
    std::vector<int64_t> positions;
    int64_t non_pad = 0;
    for (std::size_t t = 0; t < ids.size(); ++t) {
        if (!roberta) positions.push_back(static_cast<int64_t>(t));
        else if (ids[t] == kPad) positions.push_back(kPad);
        else positions.push_back(kPad + ++non_pad);
    }
    return positions;
}

}  // namespace

TEST_CASE("embeddings match a double-precision reference", "[layers]") {
    std::mt19937 rng(31);
    const Tables w = random_tables(rng);
    const TensorInfo word = f32_tensor({kVocab, kEmbedding}, w.word),
                     position = f32_tensor({kPositions, kEmbedding}, w.position),
                     token_type = f32_tensor({kTypes, kEmbedding}, w.token_type),
                     gamma = f32_tensor({kEmbedding}, w.gamma), beta = f32_tensor({kEmbedding}, w.beta),
                     projection = f32_tensor({kHidden, kEmbedding}, w.projection),
                     projection_bias = f32_tensor({kHidden}, w.projection_bias);
    // Three sequences: one with pad tokens inside and at the end, one of a single token, one
    // with a second segment.
    const std::vector<std::vector<int32_t>> ids{{0, 5, kPad, 7, 22, kPad, kPad}, {3}, {0, 9, 9, 2, 14, 2, 11, 2}};
    const std::vector<std::vector<int32_t>> types{{}, {}, {0, 0, 0, 0, 1, 1, 1, 1}};
    PackedBatch batch;
    for (std::size_t s = 0; s < ids.size(); ++s) batch.add({ids[s], types[s]});
    const int64_t rows = batch.tokens() + 3;

    for (const bool roberta : {false, true})
        for (const bool with_types : {true, false})
            for (const bool projected : {false, true}) {
                EmbeddingWeights weights{.word = &word, .position = &position, .norm = {&gamma, &beta}};
                if (with_types) weights.token_type = &token_type;
                if (projected) {
                    weights.projection = &projection;
                    weights.projection_bias = &projection_bias;
                }
                const EmbeddingOptions options{.position_offset = roberta ? kPad + 1 : 0, .pad_token_id = kPad,
                                               .layer_norm_eps = 1e-12};
                Embeddings embeddings(weights, options, nullptr);
                const int64_t width = projected ? kHidden : kEmbedding;
                std::vector<float> got(static_cast<std::size_t>(rows * width), -7.0f), scratch;
                embeddings.forward(batch, rows, got.data(), scratch);

                // Padding rows embed a zero vector.
                std::vector<double> want(static_cast<std::size_t>(rows * kEmbedding), 0.0);
                int64_t row = 0;
                for (std::size_t s = 0; s < ids.size(); ++s) {
                    const auto positions = reference_positions(ids[s], roberta);
                    for (std::size_t t = 0; t < ids[s].size(); ++t, ++row) {
                        const int64_t type = types[s].empty() ? 0 : types[s][t];
                        for (int64_t i = 0; i < kEmbedding; ++i)
                            want[row * kEmbedding + i] = double(w.word[ids[s][t] * kEmbedding + i]) +
                                                         w.position[positions[t] * kEmbedding + i] +
                                                         (with_types ? w.token_type[type * kEmbedding + i] : 0.0);
                    }
                }
                test::reference_layer_norm(want, w.gamma, w.beta, 1e-12);
                if (projected) want = test::reference_linear(want, rows, w.projection, w.projection_bias);
                INFO((roberta ? "RoBERTa" : "BERT") << " positions, token types " << with_types << ", projected "
                                                    << projected);
                CHECK(test::worst_error(got, want) <= 1e-5);
            }
}
