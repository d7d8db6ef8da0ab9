#include "ops/linear.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <new>

#include "ops/dnnl_context.h"

namespace bertcls {

using dnnl::memory;

dnnl::algorithm eltwise_algorithm(Activation activation) {
    switch (activation) {
        case Activation::gelu_erf: return dnnl::algorithm::eltwise_gelu_erf;
        case Activation::gelu_tanh: return dnnl::algorithm::eltwise_gelu_tanh;
        case Activation::relu: return dnnl::algorithm::eltwise_relu;
        case Activation::tanh: return dnnl::algorithm::eltwise_tanh;
    }
    return dnnl::algorithm::eltwise_relu;
}

void Linear::AlignedFree::operator()(float* p) const { std::free(p); }


namespace {

dnnl::primitive_attr make_attr(const LinearEpilogue& epilogue) {
    dnnl::post_ops ops;
    if (epilogue.accumulate) ops.append_sum(1.0f);
    if (epilogue.activation) ops.append_eltwise(1.0f, eltwise_algorithm(*epilogue.activation), 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

// Copies W [out, in] (row-major) into the blocked layout `md` of the [in, out] weight. Handles
// the plain blocked layouts oneDNN's matmul asks for (each dimension blocked at most once, e.g.
// BA16a64b), tile by tile; returns false for anything else so the caller can use a reorder,
// which for this transposing case runs at about 100 MB/s in oneDNN 2.6.
bool pack_transposed(const float* w, int64_t in, int64_t out, const memory::desc& md, float* dst) {
    const dnnl_memory_desc_t& d = md.data;
    if (d.ndims != 2 || d.format_kind != dnnl_blocked) return false;
    const auto& b = d.format_desc.blocking;
    int64_t block[2] = {1, 1};
    for (int i = 0; i < b.inner_nblks; ++i) {
        if (block[b.inner_idxs[i]] != 1) return false;
        block[b.inner_idxs[i]] = b.inner_blks[i];
    }
    const int64_t bk = block[0], bn = block[1];
    // Offset of element (k, n) inside its inner block: inner blocks nest in the listed order.
    int64_t inner_stride[2] = {0, 0};
    int64_t span = 1;
    for (int i = b.inner_nblks - 1; i >= 0; --i) {
        inner_stride[b.inner_idxs[i]] = span;
        span *= b.inner_blks[i];
    }
    if (b.inner_nblks == 0) {
        inner_stride[0] = inner_stride[1] = 0;
    }
    const int64_t sk = b.strides[0], sn = b.strides[1];
    const int64_t ik = inner_stride[0], in_ = inner_stride[1];
    if (md.get_size() != static_cast<std::size_t>(in * out) * sizeof(float)) std::memset(dst, 0, md.get_size());
    float* base = dst + d.offset0;
    const int64_t n_blocks = (out + bn - 1) / bn;
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < n_blocks; ++nb) {
        for (int64_t k0 = 0; k0 < in; k0 += bk) {
            float* tile = base + nb * sn + (k0 / bk) * sk;
            const int64_t n_end = std::min(out, (nb + 1) * bn), k_end = std::min(in, k0 + bk);
            for (int64_t n = nb * bn; n < n_end; ++n) {
                const float* src = w + n * in;
                const int64_t n_off = (n % bn) * in_;
                for (int64_t k = k0; k < k_end; ++k) tile[(k % bk) * ik + n_off] = src[k];
            }
        }
    }
    return true;
}

// Maps the weight's pages now, in one call, instead of one page fault at a time during the first
// forward: faults are expensive in virtual machines, and every weight page is needed anyway.
void prefault(std::span<const std::byte> bytes) {
#ifdef MADV_POPULATE_READ
    static const bool enabled = [] {
        const char* env = std::getenv("BERTCLS_PREFAULT");
        return !(env && std::string_view(env) == "0");
    }();
    if (!enabled || bytes.empty()) return;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data()) / page * page;
    const auto end = reinterpret_cast<std::uintptr_t>(bytes.data() + bytes.size());
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);  // best effort (Linux 5.14+)
#else
    (void)bytes;
#endif
}

}  // namespace

Linear::Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue, const MappedFile* source)
    : in_(weight.shape.at(1)),
      out_(weight.shape.at(0)),
      weight_(&weight),
      bias_(bias.as<float>().data()),
      epilogue_(epilogue),
      source_(source),
      // [out, in] row-major read as [in, out] with strides {1, in}: no copy.
      weight_md_(f32_desc({in_, out_}, {1, in_})),
      weight_mem_(wrap(weight_md_, weight.as<float>().data())),
      bias_mem_(wrap(f32_desc({1, out_}), bias_)) {
    if (source_) prefault(weight.bytes);
}

void Linear::pack() {
    if (packed_) return;
    // The blocked layout the GEMM kernels want. It depends on the weight's shape, not on the
    // row count, so one packed copy serves every batch shape.
    const memory::desc probe_x = f32_desc({128, in_});
    const memory::desc any_w(memory::dims{in_, out_}, memory::data_type::f32, memory::format_tag::any);
    const dnnl::matmul::primitive_desc probe(dnnl::matmul::desc(probe_x, any_w, f32_desc({1, out_}), f32_desc({128, out_})),
                                             make_attr(epilogue_), cpu_engine());
    const memory::desc packed_md = probe.weights_desc();
    const std::size_t bytes = packed_md.get_size();
    // Large buffers are 2 MiB aligned and asked for huge pages: first-touching fresh memory is
    // the main cost of packing, and far cheaper in 2 MiB pages.
    const std::size_t align = bytes >= (2u << 20) ? (2u << 20) : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    std::unique_ptr<float, AlignedFree> buffer(static_cast<float*>(std::aligned_alloc(align, rounded)),
                                               AlignedFree{});
    if (!buffer) throw std::bad_alloc();
    if (align > 64) ::madvise(buffer.get(), rounded, MADV_HUGEPAGE);
    memory packed_mem(packed_md, cpu_engine(), buffer.get());
    if (!pack_transposed(weight_->as<float>().data(), in_, out_, packed_md, buffer.get())) {
        dnnl::reorder(weight_mem_, packed_mem).execute(cpu_stream(), weight_mem_, packed_mem);
        cpu_stream().wait();
    }
    if (source_) source_->release_pages(weight_->bytes);
    packed_ = std::move(buffer);
    weight_md_ = packed_md;
    weight_mem_ = packed_mem;
    primitives_.clear();
}

void Linear::forward(const float* x, int64_t rows, float* y, int64_t x_stride) {
    if (rows == 0) return;
    if (x_stride == 0) x_stride = in_;
    const memory::desc x_md = f32_desc({rows, in_}, {x_stride, 1});
    const memory::desc y_md = f32_desc({rows, out_});

    const int64_t key = rows * 1'000'003 + x_stride;
    auto it = primitives_.find(key);
    if (it == primitives_.end()) {
        const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(x_md, weight_md_, f32_desc({1, out_}), y_md),
                                              make_attr(epilogue_), cpu_engine());
        reserve_scratchpad(pd.scratchpad_desc().get_size());
        it = primitives_.emplace(key, dnnl::matmul(pd)).first;
    }
    it->second.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(x_md, x)},
                                      {DNNL_ARG_WEIGHTS, weight_mem_},
                                      {DNNL_ARG_BIAS, bias_mem_},
                                      {DNNL_ARG_DST, wrap(y_md, y)},
                                      {DNNL_ARG_SCRATCHPAD, scratchpad()}});
}

}  // namespace bertcls
