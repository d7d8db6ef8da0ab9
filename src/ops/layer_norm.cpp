#include "ops/layer_norm.h"

#include "ops/dnnl_context.h"

namespace bertcls {

LayerNorm::LayerNorm(const TensorInfo& weight, const TensorInfo& bias, double epsilon)
    : width_(weight.shape.at(0)),
      weight_(weight.as<float>().data()),
      bias_(bias.as<float>().data()),
      epsilon_(static_cast<float>(epsilon)) {}

void LayerNorm::forward(float* data, int64_t rows) {
    if (rows == 0) return;
    const auto md = f32_desc({rows, width_});
    auto it = primitives_.find(rows);
    if (it == primitives_.end()) {
        const dnnl::layer_normalization_forward::desc desc(
            dnnl::prop_kind::forward_inference, md, epsilon_,
            dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift);
        it = primitives_.emplace(rows, dnnl::layer_normalization_forward(
                                           dnnl::layer_normalization_forward::primitive_desc(desc, cpu_engine())))
                 .first;
    }
    const auto vec_md = f32_desc({width_});
    auto mem = wrap(md, data);
    it->second.execute(cpu_stream(), {{DNNL_ARG_SRC, mem},
                                      {DNNL_ARG_DST, mem},
                                      {DNNL_ARG_SCALE, wrap(vec_md, weight_)},
                                      {DNNL_ARG_SHIFT, wrap(vec_md, bias_)}});
}

}  // namespace bertcls
