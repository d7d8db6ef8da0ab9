#pragma once
// Rotary position embeddings (RoPE) in the NeoX / Hugging Face layout: a head vector x of size d
// at position p becomes x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x[d/2:], x[:d/2]]
// and angle(p, i) = p * theta^(-2i/d) for the pair (i, i + d/2). Computed in float32 as
// transformers does (inverse frequencies, then p * inv_freq rounded to float, then cos/sin).
#include <cstdint>
#include <vector>

namespace bertcls {

class RotaryTable {
public:
    // cos/sin for positions [0, positions) of heads of size head_size (even).
    RotaryTable(int64_t head_size, double theta, int64_t positions);

    int64_t positions() const { return positions_; }
    // Rotates `rows` head vectors in place, row r (r floats * stride from x) at position r.
    void apply(float* x, int64_t stride, int64_t rows) const;

private:
    int64_t half_, positions_;
    std::vector<float> cos_, sin_;  // [positions, d / 2]
};

}  // namespace bertcls
