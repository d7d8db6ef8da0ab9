#pragma once
// The gate of a GeGLU feed-forward (ModernBERT): each row of a [rows, 2I] projection holds the
// activation's input (columns 0..I) then the gate (I..2I); act(input) * gate is written over the
// input half, in place, so the next GEMM reads it with a row stride of 2I and no copy.
#include <cstdint>

#include "ops/activation.h"

namespace bertcls {

void geglu_in_place(float* rows_2i, int64_t rows, int64_t intermediate, Activation activation);

// GELU (erf) of one value as geglu_in_place computes it (a rational erf within a few float ulps);
// exposed for tests.
float gelu_erf_fast(float x);

}  // namespace bertcls
