#include "layers/feed_forward.h"

#include <algorithm>

namespace bertcls {

FeedForward::FeedForward(const FeedForwardWeights& weights, Activation activation, double layer_norm_eps,
                         const MappedFile* source, ComputeType compute)
    : intermediate_(weights.intermediate, *weights.intermediate_bias, LinearEpilogue{.activation = activation}, source,
                    compute),
      output_(weights.output, *weights.output_bias, LinearEpilogue{.accumulate = true}, source, compute),
      norm_(weights.norm, layer_norm_eps) {}

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
