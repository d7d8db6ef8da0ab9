#include "ops/linear.h"

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

Linear::Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue)
    : in_(weight.shape.at(1)),
      out_(weight.shape.at(0)),
      weight_(weight.as<float>().data()),
      bias_(bias.as<float>().data()),
      epilogue_(epilogue) {}

void Linear::forward(const float* x, int64_t rows, float* y, int64_t x_stride) {
    if (rows == 0) return;
    if (x_stride == 0) x_stride = in_;
    const memory::desc x_md = f32_desc({rows, in_}, {x_stride, 1});
    // [out, in] row-major read as [in, out] with strides {1, in}: no transpose copy needed.
    const memory::desc w_md = f32_desc({in_, out_}, {1, in_});
    const memory::desc b_md = f32_desc({1, out_});
    const memory::desc y_md = f32_desc({rows, out_});

    const int64_t key = rows * 1'000'003 + x_stride;
    auto it = primitives_.find(key);
    if (it == primitives_.end()) {
        dnnl::post_ops ops;
        if (epilogue_.accumulate) ops.append_sum(1.0f);
        if (epilogue_.activation) ops.append_eltwise(1.0f, eltwise_algorithm(*epilogue_.activation), 0.0f, 0.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const dnnl::matmul::desc desc(x_md, w_md, b_md, y_md);
        it = primitives_.emplace(key, dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, cpu_engine()))).first;
    }
    it->second.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(x_md, x)},
                                      {DNNL_ARG_WEIGHTS, wrap(w_md, weight_)},
                                      {DNNL_ARG_BIAS, wrap(b_md, bias_)},
                                      {DNNL_ARG_DST, wrap(y_md, y)}});
}

}  // namespace bertcls
