// The weight packer against a plain index: an [out, in] weight stored as F32, BF16 or I8, row-major
// or blocked (docs/FORMAT.md), packed for each compute type into each layout (row-major both ways,
// and the blocked ones, padded where the sizes do not divide), then read back element by element
// at the place the layout's definition gives: every element converted as docs/FORMAT.md says
// (bf16 rounded to nearest even, int8 quantized per row unless already I8), and every padding
// element 0. A layout with s8s8 compensation, which the packer hands to oneDNN's reorder, too.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <dnnl.hpp>

#include "op_test_support.h"
#include "weight_test_support.h"
#include "ops/weight_packing.h"

using namespace bertcls;
using dnnl::memory;
using test::bf16_bits;
using test::bf16_value;
using test::make_source;
using test::SourceWeight;

namespace {

// A layout of the [in, out] matrix and where (k, n) sits in it, written from the format tag's
// definition: `ab` row-major [in, out], `ba` row-major [out, in], `BA16a64b<p>a` blocked as
// docs/FORMAT.md gives with `in` rounded up to whole blocks.
struct Layout {
    const char* name;
    memory::format_tag tag;
    int64_t pack;  // 0: plain
    bool transposed = false;

    int64_t index(int64_t k, int64_t n, int64_t in, int64_t out) const {
        if (pack == 0) return transposed ? n * in + k : k * out + n;
        const int64_t kb = 16 * pack, padded_in = (in + kb - 1) / kb * kb;
        return test::blocked_index(n, k, padded_in, pack);
    }
};

const Layout kLayouts[] = {{"ab", memory::format_tag::ab, 0},
                           {"ba", memory::format_tag::ba, 0, true},
                           {"BA16a64b", memory::format_tag::BA16a64b, 1},
                           {"BA16a64b2a", memory::format_tag::BA16a64b2a, 2},
                           {"BA16a64b4a", memory::format_tag::BA16a64b4a, 4}};

memory::data_type data_type_of(ComputeType compute) {
    return compute == ComputeType::bf16 ? memory::data_type::bf16
           : compute == ComputeType::int8 ? memory::data_type::s8
                                          : memory::data_type::f32;
}

// The packed element at `index` as a number (bf16: the value of its bits).
double packed_element(const PackedWeight& packed, ComputeType compute, int64_t index) {
    const std::byte* base = packed.buffer.data.get();
    switch (compute) {
        case ComputeType::bf16: {
            uint16_t bits;
            std::memcpy(&bits, base + index * 2, 2);
            return bf16_value(bits);
        }
        case ComputeType::int8: return static_cast<double>(reinterpret_cast<const int8_t*>(base)[index]);
        case ComputeType::f32: break;
    }
    return reinterpret_cast<const float*>(base)[index];
}

// Row n of `source` as the compute type holds it: the value itself (f32), rounded to bf16, or
// q (the stored q of an I8 weight; quantized per row otherwise). Sets `scale` for int8.
std::vector<double> expected_row(const SourceWeight& source, ComputeType compute, int64_t n, float& scale) {
    const int64_t in = source.weight().in();
    const float* row = &source.logical[n * in];
    std::vector<double> want(row, row + in);
    scale = 1.0f;
    if (compute == ComputeType::bf16) {
        for (auto& v : want) v = bf16_value(bf16_bits(static_cast<float>(v)));
    } else if (compute == ComputeType::int8) {
        if (source.weight().values->dtype == DType::I8) {
            scale = source.scales[n];
            want.assign(source.q.begin() + n * in, source.q.begin() + (n + 1) * in);
        } else {
            std::vector<int8_t> q(static_cast<std::size_t>(in));
            scale = test::quantize_row(row, in, q.data());
            want.assign(q.begin(), q.end());
        }
    }
    return want;
}

// Checks every element of `packed` against `source` through `element_at`, and that every other
// element of the first `data_elements` is zero. Returns the number of mismatches.
template <typename IndexOf>
int64_t count_mismatches(const PackedWeight& packed, const SourceWeight& source, ComputeType compute,
                         std::size_t data_elements, IndexOf index_of) {
    const int64_t out = source.weight().out(), in = source.weight().in();
    std::vector<bool> visited(data_elements, false);
    int64_t wrong = 0;
    for (int64_t n = 0; n < out; ++n) {
        float scale;
        const std::vector<double> want = expected_row(source, compute, n, scale);
        if (compute == ComputeType::int8) {
            int32_t sum = 0;
            for (double q : want) sum += static_cast<int32_t>(q);
            wrong += packed.scales.at(n) != scale;
            wrong += packed.row_sums.at(n) != sum;
        }
        for (int64_t k = 0; k < in; ++k) {
            const int64_t index = index_of(k, n);
            visited.at(static_cast<std::size_t>(index)) = true;
            wrong += packed_element(packed, compute, index) != want[k];
        }
    }
    for (std::size_t i = 0; i < data_elements; ++i)
        if (!visited[i]) wrong += packed_element(packed, compute, static_cast<int64_t>(i)) != 0.0;
    return wrong;
}

std::size_t element_size(ComputeType compute) {
    return compute == ComputeType::f32 ? 4 : compute == ComputeType::bf16 ? 2 : 1;
}

struct Case {
    DType dtype;
    bool blocked;
    int64_t out, in;
};

// Odd sizes (padded blocks, a single row) from row-major sources; blocked sources need sizes
// that divide their blocks.
const Case kCases[] = {{DType::F32, false, 70, 37},  {DType::F32, false, 1, 5},    {DType::F32, false, 130, 96},
                       {DType::BF16, false, 70, 37}, {DType::BF16, false, 3, 66},  {DType::I8, false, 70, 37},
                       {DType::I8, false, 65, 129},  {DType::F32, true, 128, 48},  {DType::BF16, true, 64, 64},
                       {DType::I8, true, 128, 128}};

std::string describe(const Case& c) {
    return std::string(dtype_name(c.dtype)) + (c.blocked ? " blocked " : " ") + std::to_string(c.out) + "x" +
           std::to_string(c.in);
}

}  // namespace

