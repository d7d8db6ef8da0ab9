// The attention kernel for AVX-512 CPUs. Only this file is compiled for AVX-512 (by pragma, not
// by build flags), and it runs only after a CPU check, so the binary stays portable.
#include "ops/x86_intrinsics.h"

#include <cstdint>

#include "ops/attention_kernel.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")

#include "ops/avx512_vec.h"

namespace bertcls::detail {
namespace avx512 {

using Vec = Avx512Vec;

#include "ops/attention_kernel_impl.inc"

}  // namespace avx512

void attention_head_avx512(const AttentionHead& head, float* scratch) { avx512::run_head(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
