#pragma once
// The weight names of the post-LayerNorm BERT encoder that BERT, DistilBERT, RoBERTa,
// XLM-RoBERTa, ALBERT and ELECTRA checkpoints are converted into (scripts/checkpoint/canonical.py
// is the converter's side of this table): the only C++ place that knows them. The layers get
// their weights as structs, looked up and shape-checked here.
#include <cstdint>
#include <string>
#include <vector>

#include "layers/attention.h"
#include "layers/classification_head.h"
#include "layers/embeddings.h"
#include "layers/feed_forward.h"
#include "models/model_config.h"

namespace bertcls {

class ModelFile;

namespace bert_weights {

// What `bertcls info` groups tensors by.
enum class Part { embeddings, encoder_dense, encoder_dense_scales, encoder_other, head };
const char* part_name(Part part);

struct Spec {
    std::string name;
    std::vector<int64_t> shape;
    Part part;
    // The encoder's four GEMM weights per layer: F32, BF16, or I8 with a `<name>_scale` tensor.
    bool dense() const { return part == Part::encoder_dense; }
};

// Every weight a model with this config reads, with its expected shape.
std::vector<Spec> table(const ModelConfig& config);

// The part a stored tensor belongs to (an I8 dense weight's `_scale` tensor: encoder_dense_scales).
Part part_of(const ModelConfig& config, const std::string& tensor_name);

EmbeddingWeights embeddings(const ModelFile& model);
SelfAttentionWeights attention(const ModelFile& model, int64_t weight_set);
FeedForwardWeights feed_forward(const ModelFile& model, int64_t weight_set);
ClassificationHeadWeights head(const ModelFile& model);

}  // namespace bert_weights
}  // namespace bertcls