TEST_CASE("packed weights hold every element where the layout puts it", "[ops]") {
    std::mt19937 rng(43);
    for (const Case& c : kCases) {
        const SourceWeight source = make_source(c.dtype, c.blocked, c.out, c.in, rng);
        for (const ComputeType compute : {ComputeType::f32, ComputeType::bf16, ComputeType::int8})
            for (const Layout& layout : kLayouts) {
                const memory::desc md({c.in, c.out}, data_type_of(compute), layout.tag);
                const PackedWeight packed = pack_weight(source.weight(), compute, md);
                INFO(describe(c) << " packed as " << compute_type_name(compute) << " in " << layout.name);
                REQUIRE(packed.buffer.bytes == md.get_size());
                CHECK(count_mismatches(packed, source, compute, md.get_size() / element_size(compute),
                                       [&](int64_t k, int64_t n) { return layout.index(k, n, c.in, c.out); }) == 0);
            }
    }
}

TEST_CASE("a layout with s8s8 compensation is packed through oneDNN's reorder", "[ops]") {
    // oneDNN appends the compensation after the data; the data part is laid out as without it.
    std::mt19937 rng(47);
    for (const Case& c : {Case{DType::F32, false, 70, 37}, Case{DType::I8, true, 128, 128}}) {
        const SourceWeight source = make_source(c.dtype, c.blocked, c.out, c.in, rng);
        memory::desc md({c.in, c.out}, memory::data_type::s8, memory::format_tag::BA16a64b4a);
        const std::size_t data_bytes = md.get_size();
        md.data.extra.flags = dnnl_memory_extra_flag_compensation_conv_s8s8;
        md.data.extra.compensation_mask = 2;  // one per output
        REQUIRE(md.get_size() > data_bytes);
        const PackedWeight packed = pack_weight(source.weight(), ComputeType::int8, md);
        INFO(describe(c));
        CHECK(count_mismatches(packed, source, ComputeType::int8, data_bytes, [&](int64_t k, int64_t n) {
                  return kLayouts[4].index(k, n, c.in, c.out);
              }) == 0);
    }
}

TEST_CASE("an I8 weight used in place gets its stored scales and the sums of its rows", "[ops]") {
    std::mt19937 rng(53);
    for (const bool blocked : {false, true}) {
        const SourceWeight source = make_source(DType::I8, blocked, 128, 64, rng);
        const PackedWeight sums = int8_weight_sums(source.weight());
        CHECK(sums.buffer.bytes == 0);
        CHECK(sums.scales == source.scales);
        REQUIRE(sums.row_sums.size() == 128);
        for (int64_t n = 0; n < 128; ++n) {
            int32_t want = 0;
            for (int64_t k = 0; k < 64; ++k) want += source.q[n * 64 + k];
            CHECK(sums.row_sums[n] == want);
        }
    }
}

TEST_CASE("stored blocked layouts are the ones docs/FORMAT.md names", "[ops]") {
    std::mt19937 rng(59);
    const SourceWeight f32 = make_source(DType::F32, true, 64, 16, rng), bf16 = make_source(DType::BF16, true, 64, 32, rng),
                       i8 = make_source(DType::I8, true, 64, 64, rng);
    CHECK(stored_blocked_layout(f32.weight()) == memory::desc({16, 64}, memory::data_type::f32, memory::format_tag::BA16a64b));
    CHECK(stored_blocked_layout(bf16.weight()) ==
          memory::desc({32, 64}, memory::data_type::bf16, memory::format_tag::BA16a64b2a));
    CHECK(stored_blocked_layout(i8.weight()) == memory::desc({64, 64}, memory::data_type::s8, memory::format_tag::BA16a64b4a));
}
