#include "layers/packed_batch.h"

#include <algorithm>

namespace bertcls {

int64_t padded_rows(int64_t rows) {
    if (rows <= 64) return rows;
    int64_t step = 1;
    while (step * 64 <= rows) step *= 2;  // step = 2^(floor(log2(rows)) - 5)
    return (rows + step - 1) / step * step;
}

int64_t PackedBatch::max_length() const {
    int64_t longest = 0;
    for (int64_t s = 0; s < sequences(); ++s) longest = std::max(longest, length(s));
    return longest;
}

void PackedBatch::clear() {
    input_ids.clear();
    token_type_ids.clear();
    offsets.assign(1, 0);
}

void PackedBatch::add(const SequenceInput& sequence) {
    input_ids.insert(input_ids.end(), sequence.input_ids.begin(), sequence.input_ids.end());
    if (sequence.token_type_ids.empty())
        token_type_ids.insert(token_type_ids.end(), sequence.input_ids.size(), 0);
    else
        token_type_ids.insert(token_type_ids.end(), sequence.token_type_ids.begin(), sequence.token_type_ids.end());
    offsets.push_back(static_cast<int64_t>(input_ids.size()));
}

void PackedBatch::assign(std::span<const SequenceInput> sequences) {
    clear();
    for (const auto& sequence : sequences) add(sequence);
}

void PackedBatch::gather_first_rows(const float* rows, int64_t width, float* out) const {
    for (int64_t s = 0; s < sequences(); ++s) {
        const float* first = rows + offsets[s] * width;
        std::copy(first, first + width, out + s * width);
    }
}

}  // namespace bertcls
