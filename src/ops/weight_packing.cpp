#include "ops/weight_packing.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <type_traits>

#include "ops/activation_convert.h"
#include "ops/dnnl_context.h"

namespace bertcls {

using dnnl::memory;

void AlignedBuffer::Free::operator()(std::byte* p) const { std::free(p); }

AlignedBuffer AlignedBuffer::allocate(std::size_t bytes) {
    const std::size_t align = bytes >= (2u << 20) ? (2u << 20) : 64;
    const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + align - 1) / align * align;
    AlignedBuffer buffer{std::unique_ptr<std::byte, Free>(static_cast<std::byte*>(std::aligned_alloc(align, rounded))),
                         bytes};
    if (!buffer.data) throw std::bad_alloc();
    if (align > 64) ::madvise(buffer.data.get(), rounded, MADV_HUGEPAGE);
    return buffer;
}

namespace {

// Element (k, n) of the [K, N] weight sits at base + k_offset[k] + n_offset[n] in a plain
// blocked layout (outer strides plus nested inner blocks, e.g. BA16a64b4a): the offset
// separates by dimension. Layouts with extra data (s8s8 compensation) are not handled.
struct BlockedOffsets {
    int64_t base;
    std::vector<int64_t> k_offset, n_offset;
};

std::optional<BlockedOffsets> blocked_offsets(const memory::desc& md) {
    const dnnl_memory_desc_t& d = md.data;
    if (d.ndims != 2 || d.format_kind != dnnl_blocked || d.extra.flags != 0) return std::nullopt;
    const auto& b = d.format_desc.blocking;
    BlockedOffsets result{d.offset0, {}, {}};
    for (int dim = 0; dim < 2; ++dim) {
        int64_t block = 1;
        for (int i = 0; i < b.inner_nblks; ++i)
            if (b.inner_idxs[i] == dim) block *= b.inner_blks[i];
        auto& offsets = dim == 0 ? result.k_offset : result.n_offset;
        offsets.resize(static_cast<std::size_t>(d.dims[dim]));
        for (int64_t index = 0; index < d.dims[dim]; ++index) {
            int64_t offset = (index / block) * b.strides[dim], rest = index % block, span = 1;
            // Inner blocks nest in the listed order, so the last one varies fastest.
            for (int i = b.inner_nblks - 1; i >= 0; --i) {
                if (b.inner_idxs[i] == dim) {
                    offset += (rest % b.inner_blks[i]) * span;
                    rest /= b.inner_blks[i];
                }
                span *= b.inner_blks[i];
            }
            offsets[static_cast<std::size_t>(index)] = offset;
        }
    }
    return result;
}

// Symmetric per-row int8: scale = max|w| / 127 (1 for an all-zero row), q = round(w / scale),
// as scripts/checkpoint quantizes at conversion. Returns the scale.
float quantize_row_s8(std::span<const float> row, int8_t* q) {
    float max_abs = 0.0f;
    for (float v : row) max_abs = std::max(max_abs, std::fabs(v));
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
    for (std::size_t i = 0; i < row.size(); ++i)
        q[i] = static_cast<int8_t>(std::clamp(std::nearbyint(row[i] / scale), -127.0f, 127.0f));
    return scale;
}

// Σ_k q[k]: what an activation zero point costs an int8 row (Linear's int8 epilogue).
int32_t row_sum(const int8_t* q, int64_t count) {
    int32_t sum = 0;
    for (int64_t k = 0; k < count; ++k) sum += q[k];
    return sum;
}

// Fills row n of the weight, in the compute type, into `row`; int8 also reports the scale.
template <typename T>
float produce_row(const DenseWeight& weight, int64_t n, std::vector<float>& f32_row, T* row) {
    const int64_t in = weight.in();
    if constexpr (std::is_same_v<T, int8_t>) {
        if (weight.values->dtype == DType::I8) {  // keep the converter's q exactly
            weight.row_as_s8(n, row);
            return weight.scales->as<float>()[static_cast<std::size_t>(n)];
        }
        weight.row_as_f32(n, f32_row.data());
        return quantize_row_s8(f32_row, row);
    } else if constexpr (std::is_same_v<T, uint16_t>) {
        weight.row_as_f32(n, f32_row.data());
        convert_to_bf16(f32_row.data(), 1, in, in, row);
    } else {
        weight.row_as_f32(n, row);
    }
    return 1.0f;
}

template <typename T>
PackedWeight pack_as(const DenseWeight& weight, const memory::desc& layout) {
    const int64_t in = weight.in(), out = weight.out();
    PackedWeight packed{AlignedBuffer::allocate(layout.get_size()), {}, {}};
    if constexpr (std::is_same_v<T, int8_t>) {
        packed.scales.resize(static_cast<std::size_t>(out));
        packed.row_sums.resize(static_cast<std::size_t>(out));
    }
    T* dst = reinterpret_cast<T*>(packed.buffer.data.get());
    const auto offsets = blocked_offsets(layout);
    // Without a layout we understand, rows go to a plain [out, in] copy that a oneDNN reorder
    // then packs.
    AlignedBuffer plain;
    if (!offsets) plain = AlignedBuffer::allocate(static_cast<std::size_t>(in * out) * sizeof(T));
    else if (layout.get_size() != static_cast<std::size_t>(in * out) * sizeof(T))
        std::memset(dst, 0, layout.get_size());  // padded blocks must hold zeros

#pragma omp parallel
    {
        std::vector<float> f32_row(static_cast<std::size_t>(in));
        std::vector<T> row(static_cast<std::size_t>(in));
#pragma omp for schedule(static)
        for (int64_t n = 0; n < out; ++n) {
            T* target = offsets ? row.data() : reinterpret_cast<T*>(plain.data.get()) + n * in;
            const float scale = produce_row(weight, n, f32_row, target);
            if constexpr (std::is_same_v<T, int8_t>) {
                packed.scales[static_cast<std::size_t>(n)] = scale;
                packed.row_sums[static_cast<std::size_t>(n)] = row_sum(target, in);
            }
            if (offsets) {
                T* column = dst + offsets->base + offsets->n_offset[static_cast<std::size_t>(n)];
                for (int64_t k = 0; k < in; ++k) column[offsets->k_offset[static_cast<std::size_t>(k)]] = row[k];
            }
        }
    }
    if (!offsets) {
        memory source(memory::desc({in, out}, layout.data_type(), memory::dims{1, in}), cpu_engine(),
                      plain.data.get());
        memory target(layout, cpu_engine(), dst);
        dnnl::reorder(source, target).execute(cpu_stream(), source, target);
        cpu_stream().wait();
    }
    return packed;
}

// A plain F32 [out, in] weight into BA16a64b (what blocked_gemm reads), a block of 64 outputs by
// 16 inputs at a time: its reads (64 rows of 16 floats) and writes (16 rows of 64) stay within a
// few cache lines, where the general scatter above writes every element 256 bytes from the last.
// Inputs past `in` and outputs past `out` (a classifier head's one panel) are padding: zeros.
PackedWeight pack_plain_f32_as_ba16a64b(const DenseWeight& weight, const memory::desc& layout) {
    const int64_t in = weight.in(), out = weight.out(), in_padded = (in + 15) / 16 * 16;
    PackedWeight packed{AlignedBuffer::allocate(layout.get_size()), {}, {}};
    const float* src = weight.values->as<float>().data();
    auto* dst = reinterpret_cast<float*>(packed.buffer.data.get());
    const int64_t panels = (out + 63) / 64;
    // A small weight (a classifier head's) is packed sooner than the OpenMP pool starts up.
    constexpr int64_t kParallelFloats = 1 << 18;
#pragma omp parallel for schedule(static) if (panels * in_padded * 64 >= kParallelFloats)
    for (int64_t panel = 0; panel < panels; ++panel) {
        float* block = dst + panel * in_padded * 64;
        const int64_t outputs = std::min<int64_t>(64, out - panel * 64);
        for (int64_t k0 = 0; k0 < in_padded; k0 += 16) {
            const int64_t count = std::min<int64_t>(16, in - k0);
            for (int64_t n = 0; n < 64; ++n)
                for (int64_t k = 0; k < 16; ++k)
                    block[(k0 + k) * 64 + n] = n < outputs && k < count ? src[(panel * 64 + n) * in + k0 + k] : 0.0f;
        }
    }
    return packed;
}

}  // namespace

