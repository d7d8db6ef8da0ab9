#pragma once
// Dense weights for the tests of DenseWeight and the packer: an [out, in] weight of known values
// stored as F32, BF16 or I8, row-major or blocked, written from docs/FORMAT.md's definitions.
#include <random>
#include <vector>

#include "op_test_support.h"
#include "ops/dense_weight.h"

namespace bertcls::test {

// Where element (n, k) of an [out, in] weight stored blocked sits, as docs/FORMAT.md specifies
// it (blocks of 64 outputs by 16 * pack inputs; `pack` inputs adjacent), for `in` a multiple of
// 16 * pack (a padded layout passes its padded input count).
inline int64_t blocked_index(int64_t n, int64_t k, int64_t in, int64_t pack) {
    const int64_t kb = 16 * pack;
    return (n / 64) * in * 64 + (k / kb) * kb * 64 + ((k % kb) / pack) * 64 * pack + (n % 64) * pack + k % pack;
}

// Symmetric per-row int8 as docs/FORMAT.md specifies: scale = max|w| / 127 in float (1 where
// that is 0), q = clip(rint(w / scale), -127, 127), ties to even. Returns the scale.
inline float quantize_row(const float* w, int64_t count, int8_t* q) {
    float max_abs = 0.0f;
    for (int64_t k = 0; k < count; ++k) max_abs = std::max(max_abs, std::abs(w[k]));
    const float scale = max_abs / 127.0f > 0.0f ? max_abs / 127.0f : 1.0f;
    for (int64_t k = 0; k < count; ++k)
        q[k] = static_cast<int8_t>(std::clamp(std::nearbyint(w[k] / scale), -127.0f, 127.0f));
    return scale;
}

// An [out, in] weight in one dtype and layout, with the values it stands for.
struct SourceWeight {
    std::vector<float> f32;
    std::vector<uint16_t> bf16;
    std::vector<int8_t> i8;
    std::vector<float> scales;
    TensorInfo values, scale_tensor;
    bool blocked = false;
    std::vector<float> logical;  // [out, in]: the value of element (n, k)
    std::vector<int8_t> q;       // I8 only, [out, in]: the q of element (n, k)

    // Built on each call: it points into this object, which may have moved.
    DenseWeight weight() const { return {&values, values.dtype == DType::I8 ? &scale_tensor : nullptr, blocked}; }
};

inline SourceWeight make_source(DType dtype, bool blocked, int64_t out, int64_t in, std::mt19937& rng) {
    SourceWeight s;
    std::vector<float> w = normal_values(static_cast<std::size_t>(out * in), rng, 0.5f);
    std::fill(w.begin(), w.begin() + in, 0.0f);  // a row of zeros (int8 scale 1)
    const int64_t pack = dtype == DType::BF16 ? 2 : dtype == DType::I8 ? 4 : 1;
    const auto place = [&](int64_t n, int64_t k) { return blocked ? blocked_index(n, k, in, pack) : n * in + k; };
    s.logical.resize(w.size());
    std::vector<int8_t> q(static_cast<std::size_t>(in));
    if (dtype == DType::I8) s.scales.resize(static_cast<std::size_t>(out));
    for (int64_t n = 0; n < out; ++n) {
        if (dtype == DType::I8) s.scales[n] = quantize_row(&w[n * in], in, q.data());
        for (int64_t k = 0; k < in; ++k) {
            const float v = w[n * in + k];
            float& logical = s.logical[n * in + k];
            const auto at = static_cast<std::size_t>(place(n, k));
            switch (dtype) {
                case DType::BF16:
                    s.bf16.resize(w.size());
                    s.bf16[at] = bf16_bits(v);
                    logical = bf16_value(s.bf16[at]);
                    break;
                case DType::I8:
                    s.i8.resize(w.size());
                    s.i8[at] = q[k];
                    s.q.push_back(q[k]);
                    logical = float(q[k]) * s.scales[n];
                    break;
                default:
                    s.f32.resize(w.size());
                    s.f32[at] = v;
                    logical = v;
            }
        }
    }
    switch (dtype) {
        case DType::BF16: s.values = tensor_view(dtype, {out, in}, s.bf16); break;
        case DType::I8:
            s.values = tensor_view(dtype, {out, in}, s.i8);
            s.scale_tensor = f32_tensor({out}, s.scales);
            break;
        default: s.values = f32_tensor({out, in}, s.f32);
    }
    s.blocked = blocked;
    return s;
}

}  // namespace bertcls::test
