#include "ops/blocked_gemm.h"

#include <cstdlib>
#include <string_view>

namespace bertcls {

namespace {

std::string_view gemm_choice() {
    const char* choice = std::getenv("BERTCLS_GEMM");
    return choice ? choice : "";
}

bool detect() {
    if (gemm_choice() == "onednn") return false;
    __builtin_cpu_init();
    // The ISA set blocked_gemm_avx512.cpp is compiled for (and_ps/or_ps are AVX512DQ).
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

const bool kAvailable = detect();
const bool kAnySize = gemm_choice() == "blocked";

}  // namespace

bool blocked_gemm_available() { return kAvailable; }

bool blocked_gemm_fits(int64_t in, int64_t out) {
    // A weight that stays in cache gains nothing from prefetching, and there oneDNN's kernels
    // are as fast (and faster on two threads for the 2-layer, 128-wide models).
    constexpr int64_t kMinWeightBytes = 1 << 20;
    return in > 0 && out > 0 && out % 64 == 0 &&
           (kAnySize || in * out * static_cast<int64_t>(sizeof(float)) >= kMinWeightBytes);
}

void blocked_gemm(const BlockedGemmArgs& args) {
    if (args.rows == 0) return;
    BlockedGemmArgs resolved = args;
    if (resolved.out_end == 0) resolved.out_end = args.out;
    if (resolved.y_stride == 0) resolved.y_stride = args.out;
    if (resolved.out_begin < resolved.out_end) detail::blocked_gemm_avx512(resolved);
}

}  // namespace bertcls