memory::data_type weight_data_type(ComputeType compute) {
    switch (compute) {
        case ComputeType::bf16: return memory::data_type::bf16;
        case ComputeType::int8: return memory::data_type::s8;
        case ComputeType::f32: break;
    }
    return memory::data_type::f32;
}

memory::desc stored_blocked_layout(const DenseWeight& weight) {
    const memory::dims dims{weight.in(), weight.out()};
    switch (weight.values->dtype) {
        case DType::BF16: return {dims, memory::data_type::bf16, memory::format_tag::BA16a64b2a};
        case DType::I8: return {dims, memory::data_type::s8, memory::format_tag::BA16a64b4a};
        default: return {dims, memory::data_type::f32, memory::format_tag::BA16a64b};
    }
}

PackedWeight int8_weight_sums(const DenseWeight& weight) {
    const int64_t in = weight.in(), out = weight.out();
    PackedWeight result{{}, std::vector<float>(weight.scales->as<float>().begin(), weight.scales->as<float>().end()),
                        std::vector<int32_t>(static_cast<std::size_t>(out))};
#pragma omp parallel
    {
        std::vector<int8_t> row(static_cast<std::size_t>(in));
#pragma omp for schedule(static)
        for (int64_t n = 0; n < out; ++n) {
            weight.row_as_s8(n, row.data());
            result.row_sums[static_cast<std::size_t>(n)] = row_sum(row.data(), in);
        }
    }
    return result;
}

PackedWeight pack_weight(const DenseWeight& weight, ComputeType compute, const memory::desc& layout) {
    switch (compute) {
        case ComputeType::bf16: return pack_as<uint16_t>(weight, layout);
        case ComputeType::int8: return pack_as<int8_t>(weight, layout);
        case ComputeType::f32: break;
    }
    const bool ba16a64b = layout == memory::desc({weight.in(), weight.out()}, memory::data_type::f32, memory::format_tag::BA16a64b);
    if (weight.values->dtype == DType::F32 && !weight.blocked && ba16a64b) return pack_plain_f32_as_ba16a64b(weight, layout);
    return pack_as<float>(weight, layout);
}

}  // namespace bertcls
