#include "ops/blocked_gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

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

}  // namespace

bool blocked_gemm_available() { return kKernel != Kernel::none; }

bool blocked_gemm_fits(int64_t in, int64_t out) {
    if (in <= 0 || out <= 0) return false;
    if (kKernel == Kernel::avx2) return true;
    // On AVX-512, a weight that stays in cache gains nothing from prefetching, and there oneDNN's
    // kernels are as fast (and faster on two threads for the 2-layer, 128-wide models).
    constexpr int64_t kMinWeightBytes = 1 << 20;
    return out % 64 == 0 && (kAnySize || in * out * static_cast<int64_t>(sizeof(float)) >= kMinWeightBytes);
}

namespace {

void run_kernel(const BlockedGemmArgs& resolved) {
    if (kKernel == Kernel::avx512) detail::blocked_gemm_avx512(resolved);
    else detail::blocked_gemm_avx2(resolved);
}

// The kernels compute whole 64-wide panels, and the weight's last one is padded with zeros: a
// call that ends inside it runs into 64-wide rows of a scratch (with a zero-padded bias, and the
// residual copied in) and copies the real columns out. Each output is still the same FMA chain.
void run_through_padded_rows(const BlockedGemmArgs& a) {
    const int64_t padded = detail::ceil_div(a.out, detail::kPanel) * detail::kPanel, width = a.out_end - a.out_begin;
    thread_local std::vector<float> bias, y;
    bias.assign(static_cast<std::size_t>(padded), 0.0f);
    std::copy_n(a.bias, a.out, bias.begin());
    y.resize(static_cast<std::size_t>(a.rows * padded));
    if (a.accumulate)
        for (int64_t r = 0; r < a.rows; ++r)
            std::copy_n(a.y + r * a.y_stride + a.out_begin, width, y.begin() + r * padded + a.out_begin);
    BlockedGemmArgs in_scratch = a;
    in_scratch.out = padded;
    in_scratch.out_end = padded;
    in_scratch.bias = bias.data();
    in_scratch.y = y.data();
    in_scratch.y_stride = padded;
    run_kernel(in_scratch);
    for (int64_t r = 0; r < a.rows; ++r)
        std::copy_n(y.begin() + r * padded + a.out_begin, width, a.y + r * a.y_stride + a.out_begin);
}

}  // namespace

void blocked_gemm(const BlockedGemmArgs& args) {
    if (args.rows == 0) return;
    BlockedGemmArgs resolved = args;
    if (resolved.out_end == 0) resolved.out_end = args.out;
    if (resolved.y_stride == 0) resolved.y_stride = args.out;
    if (resolved.out_begin >= resolved.out_end) return;
    if (resolved.out_end % 64 != 0) run_through_padded_rows(resolved);
    else run_kernel(resolved);
}

namespace detail {

void run_on_threads(const BlockedGemmArgs& a, int64_t tile_rows, void (*run)(const BlockedGemmArgs&, const GemmShare&)) {
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
