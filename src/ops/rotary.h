#pragma once
// Rotary position embeddings (RoPE) in the NeoX / Hugging Face layout: a head vector x of size d
// at position p becomes x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x[d/2:], x[:d/2]]
// and angle(p, i) = p * theta^(-2i/d) for the pair (i, i + d/2). Computed in float32 as
// transformers does (inverse frequencies, then p * inv_freq rounded to float, then cos/sin).
//
// cos/sin are tabulated in blocks of positions, each filled the first time a sequence reaches it
// (thread-safe), so a model that declares a long context costs memory only for the lengths it
// actually runs.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace bertcls {

class RotaryTable {
public:
    // For positions [0, positions) of heads of size head_size (even).
    RotaryTable(int64_t head_size, double theta, int64_t positions);

    int64_t positions() const { return positions_; }
    // Rotates `rows` head vectors in place, row r (r * stride floats from x) at position r;
    // rows <= positions(). Any number of threads may call it at once.
    void apply(float* x, int64_t stride, int64_t rows) const;

private:
    static constexpr int64_t kBlock = 1024;  // positions per tabulated block
    struct Block {
        std::once_flag filled;
        std::vector<float> cos, sin;  // [kBlock, d / 2]
    };
    const Block& block(int64_t index) const;

    int64_t half_, positions_;
    std::vector<float> inv_freq_;
    std::unique_ptr<Block[]> blocks_;
};

}  // namespace bertcls
