#pragma once
// Scaled dot-product attention for one head of one sequence, fused: scores, softmax and the
// weighted sum of values run block by block of query rows, so a block's probabilities never
// leave L1 and nothing but the context is written (plus the probabilities, when asked).
// Vectorised for AVX-512 and AVX2, chosen at run time, with a portable fallback.
#include <cstddef>
#include <cstdint>

namespace bertcls {

struct AttentionHead {
    const float* q;      // [length, head_size], row stride qkv_stride
    const float* k;      // the same
    const float* v;      // the same
    int64_t qkv_stride;
    int64_t length;
    int64_t head_size;
    float scale;         // usually 1/sqrt(head_size)
    // Query rows computed, from the first (0 = all `length`): a classifier's last layer needs
    // only the first token's, while keys and values still span the sequence.
    int64_t queries = 0;
    float* context;      // [queries, head_size], row stride context_stride
    int64_t context_stride;
    float* probs;        // optional [queries, length] softmax output; null = not kept
    // Sliding-window attention: query i sees keys j with |i - j| <= window only, and only that
    // band of scores is computed (probabilities outside it are 0). Negative: every key.
    int64_t window = -1;
};

// Floats of scratch attention_head needs for one head (per thread).
std::size_t attention_scratch_floats(int64_t length, int64_t head_size);

// `scratch` holds attention_scratch_floats(...) floats, 64-byte aligned.
void attention_head(const AttentionHead& head, float* scratch);

// Which implementation attention_head uses on this CPU: "avx512", "avx2" or "generic".
const char* attention_kernel_name();

namespace detail {
// The implementations, exposed for tests that compare them with each other.
void attention_head_generic(const AttentionHead& head, float* scratch);
void attention_head_avx2(const AttentionHead& head, float* scratch);
void attention_head_avx512(const AttentionHead& head, float* scratch);
}  // namespace detail

}  // namespace bertcls
