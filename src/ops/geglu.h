#pragma once
// The gate of a GeGLU feed-forward (ModernBERT): each row of a [rows, 2I] projection holds the
// activation's input (columns 0..I) then the gate (I..2I); act(input) * gate goes to a contiguous
// [rows, I]. Contiguous because the next GEMM, when oneDNN runs it, may have no fast kernel for a
// strided input: on an AVX-512/AMX Xeon, oneDNN 2.6 ran a 512 -> 256 f32 matmul over rows of
// stride 1024 on its reference code, hundreds of times slower.
#include <cstdint>

#include "ops/activation.h"

namespace bertcls {

void geglu(const float* rows_2i, int64_t rows, int64_t intermediate, Activation activation, float* gated);

// GELU (erf) of one value as geglu computes it (a rational erf within a few float ulps);
// exposed for tests.
float gelu_erf_fast(float x);

}  // namespace bertcls
