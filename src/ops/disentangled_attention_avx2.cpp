// The disentangled attention kernel for AVX2 + FMA CPUs, compiled for them by pragma and run only
// after a CPU check (ops/disentangled_attention.cpp). It reuses the fused BERT kernel's pieces
// (ops/attention_kernel_impl.inc: register-blocked Q·Kᵀ, the vectorised softmax and the weighted
// sum of values) and adds the two relative terms: per block of query rows (c2p) or key rows (p2c)
// a register-blocked product with the window of position rows their distances reach, then a
// gather by distance (vgatherdps) into the scores.
#include "ops/x86_intrinsics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ops/attention_kernel.h"
#include "ops/disentangled_attention.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include "ops/avx2_vec.h"

namespace bertcls::detail {
namespace disentangled_avx2 {

using Vec = Avx2Vec;


#include "ops/attention_kernel_impl.inc"

// out[r][m0 .. m0 + C*W) = sum_x rows[r][x] * t[x][m0 ..], t with row stride ts, out with os.
template <int R, int C>
inline void window_block(const float* rows, int64_t rs, const float* t, int64_t ts, int64_t d, float* out,
                         int64_t os, int64_t m0) {
    Vec::V acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) acc[r][c] = Vec::zero();
    for (int64_t x = 0; x < d; ++x) {
        Vec::V tv[C];
        for (int c = 0; c < C; ++c) tv[c] = Vec::load(t + x * ts + m0 + c * Vec::W);
        for (int r = 0; r < R; ++r) {
            const Vec::V a = Vec::set1(rows[r * rs + x]);
            for (int c = 0; c < C; ++c) acc[r][c] = Vec::fmadd(a, tv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) Vec::store(out + r * os + m0 + c * Vec::W, acc[r][c]);
}

// The first `width` columns (rounded up to whole vectors: t is readable that far).
template <int R>
inline void window_rows(const float* rows, int64_t rs, const float* t, int64_t ts, int64_t d, float* out, int64_t os,
                        int64_t width) {
    const int64_t vectors = (width + Vec::W - 1) / Vec::W;
    int64_t v = 0;
    for (; v + kCols <= vectors; v += kCols) window_block<R, kCols>(rows, rs, t, ts, d, out, os, v * Vec::W);
    for (; v < vectors; ++v) window_block<R, 1>(rows, rs, t, ts, d, out, os, v * Vec::W);
}

template <int R>
inline void window_rows_n(int n, const float* rows, int64_t rs, const float* t, int64_t ts, int64_t d, float* out,
                          int64_t os, int64_t width) {
    switch (n) {
        case 4: window_rows<4>(rows, rs, t, ts, d, out, os, width); break;
        case 3: window_rows<3>(rows, rs, t, ts, d, out, os, width); break;
        case 2: window_rows<2>(rows, rs, t, ts, d, out, os, width); break;
        default: window_rows<1>(rows, rs, t, ts, d, out, os, width); break;
    }
}

template <int R>
inline void content_block(const DisentangledHead& h, int64_t i, const float* kt, int64_t lp, float* s) {
    score_rows<R>(h.q + i * h.qkv_stride, h.qkv_stride, kt, lp, lp, h.head_size, 1.0f, s + i * lp, lp);
}

template <int R>
inline void finish_block(const DisentangledHead& h, int64_t i, int64_t lp, float* s) {
    const int64_t L = h.length;
    const Vec::V scale = Vec::set1(h.scale);
    for (int r = 0; r < R; ++r) {
        float* row = s + (i + r) * lp;
        int64_t j = 0;
        for (; j + Vec::W <= L; j += Vec::W) Vec::store(row + j, Vec::mul(Vec::load(row + j), scale));
        for (; j < L; ++j) row[j] *= h.scale;
        softmax_row(row, L, lp);
        if (h.probs)
            for (int64_t k = 0; k < L; ++k) h.probs[(i + r) * L + k] = row[k];
    }
    context_rows<R>(s + i * lp, lp, h.v, h.qkv_stride, L, h.head_size, h.context + i * h.context_stride,
                    h.context_stride);
}

inline void run(const DisentangledHead& h, float* scratch) {
    const int64_t L = h.length, d = h.head_size, lp = padded_length(L);
    const int64_t Q = h.queries > 0 ? h.queries : L;
    const int64_t ws = lp + 16;                     // window row stride
    float* kt = scratch;                            // [d, lp]
    float* s = kt + d * lp;                         // [Q, lp] scores
    float* win = s + L * lp;                        // [4, ws] window products
    auto* ridx = reinterpret_cast<int32_t*>(win + 4 * ws);  // [2 L - 1] index reversed
    const AttentionHead keys{.q = h.q, .k = h.k, .v = h.v, .qkv_stride = h.qkv_stride, .length = L,
                             .head_size = d, .scale = 1.0f, .context = nullptr, .context_stride = 0};
    transpose_keys(keys, kt, lp);
    int64_t i = 0;
    for (; i + kRows <= Q; i += kRows) content_block<kRows>(h, i, kt, lp, s);
    switch (Q - i) {
        case 3: content_block<3>(h, i, kt, lp, s); break;
        case 2: content_block<2>(h, i, kt, lp, s); break;
        case 1: content_block<1>(h, i, kt, lp, s); break;
        default: break;
    }
    const int32_t* index = h.index;
    if (h.pos_key_t || h.pos_query_t)
        for (int64_t u = 0; u < 2 * L - 1; ++u) ridx[u] = index[2 * L - 2 - u];
    // c2p: s[i][j] += T[r][index[i - j + L - 1] - lo], T the block's product with its window;
    // along j the indices are ridx[L - 1 - i + j], ascending.
    if (h.pos_key_t) {
        for (int64_t i0 = 0; i0 < Q; i0 += 4) {
            const int n = static_cast<int>(std::min<int64_t>(4, Q - i0));
            const int64_t lo = index[i0], hi = index[i0 + n - 1 + L - 1];
            window_rows_n<4>(n, h.q + i0 * h.qkv_stride, h.qkv_stride, h.pos_key_t + lo, h.pos_rows, d, win, ws,
                             hi - lo + 1);
            for (int r = 0; r < n; ++r) {
                const int64_t row_i = i0 + r;
                float* row = s + row_i * lp;
                const float* w = win + r * ws;
                const int32_t* base = ridx + (L - 1 - row_i);
                const __m256i shift = _mm256_set1_epi32(static_cast<int32_t>(lo));
                int64_t j = 0;
                for (; j + 8 <= L; j += 8) {
                    const __m256i at = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + j)), shift);
                    Vec::store(row + j, Vec::add(Vec::load(row + j), _mm256_i32gather_ps(w, at, 4)));
                }
                for (; j < L; ++j) row[j] += w[base[j] - lo];
            }
        }
    }
    // p2c: s[i][j0 + r] += U[r][index[i - j0 - r + L - 1] - lo], U the key block's product with its
    // window; along r the indices are ridx[L - 1 - i + j0 + r], ascending.
    if (h.pos_query_t) {
        for (int64_t j0 = 0; j0 < L; j0 += 4) {
            const int n = static_cast<int>(std::min<int64_t>(4, L - j0));
            const int64_t lo = index[L - 1 - (j0 + n - 1)], hi = index[Q - 1 + L - 1 - j0];
            window_rows_n<4>(n, h.k + j0 * h.qkv_stride, h.qkv_stride, h.pos_query_t + lo, h.pos_rows, d, win, ws,
                             hi - lo + 1);
            if (n == 4) {
                const __m128i rows = _mm_setr_epi32(0, static_cast<int32_t>(ws), static_cast<int32_t>(2 * ws),
                                                    static_cast<int32_t>(3 * ws));
                const __m128i shift = _mm_set1_epi32(static_cast<int32_t>(lo));
                for (int64_t qi = 0; qi < Q; ++qi) {
                    const int32_t* base = ridx + (L - 1 - qi + j0);
                    const __m128i at = _mm_add_epi32(
                        rows, _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(base)), shift));
                    float* row = s + qi * lp + j0;
                    _mm_storeu_ps(row, _mm_add_ps(_mm_loadu_ps(row), _mm_i32gather_ps(win, at, 4)));
                }
            } else {
                for (int64_t qi = 0; qi < Q; ++qi) {
                    const int32_t* base = ridx + (L - 1 - qi + j0);
                    float* row = s + qi * lp + j0;
                    for (int r = 0; r < n; ++r) row[r] += win[r * ws + base[r] - lo];
                }
            }
        }
    }
    i = 0;
    for (; i + kRows <= Q; i += kRows) finish_block<kRows>(h, i, lp, s);
    switch (Q - i) {
        case 3: finish_block<3>(h, i, lp, s); break;
        case 2: finish_block<2>(h, i, lp, s); break;
        case 1: finish_block<1>(h, i, lp, s); break;
        default: break;
    }
}

}  // namespace disentangled_avx2

void disentangled_head_avx2(const DisentangledHead& head, float* scratch) { disentangled_avx2::run(head, scratch); }

}  // namespace bertcls::detail

#pragma GCC pop_options
