// blocked_gemm for AVX-512 CPUs. Only this file is compiled for AVX-512 (by pragma, not by build
// flags), and it runs only after a CPU check, so the binary stays portable.
#include "ops/x86_intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "ops/blocked_gemm.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")

#include "ops/avx512_vec.h"

namespace bertcls::detail {

namespace {

constexpr int kTileRows = 6;          // 6 rows x 64 columns: 24 accumulators of the 32 registers
constexpr int64_t kMaxDepth = 768;    // inputs per pass over a panel: 768 x 64 floats = 192 KiB, in L2
constexpr int64_t kRowChunk = 512;    // rows per pass over the weights
constexpr int64_t kMaxPrefetch = 16;  // cache lines prefetched per 4 inputs

// One pass of up to 6 rows over `depth` inputs of one panel.
struct Tile {
    const float* x;
    const float* weight;  // the panel's first input of this pass: 64 floats per input
    int64_t depth;
    float* y;
    const float* bias;  // the panel's 64 biases
    bool first, last;   // the first and last pass over this panel
    // Lines of the next panel slice to pull into cache meanwhile: `per4` per 4 inputs, up to `end`.
    const char* prefetch;
    const char* prefetch_end;
    int64_t per4;
};

template <int R, __m512 (*F)(__m512)>
void apply(__m512 (&acc)[R][4]) {
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = F(acc[r][j]);
}

// The activation over a whole tile, with one branch per tile rather than per vector.
template <int R>
void activate(Activation activation, __m512 (&acc)[R][4]) {
    switch (activation) {
        case Activation::gelu_erf: apply<R, vec_math::gelu_erf<Avx512Vec>>(acc); return;
        case Activation::gelu_tanh: apply<R, vec_math::gelu_tanh<Avx512Vec>>(acc); return;
        case Activation::relu: apply<R, vec_math::relu<Avx512Vec>>(acc); return;
        case Activation::tanh: apply<R, vec_math::tanh<Avx512Vec>>(acc); return;
    }
}

// Kept out of line: inlined into run_block, GCC allocates the accumulators worse.
template <int R>
__attribute__((noinline)) void run_tile(const Tile& t, const BlockedGemmArgs& a) {
    const int64_t xs = a.x_stride, ys = a.y_stride;
    __m512 acc[R][4];
    if (t.first) {
        // The bias (and the residual) go in first, so that later passes only add to y.
        __m512 bias[4];
        for (int j = 0; j < 4; ++j) bias[j] = _mm512_loadu_ps(t.bias + 16 * j);
        for (int r = 0; r < R; ++r)
            for (int j = 0; j < 4; ++j)
                acc[r][j] = a.accumulate ? _mm512_add_ps(_mm512_loadu_ps(t.y + r * ys + 16 * j), bias[j]) : bias[j];
    } else {
        for (int r = 0; r < R; ++r)
            for (int j = 0; j < 4; ++j) acc[r][j] = _mm512_loadu_ps(t.y + r * ys + 16 * j);
    }
    const float* x = t.x;
    const float* w = t.weight;
    const auto step = [&](int64_t k) {
        const float* wk = w + k * kPanel;
        const __m512 w0 = _mm512_loadu_ps(wk), w1 = _mm512_loadu_ps(wk + 16), w2 = _mm512_loadu_ps(wk + 32),
                     w3 = _mm512_loadu_ps(wk + 48);
        for (int r = 0; r < R; ++r) {
            const __m512 xv = _mm512_set1_ps(x[r * xs + k]);
            acc[r][0] = _mm512_fmadd_ps(xv, w0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(xv, w1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(xv, w2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(xv, w3, acc[r][3]);
        }
    };
    const char* prefetch = t.prefetch;
    int64_t k = 0;
    for (; k + 4 <= t.depth; k += 4) {
        for (int64_t i = 0; i < t.per4 && prefetch < t.prefetch_end; ++i, prefetch += 64)
            _mm_prefetch(prefetch, _MM_HINT_T0);
        // Not unrolled: GCC then hoists the next inputs' weight loads and spills accumulators.
#pragma GCC unroll 1
        for (int u = 0; u < 4; ++u) step(k + u);
    }
    for (; k < t.depth; ++k) step(k);
    if (t.last && a.activation) activate<R>(*a.activation, acc);
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) _mm512_storeu_ps(t.y + r * ys + 16 * j, acc[r][j]);
}

void run_tile_rows(int rows, const Tile& t, const BlockedGemmArgs& a) {
    switch (rows) {
        case 6: run_tile<6>(t, a); return;
        case 5: run_tile<5>(t, a); return;
        case 4: run_tile<4>(t, a); return;
        case 3: run_tile<3>(t, a); return;
        case 2: run_tile<2>(t, a); return;
        case 1: run_tile<1>(t, a); return;
        default: return;
    }
}

struct Slice {  // the weights of one pass: `depth` inputs of panel `panel` from input k0
    const float* weight;
    int64_t depth, panel, k0;
};

// One thread's share: for each chunk of rows, each panel, each depth slice, all rows' tiles,
// while the next slice streams in.
void run_block(const BlockedGemmArgs& a, const GemmShare& share) {
    const int64_t row_begin = share.row_begin, row_end = share.row_end;
    const int64_t panel_begin = share.panel_begin, panel_end = share.panel_end;
    const int64_t depth = ceil_div(a.in, ceil_div(a.in, kMaxDepth));  // equal slices of at most kMaxDepth
    const int64_t panel_floats = (a.in + 15) / 16 * 16 * kPanel;
    const int64_t slices = ceil_div(a.in, depth), panels = panel_end - panel_begin;
    const int64_t chunks = ceil_div(row_end - row_begin, kRowChunk), steps = chunks * panels * slices;
    // Step i works on this weight slice (the same panels again for every chunk of rows).
    const auto slice_at = [&](int64_t i) {
        const int64_t k0 = i % slices * depth, panel = panel_begin + i / slices % panels;
        return Slice{a.weight + panel * panel_floats + k0 * kPanel, std::min(depth, a.in - k0), panel, k0};
    };
    for (int64_t i = 0; i < steps; ++i) {
        const int64_t r0 = row_begin + i / (panels * slices) * kRowChunk, r1 = std::min(row_end, r0 + kRowChunk);
        const int64_t tiles = ceil_div(r1 - r0, kTileRows);
        const Slice current = slice_at(i);
        const Slice next = i + 1 < steps ? slice_at(i + 1) : Slice{nullptr, 0, 0, 0};
        const auto* prefetch = reinterpret_cast<const char*>(next.weight);
        const int64_t lines = next.depth * kPanel * 4 / 64;
        const int64_t slots = current.depth / 4;  // prefetch slots per tile
        const int64_t per4 = next.weight && slots > 0 ? std::min(kMaxPrefetch, ceil_div(lines, tiles * slots)) : 0;
        Tile t{.x = nullptr,
               .weight = current.weight,
               .depth = current.depth,
               .y = nullptr,
               .bias = a.bias + current.panel * kPanel,
               .first = current.k0 == 0,
               .last = current.k0 + current.depth >= a.in,
               .prefetch = prefetch,
               .prefetch_end = prefetch + lines * 64,
               .per4 = per4};
        for (int64_t r = r0; r < r1; r += kTileRows) {
            t.x = a.x + r * a.x_stride + current.k0;
            t.y = a.y + r * a.y_stride + current.panel * kPanel;
            run_tile_rows(static_cast<int>(std::min<int64_t>(kTileRows, r1 - r)), t, a);
            t.prefetch += slots * per4 * 64;
        }
    }
}

}  // namespace

void blocked_gemm_avx512(const BlockedGemmArgs& a) { run_on_threads(a, kTileRows, run_block); }

}  // namespace bertcls::detail

#pragma GCC pop_options
