#pragma once
// Every family's head has the same shape: first token -> dense -> activation -> out.
// (BERT/ALBERT: pooler + tanh; DistilBERT: pre_classifier + ReLU; RoBERTa: tanh; ELECTRA: GELU.)
#include <vector>

#include "layers/packed_batch.h"
#include "layers/workspace.h"
#include "ops/linear.h"
#include "util/mapped_file.h"

namespace bertcls {

// dense [H, H] and out [labels, H], each with its bias.
struct ClassificationHeadWeights {
    const TensorInfo* dense = nullptr;
    const TensorInfo* dense_bias = nullptr;
    const TensorInfo* out = nullptr;
    const TensorInfo* out_bias = nullptr;
};

class ClassificationHead {
public:
    ClassificationHead(const ClassificationHeadWeights& weights, Activation activation, const MappedFile* source);

    // first_tokens: each sequence's first-token hidden state, [padded_rows(sequences), H] (rows
    // past `sequences` are padding). Writes [sequences, labels] logits.
    void forward(const float* first_tokens, int64_t sequences, float* logits, Workspace& work);

    void pack_weights() {
        dense_.pack();
        out_.pack();
    }

private:
    int64_t hidden_size_;
    Linear dense_;
    Linear out_;
};

}  // namespace bertcls
