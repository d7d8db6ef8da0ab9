#pragma once
// Our own f32 GEMM over weights in the blocked layout (BA16a64b, format/dense_weight.h), for
// AVX-512 CPUs: y = act(x · W + b (+ y)).
//
// Why not oneDNN's: a forward pass reads every weight from memory exactly once per layer, and
// oneDNN 2.6's kernels stall on that stream (190-206 GFLOP/s on bert-base's layers against
// 215-220 with the weights in cache). This kernel software-prefetches the next weight panel while
// it multiplies the current one, which gets 205-214 GFLOP/s on the same cold sequence of layers.
// Bias, residual and activation are applied in registers on the last pass over each tile.
#include <cstdint>
#include <optional>

#include "ops/activation.h"

namespace bertcls {

struct BlockedGemmArgs {
    const float* x;     // [rows, in], row stride x_stride
    int64_t rows, x_stride;
    const float* weight;  // [in, out] as BA16a64b: in padded to 16, out a multiple of 64
    int64_t in, out;
    const float* bias;  // [out]
    float* y;           // [rows, out], row stride y_stride
    bool accumulate;    // y = x·W + b + y (the residual), before the activation
    std::optional<Activation> activation;
    // Only outputs [out_begin, out_end) are computed (multiples of 64; out_end 0 = out); y's
    // other columns are left as they are.
    int64_t out_begin = 0, out_end = 0;
    int64_t y_stride = 0;  // 0 = out
};

// Whether this CPU can run blocked_gemm (AVX-512 F, DQ, BW and VL) and it is not switched off:
// BERTCLS_GEMM=onednn keeps every layer on oneDNN, to compare the two.
bool blocked_gemm_available();
// Whether f32 layers of this shape run on blocked_gemm: out a multiple of 64, and a weight too
// large to stay in cache (1 MiB and up). blocked_gemm itself takes any such out, and
// BERTCLS_GEMM=blocked drops the size limit, so that the small reference models test the
// kernel's path through the whole encoder.
bool blocked_gemm_fits(int64_t in, int64_t out);

void blocked_gemm(const BlockedGemmArgs& args);

namespace detail {
// out_end and y_stride already resolved (not 0).
void blocked_gemm_avx512(const BlockedGemmArgs& args);
}

}  // namespace bertcls
