#include "models/encoder_weights.h"

#include "models/model_file.h"

namespace bertcls::encoder_weights {

std::string layer_prefix(int64_t weight_set) { return "layers." + std::to_string(weight_set) + "."; }

void add_layer_specs(std::vector<WeightSpec>& w, const ModelConfig& c, int64_t weight_set) {
    using P = WeightPart;
    const int64_t H = c.hidden_size, I = c.intermediate_size;
    const std::string p = layer_prefix(weight_set);
    w.push_back({p + "attention.qkv.weight", {3 * H, H}, P::encoder_dense});
    w.push_back({p + "attention.qkv.bias", {3 * H}, P::encoder_other});
    w.push_back({p + "attention.output.weight", {H, H}, P::encoder_dense});
    w.push_back({p + "attention.output.bias", {H}, P::encoder_other});
    w.push_back({p + "attention.norm.weight", {H}, P::encoder_other});
    w.push_back({p + "attention.norm.bias", {H}, P::encoder_other});
    w.push_back({p + "ffn.intermediate.weight", {I, H}, P::encoder_dense});
    w.push_back({p + "ffn.intermediate.bias", {I}, P::encoder_other});
    w.push_back({p + "ffn.output.weight", {H, I}, P::encoder_dense});
    w.push_back({p + "ffn.output.bias", {H}, P::encoder_other});
    w.push_back({p + "ffn.norm.weight", {H}, P::encoder_other});
    w.push_back({p + "ffn.norm.bias", {H}, P::encoder_other});
}

void add_head_specs(std::vector<WeightSpec>& w, const ModelConfig& c) {
    const int64_t H = c.hidden_size;
    const auto C = static_cast<int64_t>(c.labels.size());
    w.push_back({"head.dense.weight", {H, H}, WeightPart::head});
    w.push_back({"head.dense.bias", {H}, WeightPart::head});
    w.push_back({"head.out.weight", {C, H}, WeightPart::head});
    w.push_back({"head.out.bias", {C}, WeightPart::head});
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

}  // namespace bertcls::encoder_weights
