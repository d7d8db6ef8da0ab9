#pragma once
// Re-lays a dense weight out once, at load, into the blocked layout oneDNN's GEMM kernels read
// (format_tag::any) or our own (BA16a64b, ops/blocked_gemm.h), converting it to the compute
// type on the way. Our own scatter, because oneDNN 2.6's transposing reorder runs at about 100 MB/s.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <dnnl.hpp>

#include "ops/compute_type.h"
#include "ops/dense_weight.h"

namespace bertcls {

struct AlignedBuffer {
    struct Free {
        void operator()(std::byte* p) const;
    };
    std::unique_ptr<std::byte, Free> data;
    std::size_t bytes = 0;

    // Buffers of 2 MiB and more are huge-page aligned and advised: first-touching fresh memory
    // is the main cost of packing in a VM, and far cheaper in 2 MiB pages.
    static AlignedBuffer allocate(std::size_t bytes);
};

struct PackedWeight {
    AlignedBuffer buffer;  // in `layout`, of the compute type's weight data type
    // int8 only: the per-row scales of the quantized weight and the sums of each row's q, which
    // turn the activations' zero point into a bias correction.
    std::vector<float> scales;
    std::vector<int32_t> row_sums;
};

dnnl::memory::data_type weight_data_type(ComputeType compute);

// The oneDNN descriptor of a weight the converter stored blocked (format/dense_weight.h).
dnnl::memory::desc stored_blocked_layout(const DenseWeight& weight);

// For an I8 weight used in place: its scales and the row sums of q (no buffer).
PackedWeight int8_weight_sums(const DenseWeight& weight);

// `layout` is the weights descriptor of a matmul primitive for the [in, out] weight.
PackedWeight pack_weight(const DenseWeight& weight, ComputeType compute, const dnnl::memory::desc& layout);

}  // namespace bertcls
