#pragma once
// DeBERTa's disentangled self-attention for one head of one sequence, fused: content scores
// (Q·Kᵀ), content-to-position (c2p: each query against the position keys of its relative
// distances) and position-to-content (p2c: each key against the position queries), softmax and
// the weighted sum of values. The relative terms are never formed as full [L, 2k] products:
// for a block of R query rows (c2p) or key rows (p2c) only the window of position rows their
// distances reach is multiplied (at most L + R - 1 rows), then gathered by distance.
// Vectorised for AVX2 (chosen at run time), with a portable build of the same code.
#include <cstddef>
#include <cstdint>

namespace bertcls {

// transformers' make_log_bucket_position: relative distances within buckets/2 stay as they are,
// longer ones go to log-spaced buckets up to max_position; buckets <= 0: the distance itself.
int64_t relative_bucket(int64_t distance, int64_t buckets, int64_t max_position);

// The position row each distance uses in a sequence of `length` tokens: for query i and key j,
// index[i - j + length - 1] = clamp(span + bucket(i - j), 0, 2 span - 1); 2 length - 1 entries.
void relative_indices(int64_t length, int64_t span, int64_t buckets, int64_t max_position, int32_t* index);

struct DisentangledHead {
    const float* q;      // [length, head_size], row stride qkv_stride
    const float* k;      // the same
    const float* v;      // the same
    int64_t qkv_stride;
    int64_t length;
    int64_t head_size;
    float scale;         // 1 / sqrt(head_size * (1 + number of relative terms))
    const int32_t* index = nullptr;      // relative_indices(length, ...)
    // Position keys (c2p) and position queries (p2c) of this head, transposed: [head_size,
    // pos_rows], row x holding dimension x of every position row (2 span of them), then at least
    // 16 readable padding floats (the vector kernel reads whole vectors past a window's end).
    // Null: that term is off.
    const float* pos_key_t = nullptr;
    const float* pos_query_t = nullptr;
    int64_t pos_rows = 0;  // row stride of pos_key_t and pos_query_t: 2 span + 16 or more
    // Query rows computed, from the first (0 = all `length`).
    int64_t queries = 0;
    float* context;      // [queries, head_size], row stride context_stride
    int64_t context_stride;
    float* probs = nullptr;  // optional [queries, length] softmax output
};

// Floats of scratch disentangled_attention_head needs for one head (per thread).
std::size_t disentangled_scratch_floats(int64_t length, int64_t head_size);

void disentangled_attention_head(const DisentangledHead& head, float* scratch);

namespace detail {
// The implementations, exposed for tests that compare them with a reference.
void disentangled_head_generic(const DisentangledHead& head, float* scratch);
void disentangled_head_avx2(const DisentangledHead& head, float* scratch);
}  // namespace detail

}  // namespace bertcls
