#include "layers/attention.h"

#include <cmath>

#include "ops/dnnl_context.h"

namespace bertcls {

namespace {

std::string prefix(int64_t weight_set) { return "layers." + std::to_string(weight_set) + ".attention."; }

}  // namespace

SelfAttention::SelfAttention(const ModelFile& model, int64_t weight_set)
    : hidden_(model.config().hidden_size),
      heads_(model.config().num_heads),
      head_size_(model.config().head_size()),
      qkv_(model.weight(prefix(weight_set) + "qkv.weight", {3 * hidden_, hidden_}),
           model.weight(prefix(weight_set) + "qkv.bias", {3 * hidden_})),
      output_(model.weight(prefix(weight_set) + "output.weight", {hidden_, hidden_}),
              model.weight(prefix(weight_set) + "output.bias", {hidden_}), LinearEpilogue{.accumulate = true}),
      norm_(model.weight(prefix(weight_set) + "norm.weight", {hidden_}),
            model.weight(prefix(weight_set) + "norm.bias", {hidden_}), model.config().layer_norm_eps) {}

// Views into the packed [tokens, 3H] QKV buffer: head h of Q for one sequence is a
// [L, d] matrix with row stride 3H, so no transpose or copy is needed.
SelfAttention::SequencePrimitives& SelfAttention::primitives_for(int64_t length) {
    auto it = per_length_.find(length);
    if (it != per_length_.end()) return it->second;
    const int64_t L = length, d = head_size_, H = hidden_, heads = heads_;
    const auto q_md = f32_desc({heads, L, d}, {d, 3 * H, 1});
    const auto kt_md = f32_desc({heads, d, L}, {d, 1, 3 * H});
    const auto probs_md = f32_desc({heads, L, L});
    const auto v_md = f32_desc({heads, L, d}, {d, 3 * H, 1});
    const auto ctx_md = f32_desc({heads, L, d}, {d, H, 1});

    dnnl::primitive_attr scale_attr;
    scale_attr.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(d))});
    SequencePrimitives p{
        dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(q_md, kt_md, probs_md), scale_attr, cpu_engine())),
        dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(
            dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, probs_md, 2), cpu_engine())),
        dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(probs_md, v_md, ctx_md), cpu_engine())),
    };
    return per_length_.emplace(length, std::move(p)).first->second;
}

void SelfAttention::forward(float* hidden, const PackedBatch& batch, AttentionMaps* maps) {
    const int64_t N = batch.tokens(), H = hidden_, d = head_size_;
    qkv_buffer_.resize(static_cast<std::size_t>(N * 3 * H));
    context_buffer_.resize(static_cast<std::size_t>(N * H));
    const int64_t longest = batch.max_length();
    probs_buffer_.resize(static_cast<std::size_t>(heads_ * longest * longest));
    qkv_.forward(hidden, N, qkv_buffer_.data());
    if (maps) maps->resize(static_cast<std::size_t>(batch.sequences()));

    auto& stream = cpu_stream();
    for (int64_t s = 0; s < batch.sequences(); ++s) {
        const int64_t L = batch.length(s), first = batch.offsets[s];
        SequencePrimitives& p = primitives_for(L);
        const float* q = qkv_buffer_.data() + first * 3 * H;
        const float* k = q + H;
        const float* v = q + 2 * H;
        float* probs = probs_buffer_.data();
        const auto probs_md = f32_desc({heads_, L, L});
        auto probs_mem = wrap(probs_md, probs);
        p.scores.execute(stream, {{DNNL_ARG_SRC, wrap(f32_desc({heads_, L, d}, {d, 3 * H, 1}), q)},
                                  {DNNL_ARG_WEIGHTS, wrap(f32_desc({heads_, d, L}, {d, 1, 3 * H}), k)},
                                  {DNNL_ARG_DST, probs_mem}});
        p.softmax.execute(stream, {{DNNL_ARG_SRC, probs_mem}, {DNNL_ARG_DST, probs_mem}});
        p.context.execute(stream, {{DNNL_ARG_SRC, probs_mem},
                                   {DNNL_ARG_WEIGHTS, wrap(f32_desc({heads_, L, d}, {d, 3 * H, 1}), v)},
                                   {DNNL_ARG_DST, wrap(f32_desc({heads_, L, d}, {d, H, 1}),
                                                       context_buffer_.data() + first * H)}});
        if (maps) (*maps)[s].assign(probs, probs + heads_ * L * L);
    }
    output_.forward(context_buffer_.data(), N, hidden);
    norm_.forward(hidden, N);
}

}  // namespace bertcls
