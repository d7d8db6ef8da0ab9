#pragma once
// A 1-D convolution over the tokens of packed sequences (DeBERTa-v2's ConvLayer), with
// PyTorch's Conv1d weight layout [out, in / groups, kernel], zero padding of (kernel - 1) / 2 on
// each side of every sequence (a sequence never sees its neighbours in the batch), and an
// activation on the result.
#include <cstdint>
#include <vector>

#include "ops/activation.h"
#include "util/tensor.h"

namespace bertcls {

class Conv1d {
public:
    // weight [out, in / groups, kernel] with an odd kernel, bias [out].
    Conv1d(const TensorInfo& weight, const TensorInfo& bias, int64_t groups, Activation activation);

    // x: [tokens, in]; offsets: sequences + 1 bounds of the packed sequences; y: [tokens, out].
    void forward(const float* x, const std::vector<int64_t>& offsets, float* y) const;

private:
    int64_t out_, in_, groups_, kernel_;
    Activation activation_;
    std::vector<float> weight_t_;  // [groups][kernel][in / groups][out / groups]
    const float* bias_;
};

// y = activation(y), elementwise, as transformers computes it (gelu: erf form; gelu_new: tanh form).
void apply_activation(float* y, int64_t n, Activation activation);

}  // namespace bertcls
