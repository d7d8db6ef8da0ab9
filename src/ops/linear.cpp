#include "ops/linear.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ops/activation_convert.h"
#include "ops/blocked_gemm.h"
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

namespace {

memory::data_type input_data_type(ComputeType compute) {
    switch (compute) {
        case ComputeType::bf16: return memory::data_type::bf16;
        case ComputeType::int8: return memory::data_type::u8;
        case ComputeType::f32: break;
    }
    return memory::data_type::f32;
}

// int8 computes q_x·q_w in s32 and scales it by the weight's per-channel scales as a run-time
// per-channel multiply post-op (oneDNN 2.6 takes its VNNI brgemm kernels only without run-time
// output scales, and scales fixed at creation would make every layer's primitive distinct). The
// activations' per-row scale, their zero point, the bias, the residual and the activation come
// after, in int8_epilogue: brgemm cannot broadcast a post-op per row.
dnnl::primitive_attr make_attr(const LinearEpilogue& epilogue, ComputeType compute, int64_t out) {
    dnnl::post_ops ops;
    if (compute == ComputeType::int8) {
        ops.append_binary(dnnl::algorithm::binary_mul, f32_desc({1, out}));
    } else {
        if (epilogue.accumulate) ops.append_sum(1.0f);
        if (epilogue.activation) ops.append_eltwise(1.0f, eltwise_algorithm(*epilogue.activation), 0.0f, 0.0f);
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

dnnl::matmul::primitive_desc make_matmul(const memory::desc& x, const memory::desc& w, const memory::desc& y,
                                         const LinearEpilogue& epilogue, ComputeType compute, int64_t out) {
    const dnnl::primitive_attr attr = make_attr(epilogue, compute, out);
    if (compute == ComputeType::int8) return {dnnl::matmul::desc(x, w, y), attr, cpu_engine()};
    return {dnnl::matmul::desc(x, w, f32_desc({1, out}), y), attr, cpu_engine()};
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

// Below AVX-512, oneDNN 2.6 runs f32 matmuls on its AVX2 sgemm, which rounds a row differently
// depending on how many rows the call has and how its threads split the work: a record's scores
// would depend on the other records in its batch. Its AVX-512 kernels (brgemm) compute each row
// on its own. Where the rounding depends on the rows, every oneDNN call gets the same row count
// (Linear::run_matmul_in_fixed_chunks), so a row's result depends on that row alone. With AVX2
// and FMA no layer comes here (blocked_gemm; bf16 and int8 fall back to f32 there) unless
// BERTCLS_GEMM=onednn sends every layer here, to compare the two.
bool matmul_rounding_depends_on_rows() {
    static const bool depends = dnnl::get_effective_cpu_isa() < dnnl::cpu_isa::avx512_core;
    return depends;
}

// Per-thread buffers shared by every layer (layers run one at a time; buffers only grow): the
// converted input of a bf16 or int8 GEMM, and the raw output of an int8 one.
enum class Scratch { converted_input, int8_product };
std::byte* thread_buffer(Scratch which, std::size_t bytes) {
    thread_local AlignedBuffer buffers[2];
    AlignedBuffer& buffer = buffers[static_cast<int>(which)];
    if (buffer.bytes < bytes) buffer = AlignedBuffer::allocate(bytes);
    return buffer.data.get();
}

// int8: the per-row scales and zero points the calling thread quantized its current input with,
// which its epilogue then needs.
struct RowQuantization {
    std::vector<float> scales;
    std::vector<int32_t> zero_points;
};
RowQuantization& row_quantization(int64_t rows) {
    thread_local RowQuantization rows_of_this_thread;
    rows_of_this_thread.scales.resize(static_cast<std::size_t>(rows));
    rows_of_this_thread.zero_points.resize(static_cast<std::size_t>(rows));
    return rows_of_this_thread;
}

}  // namespace

Linear::Linear(DenseWeight weight, const TensorInfo& bias, LinearEpilogue epilogue, const MappedFile* source,
               ComputeType compute)
    : in_(weight.in()),
      out_(weight.out()),
      weight_(weight),
      bias_(bias.as<float>().data()),
      epilogue_(epilogue),
      source_(source),
      compute_(compute),
      bias_mem_(wrap(f32_desc({1, out_}), bias_)) {
    const bool stored_as_computed = weight_data_type(compute_) == stored_blocked_layout(weight_).data_type();
    if (weight_.blocked && stored_as_computed && stored_blocked_layout(weight_) == packed_layout()) {
        // Stored by the converter in the very layout the kernels read: used from the mapping.
        weight_md_ = stored_blocked_layout(weight_);
        weight_mem_ = memory(weight_md_, cpu_engine(), const_cast<std::byte*>(weight_.values->bytes.data()));
        in_place_blocked_ = true;
        if (wants_blocked_gemm()) blocked_gemm_weight_ = weight_.values->as<float>().data();
        if (compute_ == ComputeType::int8) set_int8_scales(int8_weight_sums(weight_));
        if (source_) prefault(weight_.values->bytes);
    } else if (compute_ == ComputeType::f32 && weight_.values->dtype == DType::F32 && !weight_.blocked &&
               !wants_blocked_gemm()) {
        // [out, in] row-major read as [in, out] with strides {1, in}: no copy.
        weight_md_ = f32_desc({in_, out_}, {1, in_});
        weight_mem_ = wrap(weight_md_, weight_.values->as<float>().data());
        if (source_) prefault(weight_.values->bytes);
    } else {
        pack();
    }
}

bool Linear::wants_blocked_gemm() const {
    return compute_ == ComputeType::f32 && blocked_gemm_available() && blocked_gemm_fits(in_, out_);
}

memory::desc Linear::packed_layout() const {
    if (wants_blocked_gemm()) return {{in_, out_}, memory::data_type::f32, memory::format_tag::BA16a64b};
    // The blocked layout the GEMM kernels want. It depends on the weight's shape, not on the
    // row count, so one packed copy serves every batch shape.
    const memory::desc probe_x({128, in_}, input_data_type(compute_), memory::format_tag::ab);
    const memory::desc any_w({in_, out_}, weight_data_type(compute_), memory::format_tag::any);
    return make_matmul(probe_x, any_w, f32_desc({128, out_}), epilogue_, compute_, out_).weights_desc();
}

void Linear::pack() {
    if (packed()) return;
    const memory::desc layout = packed_layout();
    PackedWeight packed = pack_weight(weight_, compute_, layout);
    if (source_) source_->release_pages(weight_.values->bytes);
    packed_ = std::move(packed.buffer);
    if (compute_ == ComputeType::int8) set_int8_scales(std::move(packed));
    weight_md_ = layout;
    weight_mem_ = memory(layout, cpu_engine(), packed_.data.get());
    if (wants_blocked_gemm()) blocked_gemm_weight_ = reinterpret_cast<const float*>(packed_.data.get());
    primitives_.clear();
}

void Linear::set_int8_scales(PackedWeight weight) {
    weight_scales_ = std::move(weight.scales);
    weight_zero_correction_.resize(weight_scales_.size());
    for (std::size_t n = 0; n < weight_scales_.size(); ++n)
        weight_zero_correction_[n] = weight_scales_[n] * static_cast<float>(weight.row_sums[n]);
}

memory Linear::gemm_input(const float* x, int64_t rows, int64_t x_stride) {
    const memory::desc md({rows, in_}, input_data_type(compute_), memory::format_tag::ab);
    switch (compute_) {
        case ComputeType::f32: return wrap(f32_desc({rows, in_}, {x_stride, 1}), x);
        case ComputeType::bf16: {
            auto* converted = reinterpret_cast<uint16_t*>(thread_buffer(Scratch::converted_input, static_cast<std::size_t>(rows * in_) * 2));
            convert_to_bf16(x, rows, in_, x_stride, converted);
            return memory(md, cpu_engine(), converted);
        }
        case ComputeType::int8: {
            auto* converted =
                reinterpret_cast<uint8_t*>(thread_buffer(Scratch::converted_input, static_cast<std::size_t>(rows * in_)));
            RowQuantization& q = row_quantization(rows);
            quantize_rows_to_u8(x, rows, in_, x_stride, converted, q.scales.data(), q.zero_points.data());
            return memory(md, cpu_engine(), converted);
        }
    }
    return {};
}

void Linear::forward(const float* x, int64_t rows, float* y, int64_t x_stride) {
    if (rows == 0) return;
    if (x_stride == 0) x_stride = in_;
    if (blocked_gemm_weight_) {
        run_blocked_gemm(x, rows, x_stride, y, out_, 0, out_);
        return;
    }
    if (matmul_rounding_depends_on_rows()) run_matmul_in_fixed_chunks(x, rows, y, x_stride);
    else run_matmul(x, rows, y, x_stride);
}

void Linear::run_matmul_in_fixed_chunks(const float* x, int64_t rows, float* y, int64_t x_stride) {
    const int64_t chunks = (rows + kFixedRows - 1) / kFixedRows;
    // A parallel region with more than one thread, even for one chunk: inside it oneDNN runs
    // each call on the calling thread alone, so no call is split between threads.
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int64_t c = 0; c < chunks; ++c) {
            const int64_t first = c * kFixedRows, n = std::min(kFixedRows, rows - first);
            if (n == kFixedRows) {
                run_matmul(x + first * x_stride, kFixedRows, y + first * out_, x_stride);
                continue;
            }
            // The last rows, padded to a whole chunk (padding rows are zeros; nothing reads them).
            thread_local std::vector<float> padded_x, padded_y;
            padded_x.assign(static_cast<std::size_t>(kFixedRows * in_), 0.0f);
            padded_y.assign(static_cast<std::size_t>(kFixedRows * out_), 0.0f);
            for (int64_t m = 0; m < n; ++m) std::copy_n(x + (first + m) * x_stride, in_, padded_x.data() + m * in_);
            if (epilogue_.accumulate) std::copy_n(y + first * out_, n * out_, padded_y.data());
            run_matmul(padded_x.data(), kFixedRows, padded_y.data(), in_);
            std::copy_n(padded_y.data(), n * out_, y + first * out_);
        }
    }
}

void Linear::run_matmul(const float* x, int64_t rows, float* y, int64_t x_stride) {
    const memory input = gemm_input(x, rows, x_stride);
    const memory::desc y_md = f32_desc({rows, out_});
    const int64_t key = rows * 1'000'003 + (compute_ == ComputeType::f32 ? x_stride : in_);
    const auto matmul = primitives_.get(key, [&] {
        const auto pd = make_matmul(input.get_desc(), weight_md_, y_md, epilogue_, compute_, out_);
        return PrimitiveCache<dnnl::matmul>::Entry{dnnl::matmul(pd), pd.scratchpad_desc().get_size()};
    });
    reserve_scratchpad(matmul.scratchpad_bytes);
    float* product = compute_ == ComputeType::int8
                         ? reinterpret_cast<float*>(thread_buffer(Scratch::int8_product,
                                                                  static_cast<std::size_t>(rows * out_) * sizeof(float)))
                         : y;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, input},
                                         {DNNL_ARG_WEIGHTS, weight_mem_},
                                         {DNNL_ARG_DST, wrap(y_md, product)},
                                         {DNNL_ARG_SCRATCHPAD, scratchpad()}};
    if (compute_ == ComputeType::int8)
        args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = wrap(f32_desc({1, out_}), weight_scales_.data());
    else
        args[DNNL_ARG_BIAS] = bias_mem_;
    matmul.primitive.execute(cpu_stream(), args);
    if (compute_ == ComputeType::int8) int8_epilogue(product, rows, y);
}

