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

void ClassificationHead::forward(const float* first_tokens, int64_t sequences, float* logits, Workspace& work) {
    const int64_t rows = padded_rows(sequences), C = out_.out_features();
    float* activated = Workspace::reserve(work.head_activated, static_cast<std::size_t>(rows * hidden_size_));
    float* padded_logits = Workspace::reserve(work.head_logits, static_cast<std::size_t>(rows * C));
    dense_.forward(first_tokens, rows, activated);
    out_.forward(activated, rows, padded_logits);
    std::copy_n(padded_logits, sequences * C, logits);
}

}  // namespace bertcls
