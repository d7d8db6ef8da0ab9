#include "layers/classification_head.h"

#include <algorithm>

namespace bertcls {

ClassificationHead::ClassificationHead(const ModelFile& model)
    : hidden_size_(model.config().hidden_size),
      dense_(model.weight("head.dense.weight", {hidden_size_, hidden_size_}),
             model.weight("head.dense.bias", {hidden_size_}),
             LinearEpilogue{.activation = model.config().head_activation}, &model.container().mapping()),
      out_(model.weight("head.out.weight", {static_cast<int64_t>(model.config().labels.size()), hidden_size_}),
           model.weight("head.out.bias", {static_cast<int64_t>(model.config().labels.size())}), {},
           &model.container().mapping()) {}

void ClassificationHead::forward(const float* hidden, const PackedBatch& batch, float* logits) {
    const int64_t B = batch.sequences(), rows = padded_rows(B), C = out_.out_features();
    pooled_.resize(static_cast<std::size_t>(rows * hidden_size_));
    // The first rows of each sequence are gathered into one contiguous block so both GEMMs
    // run once for the whole batch.
    for (int64_t s = 0; s < B; ++s) {
        const float* first = hidden + batch.offsets[s] * hidden_size_;
        std::copy(first, first + hidden_size_, pooled_.begin() + s * hidden_size_);
    }
    activated_.resize(pooled_.size());
    logits_.resize(static_cast<std::size_t>(rows * C));
    dense_.forward(pooled_.data(), rows, activated_.data());
    out_.forward(activated_.data(), rows, logits_.data());
    std::copy(logits_.begin(), logits_.begin() + B * C, logits);
}

}  // namespace bertcls
