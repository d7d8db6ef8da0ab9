#include "layers/classification_head.h"

#include <algorithm>

namespace bertcls {

ClassificationHead::ClassificationHead(const ClassificationHeadWeights& weights, Activation activation,
                                       const MappedFile* source)
    : hidden_size_(weights.dense->shape.at(0)),
      dense_(*weights.dense, *weights.dense_bias, LinearEpilogue{.activation = activation}, source),
      out_(*weights.out, *weights.out_bias, {}, source) {}

void ClassificationHead::forward(const float* first_tokens, int64_t sequences, float* logits, Workspace& work) {
    const int64_t rows = padded_rows(sequences), C = out_.out_features();
    float* activated = Workspace::reserve(work.head_activated, static_cast<std::size_t>(rows * hidden_size_));
    float* padded_logits = Workspace::reserve(work.head_logits, static_cast<std::size_t>(rows * C));
    dense_.forward(first_tokens, rows, activated);
    out_.forward(activated, rows, padded_logits);
    std::copy_n(padded_logits, sequences * C, logits);
}

}  // namespace bertcls
