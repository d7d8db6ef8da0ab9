#pragma once
// A batch of sequences packed end to end with no padding, as CTranslate2's Padder leaves it:
// dense layers run over all real tokens at once, and only attention looks at sequence bounds.
#include <cstdint>
#include <span>
#include <vector>

namespace bertcls {

struct SequenceInput {
    std::span<const int32_t> input_ids;
    std::span<const int32_t> token_type_ids;  // empty means all zeros
};

// The row count the dense layers run on for `rows` real rows. Every distinct count costs a
// primitive build (about 0.5 ms per layer shape), so larger counts are rounded up to a step of
// at most 1/32 of their size; the extra rows are padding nothing reads.
int64_t padded_rows(int64_t rows);

struct PackedBatch {
    std::vector<int32_t> input_ids;       // [tokens]
    std::vector<int32_t> token_type_ids;  // [tokens]
    std::vector<int64_t> offsets{0};      // [sequences + 1]: sequence s is rows offsets[s]..offsets[s+1]

    int64_t tokens() const { return offsets.back(); }
    int64_t sequences() const { return static_cast<int64_t>(offsets.size()) - 1; }
    int64_t length(int64_t s) const { return offsets[s + 1] - offsets[s]; }
    int64_t max_length() const;

    void clear();
    void add(const SequenceInput& sequence);
    // The batch of exactly these sequences, in order.
    void assign(std::span<const SequenceInput> sequences);

    // Copies each sequence's first row of `rows` ([tokens, width], packed like the batch) to
    // out[s] ([sequences, width]).
    void gather_first_rows(const float* rows, int64_t width, float* out) const;
};

}  // namespace bertcls
