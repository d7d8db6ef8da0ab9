#pragma once
// Our own f32 GEMM over weights in the blocked layout (BA16a64b, ops/dense_weight.h):
// y = act(x · W + b (+ y)), with one kernel for AVX-512 CPUs and one for AVX2 + FMA CPUs.
//
// Why not oneDNN's, on AVX-512: a forward pass reads every weight from memory exactly once per
// layer, and oneDNN 2.6's kernels stall on that stream. The AVX-512 kernel software-prefetches
// the next weight panel while it multiplies the current one.
// Why not oneDNN's, below AVX-512: oneDNN 2.6 runs f32 there on its AVX2 sgemm, which rounds a
// row differently depending on how many rows the call has (a record's scores would depend on
// the rest of its batch), JIT-compiles its kernels on the first call (most of a one-text
// classify on a small model), and wants its own weight layout, which is not the converter's.
// The AVX2 kernel computes each output by the same operations whatever the row count or the
// threads, and reads the converter's layout in place.
// Bias, residual and activation are applied in registers on the last pass over each tile.
#include <cstdint>
#include <optional>

#include "ops/activation.h"

namespace bertcls {

struct BlockedGemmArgs {
    const float* x;     // [rows, in], row stride x_stride
    int64_t rows, x_stride;
    const float* weight;  // [in, out] as BA16a64b: in padded to 16, out to 64, with zeros
    int64_t in, out;
    const float* bias;  // [out]
    float* y;           // [rows, out], row stride y_stride
    bool accumulate;    // y = x·W + b + y (the residual), before the activation
    std::optional<Activation> activation;
    // Only outputs [out_begin, out_end) are computed (multiples of 64, or out_end = out; out_end
    // 0 = out); y's other columns are left as they are.
    int64_t out_begin = 0, out_end = 0;
    int64_t y_stride = 0;  // 0 = out
};

// Whether this CPU can run blocked_gemm (AVX-512 F, DQ, BW and VL, or AVX2 and FMA) and it is
// not switched off: BERTCLS_GEMM=onednn keeps every layer on oneDNN, to compare the two.
bool blocked_gemm_available();
// Whether f32 layers of this shape run on blocked_gemm: on AVX-512, out a multiple of 64 and a
// weight too large to stay in cache (1 MiB and up); BERTCLS_GEMM=blocked drops the size limit,
// so that the small reference models test the AVX-512 kernel's path through the whole encoder.
// Below AVX-512 every shape runs on it, down to a classifier head of a few outputs: oneDNN
// would make results depend on the batch there (see above), and its JIT would cost a one-text
// classify most of its time. blocked_gemm itself takes any out: the kernels compute whole
// 64-wide panels, and a call ending inside the weight's zero-padded last panel goes through a
// scratch of whole panels (slower by a copy, which only small layers pay).
bool blocked_gemm_fits(int64_t in, int64_t out);

void blocked_gemm(const BlockedGemmArgs& args);

namespace detail {
inline constexpr int64_t kPanel = 64;  // output columns per weight panel (the layout's 64b)
inline constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
// One thread's share of a call: rows [row_begin, row_end) times weight panels [panel_begin, panel_end).
struct GemmShare {
    int64_t row_begin, row_end, panel_begin, panel_end;
};
// Splits a call over as many threads as its size pays for (panels first, so that each thread
// reads only its share of the weights, then rows in whole tiles of `tile_rows`) and runs each
// share. A row's results do not depend on the split.
void run_on_threads(const BlockedGemmArgs& args, int64_t tile_rows, void (*run)(const BlockedGemmArgs&, const GemmShare&));
// The kernels, with out_end and y_stride already resolved (not 0).
void blocked_gemm_avx512(const BlockedGemmArgs& args);
void blocked_gemm_avx2(const BlockedGemmArgs& args);
}  // namespace detail

}  // namespace bertcls
