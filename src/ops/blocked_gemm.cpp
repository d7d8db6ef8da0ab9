#include "ops/blocked_gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace bertcls {

namespace {

std::string_view gemm_choice() {
    const char* choice = std::getenv("BERTCLS_GEMM");
    return choice ? choice : "";
}

enum class Kernel { none, avx2, avx512 };

Kernel detect() {
    if (gemm_choice() == "onednn") return Kernel::none;
    __builtin_cpu_init();
    // The ISA sets the kernel files are compiled for (and_ps/or_ps are AVX512DQ).
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return Kernel::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Kernel::avx2;
    return Kernel::none;
}

const Kernel kKernel = detect();
const bool kAnySize = gemm_choice() == "blocked";

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

bool blocked_gemm_available() { return kKernel != Kernel::none; }

bool blocked_gemm_fits(int64_t in, int64_t out) {
    // On AVX-512, a weight that stays in cache gains nothing from prefetching, and there oneDNN's
    // kernels are as fast (and faster on two threads for the 2-layer, 128-wide models).
    constexpr int64_t kMinWeightBytes = 1 << 20;
    return in > 0 && out > 0 && out % 64 == 0 &&
           (kKernel == Kernel::avx2 || kAnySize || in * out * static_cast<int64_t>(sizeof(float)) >= kMinWeightBytes);
}

void blocked_gemm(const BlockedGemmArgs& args) {
    if (args.rows == 0) return;
    BlockedGemmArgs resolved = args;
    if (resolved.out_end == 0) resolved.out_end = args.out;
    if (resolved.y_stride == 0) resolved.y_stride = args.out;
    if (resolved.out_begin >= resolved.out_end) return;
    if (kKernel == Kernel::avx512) detail::blocked_gemm_avx512(resolved);
    else detail::blocked_gemm_avx2(resolved);
}

namespace detail {

void run_on_threads(const BlockedGemmArgs& a, int64_t tile_rows, void (*run)(const BlockedGemmArgs&, const GemmShare&)) {
    constexpr int64_t kPanel = 64;
    constexpr double kFlopsPerThread = 2e6;  // below this, waking another thread costs more than it saves
    const int64_t first_panel = a.out_begin / kPanel, panels = a.out_end / kPanel - first_panel;
    const int64_t tiles = ceil_div(a.rows, tile_rows);
    const double flops = 2.0 * static_cast<double>(a.rows) * static_cast<double>(a.in) * static_cast<double>(panels * kPanel);
    const int64_t threads = std::clamp<int64_t>(static_cast<int64_t>(flops / kFlopsPerThread), 1, omp_get_max_threads());
    const int64_t column_groups = std::max<int64_t>(1, std::min(threads, panels / 2));
    const int64_t row_groups = std::min(threads / column_groups, tiles);
    if (column_groups * row_groups == 1) {
        run(a, {0, a.rows, first_panel, first_panel + panels});
        return;
    }
#pragma omp parallel num_threads(static_cast<int>(column_groups * row_groups))
    {
        const int64_t t = omp_get_thread_num();
        const int64_t column = t % column_groups, row = t / column_groups;
        const int64_t tiles_per_group = ceil_div(tiles, row_groups);
        run(a, {std::min(a.rows, row * tiles_per_group * tile_rows), std::min(a.rows, (row + 1) * tiles_per_group * tile_rows),
                first_panel + panels * column / column_groups, first_panel + panels * (column + 1) / column_groups});
    }
}

}  // namespace detail

}  // namespace bertcls
