#pragma once
// The canonical weight names that more than one family converts into: a post-LayerNorm encoder
// layer's attention and feed-forward (`layers.<g>.attention.*`, `layers.<g>.ffn.*`) and the
// classification head (`head.*`). BERT (bert.cpp) and DeBERTa (deberta_v2.cpp) both use them;
// each family file still owns its whole table and adds its own names around these.
#include <cstdint>
#include <string>
#include <vector>

#include "layers/attention.h"
#include "layers/classification_head.h"
#include "layers/feed_forward.h"
#include "models/model_config.h"
#include "models/weight_table.h"

namespace bertcls {

class ModelFile;

namespace encoder_weights {

// "layers.<g>." for stored weight set g.
std::string layer_prefix(int64_t weight_set);

// The specs of weight set g's attention (qkv, output, norm) and feed-forward layers.
void add_layer_specs(std::vector<WeightSpec>& table, const ModelConfig& config, int64_t weight_set);
// The specs of head.dense and head.out.
void add_head_specs(std::vector<WeightSpec>& table, const ModelConfig& config);

SelfAttentionWeights attention(const ModelFile& model, int64_t weight_set);
FeedForwardWeights feed_forward(const ModelFile& model, int64_t weight_set);
ClassificationHeadWeights head(const ModelFile& model);

}  // namespace encoder_weights
}  // namespace bertcls
