// The attention kernel for AVX2 + FMA CPUs, compiled for them by pragma and run only after a
// CPU check.
#include "ops/x86_intrinsics.h"

#include <cstdint>

#include "ops/attention_kernel.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "ops/avx2_vec.h"

namespace bertcls::detail {
namespace avx2 {

using Vec = Avx2Vec;

#include "ops/attention_kernel_impl.inc"

}  // namespace avx2

void attention_head_avx2(const AttentionHead& head, float* scratch) { avx2::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
