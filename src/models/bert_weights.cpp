#include "models/bert_weights.h"

#include "models/model_file.h"

namespace bertcls::bert_weights {

namespace {

std::string layer_prefix(int64_t weight_set) { return "layers." + std::to_string(weight_set) + "."; }

}  // namespace

const char* part_name(Part part) {
    switch (part) {
        case Part::embeddings: return "embeddings";
        case Part::encoder_dense: return "encoder dense weights";
        case Part::encoder_dense_scales: return "encoder dense scales";
        case Part::encoder_other: return "encoder biases, norms";
        case Part::head: return "head (pooler, classifier)";
    }
    return "?";
}

std::vector<Spec> table(const ModelConfig& c) {
    const int64_t E = c.embedding_size, H = c.hidden_size, I = c.intermediate_size;
    const auto C = static_cast<int64_t>(c.labels.size());
    std::vector<Spec> w = {
        {"embeddings.word", {c.vocab_size, E}, Part::embeddings},
        {"embeddings.position", {c.max_position_embeddings, E}, Part::embeddings},
        {"embeddings.norm.weight", {E}, Part::embeddings},
        {"embeddings.norm.bias", {E}, Part::embeddings},
        {"head.dense.weight", {H, H}, Part::head},
        {"head.dense.bias", {H}, Part::head},
        {"head.out.weight", {C, H}, Part::head},
        {"head.out.bias", {C}, Part::head},
    };
    if (c.type_vocab_size > 0) w.push_back({"embeddings.token_type", {c.type_vocab_size, E}, Part::embeddings});
    if (c.embedding_projection) {
        w.push_back({"embeddings.projection.weight", {H, E}, Part::embeddings});
        w.push_back({"embeddings.projection.bias", {H}, Part::embeddings});
    }
    for (int64_t g = 0; g < c.num_layer_weights; ++g) {
        const std::string p = layer_prefix(g);
        w.push_back({p + "attention.qkv.weight", {3 * H, H}, Part::encoder_dense});
        w.push_back({p + "attention.qkv.bias", {3 * H}, Part::encoder_other});
        w.push_back({p + "attention.output.weight", {H, H}, Part::encoder_dense});
        w.push_back({p + "attention.output.bias", {H}, Part::encoder_other});
        w.push_back({p + "attention.norm.weight", {H}, Part::encoder_other});
        w.push_back({p + "attention.norm.bias", {H}, Part::encoder_other});
        w.push_back({p + "ffn.intermediate.weight", {I, H}, Part::encoder_dense});
        w.push_back({p + "ffn.intermediate.bias", {I}, Part::encoder_other});
        w.push_back({p + "ffn.output.weight", {H, I}, Part::encoder_dense});
        w.push_back({p + "ffn.output.bias", {H}, Part::encoder_other});
        w.push_back({p + "ffn.norm.weight", {H}, Part::encoder_other});
        w.push_back({p + "ffn.norm.bias", {H}, Part::encoder_other});
    }
    return w;
}

Part part_of(const ModelConfig& config, const std::string& tensor_name) {
    const bool scale = tensor_name.ends_with("_scale");
    const std::string weight = scale ? tensor_name.substr(0, tensor_name.size() - 6) : tensor_name;
    for (const Spec& spec : table(config))
        if (spec.name == weight) return scale && spec.dense() ? Part::encoder_dense_scales : spec.part;
    return Part::encoder_other;
}

EmbeddingWeights embeddings(const ModelFile& model) {
    const ModelConfig& c = model.config();
    const int64_t E = c.embedding_size, H = c.hidden_size;
    EmbeddingWeights w{
        .word = &model.weight("embeddings.word", {c.vocab_size, E}),
        .position = &model.weight("embeddings.position", {c.max_position_embeddings, E}),
        .norm = {&model.weight("embeddings.norm.weight", {E}), &model.weight("embeddings.norm.bias", {E})},
    };
    if (c.type_vocab_size > 0) w.token_type = &model.weight("embeddings.token_type", {c.type_vocab_size, E});
    if (c.embedding_projection) {
        w.projection = &model.weight("embeddings.projection.weight", {H, E});
        w.projection_bias = &model.weight("embeddings.projection.bias", {H});
    }
    return w;
}

SelfAttentionWeights attention(const ModelFile& model, int64_t weight_set) {
    const int64_t H = model.config().hidden_size;
    const std::string p = layer_prefix(weight_set) + "attention.";
    return {
        .qkv = model.dense_weight(p + "qkv.weight", {3 * H, H}),
        .qkv_bias = &model.weight(p + "qkv.bias", {3 * H}),
        .output = model.dense_weight(p + "output.weight", {H, H}),
        .output_bias = &model.weight(p + "output.bias", {H}),
        .norm = {&model.weight(p + "norm.weight", {H}), &model.weight(p + "norm.bias", {H})},
    };
}

FeedForwardWeights feed_forward(const ModelFile& model, int64_t weight_set) {
    const int64_t H = model.config().hidden_size, I = model.config().intermediate_size;
    const std::string p = layer_prefix(weight_set) + "ffn.";
    return {
        .intermediate = model.dense_weight(p + "intermediate.weight", {I, H}),
        .intermediate_bias = &model.weight(p + "intermediate.bias", {I}),
        .output = model.dense_weight(p + "output.weight", {H, I}),
        .output_bias = &model.weight(p + "output.bias", {H}),
        .norm = {&model.weight(p + "norm.weight", {H}), &model.weight(p + "norm.bias", {H})},
    };
}

ClassificationHeadWeights head(const ModelFile& model) {
    const int64_t H = model.config().hidden_size;
    const auto C = static_cast<int64_t>(model.config().labels.size());
    return {
        .dense = &model.weight("head.dense.weight", {H, H}),
        .dense_bias = &model.weight("head.dense.bias", {H}),
        .out = &model.weight("head.out.weight", {C, H}),
        .out_bias = &model.weight("head.out.bias", {C}),
    };
}

}  // namespace bertcls::bert_weights
