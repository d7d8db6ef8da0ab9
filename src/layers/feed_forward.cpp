#include "layers/feed_forward.h"

namespace bertcls {

namespace {

std::string prefix(int64_t weight_set) { return "layers." + std::to_string(weight_set) + ".ffn."; }

}  // namespace

FeedForward::FeedForward(const ModelFile& model, int64_t weight_set, ComputeType compute)
    : intermediate_(model.dense_weight(prefix(weight_set) + "intermediate.weight",
                                 {model.config().intermediate_size, model.config().hidden_size}),
                    model.weight(prefix(weight_set) + "intermediate.bias", {model.config().intermediate_size}),
                    LinearEpilogue{.activation = model.config().hidden_act}, &model.container().mapping(), compute),
      output_(model.dense_weight(prefix(weight_set) + "output.weight",
                           {model.config().hidden_size, model.config().intermediate_size}),
              model.weight(prefix(weight_set) + "output.bias", {model.config().hidden_size}),
              LinearEpilogue{.accumulate = true}, &model.container().mapping(), compute),
      norm_(model.weight(prefix(weight_set) + "norm.weight", {model.config().hidden_size}),
            model.weight(prefix(weight_set) + "norm.bias", {model.config().hidden_size}),
            model.config().layer_norm_eps) {}

void FeedForward::forward(float* hidden, int64_t tokens, Workspace& work) {
    float* intermediate =
        Workspace::reserve(work.intermediate, static_cast<std::size_t>(tokens * intermediate_.out_features()));
    intermediate_.forward(hidden, tokens, intermediate);
    output_.forward(intermediate, tokens, hidden);
    norm_.forward(hidden, tokens);
}

}  // namespace bertcls
