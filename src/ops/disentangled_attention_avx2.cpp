// The disentangled attention kernel compiled for AVX2 + FMA CPUs by pragma, run only after a
// CPU check (ops/disentangled_attention.cpp).
#include <algorithm>
#include <cmath>

#include "ops/disentangled_attention.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace bertcls::detail {
namespace avx2 {
#include "ops/disentangled_attention_impl.inc"
}  // namespace avx2

void disentangled_head_avx2(const DisentangledHead& head, float* scratch) { avx2::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
