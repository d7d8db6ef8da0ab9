// blocked_gemm for CPUs with AVX2 and FMA but no AVX-512. Only this file is compiled for them
// (by pragma, not by build flags), and it runs only after a CPU check, so the binary stays
// portable.
//
// Every output element is computed by the same operations in the same order whatever the row
// count or the threads: the bias (and the residual), then one FMA per input in input order, in
// passes whose boundaries depend only on `in`, then the activation. Tiles hold whole rows, so a
// row's results never depend on the rows computed beside it.
#include "ops/x86_intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "ops/blocked_gemm.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "ops/avx2_vec.h"

namespace bertcls::detail {

namespace {

constexpr int kTileRows = 6;        // 6 rows x 16 columns: 12 accumulators, 2 weights, 1 input of 16 registers
constexpr int64_t kMaxDepth = 256;  // inputs per pass: a panel's 256 x 64 floats (64 KiB) stay in L2 for all row tiles
constexpr int64_t kRowChunk = 512;  // rows per pass over the weights

// One pass of a few rows over `depth` inputs of one panel.
struct Tile {
    const float* x;
    const float* weight;  // the panel's first input of this pass: 64 floats per input
    int64_t depth;
    float* y;
    const float* bias;  // the panel's 64 biases
    bool first, last;   // the first and last pass over this panel
};

template <__m256 (*F)(__m256)>
void apply(float* y, int rows, int64_t y_stride) {
    for (int r = 0; r < rows; ++r)
        for (int j = 0; j < kPanel; j += 8) _mm256_storeu_ps(y + r * y_stride + j, F(_mm256_loadu_ps(y + r * y_stride + j)));
}

// The activation over a tile's outputs once they are stored, with one branch per tile rather
// than per vector. Not on the accumulators: a call that takes them by reference makes GCC keep
// them in memory throughout the tile's loop.
__attribute__((noinline)) void activate(Activation activation, float* y, int rows, int64_t y_stride) {
    switch (activation) {
        case Activation::gelu_erf: apply<vec_math::gelu_erf<Avx2Vec>>(y, rows, y_stride); return;
        case Activation::gelu_tanh: apply<vec_math::gelu_tanh<Avx2Vec>>(y, rows, y_stride); return;
        case Activation::relu: apply<vec_math::relu<Avx2Vec>>(y, rows, y_stride); return;
        case Activation::tanh: apply<vec_math::tanh<Avx2Vec>>(y, rows, y_stride); return;
    }
}

// R rows by V vectors (8V columns) from column `column` of the tile's panel. Kept out of line, as
// in the AVX-512 kernel, so that the accumulators stay in registers; the loops over them are
// unrolled by pragma for the same reason.
template <int R, int V>
__attribute__((noinline)) void run_strip(const Tile& t, int64_t column, const BlockedGemmArgs& a) {
    const int64_t xs = a.x_stride, ys = a.y_stride;
    float* y = t.y + column;
    __m256 acc[R][V];
    if (t.first) {
        // The bias (and the residual) go in first, so that later passes only add to y.
#pragma GCC unroll 8
        for (int j = 0; j < V; ++j) {
            const __m256 bias = _mm256_loadu_ps(t.bias + column + 8 * j);
#pragma GCC unroll 6
            for (int r = 0; r < R; ++r)
                acc[r][j] = a.accumulate ? _mm256_add_ps(_mm256_loadu_ps(y + r * ys + 8 * j), bias) : bias;
        }
    } else {
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int j = 0; j < V; ++j) acc[r][j] = _mm256_loadu_ps(y + r * ys + 8 * j);
    }
    const float* x = t.x;
    const float* w = t.weight + column;
    const int64_t depth = t.depth;
    for (int64_t k = 0; k < depth; ++k, w += kPanel) {
        __m256 wk[V];
#pragma GCC unroll 8
        for (int j = 0; j < V; ++j) wk[j] = _mm256_loadu_ps(w + 8 * j);
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) {
            const __m256 xv = _mm256_broadcast_ss(x + r * xs + k);
#pragma GCC unroll 8
            for (int j = 0; j < V; ++j) acc[r][j] = _mm256_fmadd_ps(xv, wk[j], acc[r][j]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
        for (int j = 0; j < V; ++j) _mm256_storeu_ps(y + r * ys + 8 * j, acc[r][j]);
}

// A tile of R rows across the panel, in strips as wide as the registers allow: 16 columns for 3
// to 6 rows, wider for fewer, whose few accumulators would otherwise wait on each other. The
// width changes nothing in what each output's arithmetic is.
template <int R>
void run_tile(const Tile& t, const BlockedGemmArgs& a) {
    constexpr int V = R == 1 ? 8 : R == 2 ? 4 : 2;
    for (int64_t column = 0; column < kPanel; column += 8 * V) run_strip<R, V>(t, column, a);
    if (t.last && a.activation) activate(*a.activation, t.y, R, a.y_stride);
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

// One thread's share: for each chunk of rows, each panel, each depth slice, all the chunk's row
// tiles (the panel's slice stays in L2 meanwhile, each tile's inputs in L1).
void run_share(const BlockedGemmArgs& a, const GemmShare& share) {
    const int64_t panel_floats = (a.in + 15) / 16 * 16 * kPanel;
    const int64_t depth = ceil_div(a.in, ceil_div(a.in, kMaxDepth));  // equal slices of at most kMaxDepth
    for (int64_t r0 = share.row_begin; r0 < share.row_end; r0 += kRowChunk) {
        const int64_t r1 = std::min(share.row_end, r0 + kRowChunk);
        for (int64_t panel = share.panel_begin; panel < share.panel_end; ++panel) {
            for (int64_t k0 = 0; k0 < a.in; k0 += depth) {
                Tile t{.x = nullptr,
                       .weight = a.weight + panel * panel_floats + k0 * kPanel,
                       .depth = std::min(depth, a.in - k0),
                       .y = nullptr,
                       .bias = a.bias + panel * kPanel,
                       .first = k0 == 0,
                       .last = k0 + depth >= a.in};
                for (int64_t r = r0; r < r1; r += kTileRows) {
                    t.x = a.x + r * a.x_stride + k0;
                    t.y = a.y + r * a.y_stride + panel * kPanel;
                    run_tile_rows(static_cast<int>(std::min<int64_t>(kTileRows, r1 - r)), t, a);
                }
            }
        }
    }
}

}  // namespace

void blocked_gemm_avx2(const BlockedGemmArgs& a) { run_on_threads(a, kTileRows, run_share); }

}  // namespace bertcls::detail

#pragma GCC pop_options
