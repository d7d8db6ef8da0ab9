#include "layers/feed_forward.h"

#include <algorithm>

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
    // Rows are independent here, so the FFN runs in blocks of rows: the intermediate activations
    // (4x wider than the hidden state) of a block stay in cache between the two GEMMs instead of
    // a whole batch's going out to memory and back, and the buffer stays small.
    const int64_t block = std::min<int64_t>(tokens, kRowBlock);
    const int64_t H = output_.out_features();
    float* intermediate =
        Workspace::reserve(work.intermediate, static_cast<std::size_t>(block * intermediate_.out_features()));
    for (int64_t first = 0; first < tokens; first += block) {
        const int64_t rows = std::min(block, tokens - first);
        intermediate_.forward(hidden + first * H, rows, intermediate);
        output_.forward(intermediate, rows, hidden + first * H);
    }
    norm_.forward(hidden, tokens);
}

}  // namespace bertcls