void Linear::forward_columns(const float* x, int64_t rows, float* y, int64_t y_stride, int64_t begin, int64_t end) {
    if (!computes_column_ranges() || begin % 64 != 0 || end % 64 != 0 || begin < 0 || end > out_ || begin > end)
        throw std::logic_error("Linear::forward_columns: columns [" + std::to_string(begin) + ", " +
                               std::to_string(end) + ") of a layer that cannot split them");
    run_blocked_gemm(x, rows, in_, y, y_stride, begin, end);
}

void Linear::run_blocked_gemm(const float* x, int64_t rows, int64_t x_stride, float* y, int64_t y_stride,
                              int64_t begin, int64_t end) const {
    blocked_gemm({.x = x,
                  .rows = rows,
                  .x_stride = x_stride,
                  .weight = blocked_gemm_weight_,
                  .in = in_,
                  .out = out_,
                  .bias = bias_,
                  .y = y,
                  .accumulate = epilogue_.accumulate,
                  .activation = epilogue_.activation,
                  .out_begin = begin,
                  .out_end = end,
                  .y_stride = y_stride});
}

void Linear::int8_epilogue(const float* product, int64_t rows, float* y) {
    // product[m, n] = s_w[n] Σ_k q_x q_w; with x ≈ s[m] (q_x - z[m]):
    // x·w = s[m] product[m, n] - s[m] z[m] s_w[n] Σ_k q_w[n, k].
    const int64_t out = out_;
    const float* bias = bias_;
    const float* correction = weight_zero_correction_.data();
    const bool accumulate = epilogue_.accumulate;
    const RowQuantization& q = row_quantization(rows);
#pragma omp parallel for schedule(static) if (rows * out >= (1 << 16))
    for (int64_t m = 0; m < rows; ++m) {
        const float s = q.scales[static_cast<std::size_t>(m)];
        const float sz = s * static_cast<float>(q.zero_points[static_cast<std::size_t>(m)]);
        const float* p = product + m * out;
        float* row = y + m * out;
        if (accumulate) {
#pragma omp simd
            for (int64_t n = 0; n < out; ++n) row[n] += s * p[n] - sz * correction[n] + bias[n];
        } else {
#pragma omp simd
            for (int64_t n = 0; n < out; ++n) row[n] = s * p[n] - sz * correction[n] + bias[n];
        }
    }
    if (!epilogue_.activation) return;
    const auto activation = activations_.get(rows, [&] {
        const dnnl::eltwise_forward::primitive_desc pd(
            dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, eltwise_algorithm(*epilogue_.activation),
                                        f32_desc({rows, out}), 0.0f, 0.0f),
            cpu_engine());
        return PrimitiveCache<dnnl::eltwise_forward>::Entry{dnnl::eltwise_forward(pd)};
    });
    const memory data = wrap(f32_desc({rows, out}), y);
    activation.primitive.execute(cpu_stream(), {{DNNL_ARG_SRC, data}, {DNNL_ARG_DST, data}});
}

}  // namespace bertcls
