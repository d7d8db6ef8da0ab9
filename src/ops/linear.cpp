#include "ops/linear.h"

#include <cstdlib>
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

}  // namespace

Linear::Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue, const MappedFile* source)
    : in_(weight.shape.at(1)), out_(weight.shape.at(0)), bias_(bias.as<float>().data()), epilogue_(epilogue) {
    // [out, in] row-major read as [in, out] with strides {1, in}.
    const memory::desc plain_md = f32_desc({in_, out_}, {1, in_});
    // The blocked layout the GEMM kernels want. It depends on the weight's shape only, not on
    // the row count, so one packed copy serves every batch shape.
    const memory::desc probe_x = f32_desc({128, in_});
    const memory::desc any_w(memory::dims{in_, out_}, memory::data_type::f32, memory::format_tag::any);
    const dnnl::matmul::primitive_desc probe(dnnl::matmul::desc(probe_x, any_w, f32_desc({1, out_}), f32_desc({128, out_})),
                                             make_attr(epilogue_), cpu_engine());
    weight_md_ = probe.weights_desc();
    const std::size_t bytes = weight_md_.get_size();
    // Large buffers are 2 MiB aligned so transparent huge pages can back them.
    const std::size_t align = bytes >= (4u << 20) ? (2u << 20) : 64;
    packed_.reset(static_cast<float*>(std::aligned_alloc(align, (bytes + align - 1) / align * align)));
    if (!packed_) throw std::bad_alloc();
    weight_mem_ = memory(weight_md_, cpu_engine(), packed_.get());
    auto plain = wrap(plain_md, weight.as<float>().data());
    dnnl::reorder(plain, weight_mem_).execute(cpu_stream(), plain, weight_mem_);
    cpu_stream().wait();
    if (source) source->release_pages(weight.bytes);
    bias_mem_ = wrap(f32_desc({1, out_}), bias_);
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
