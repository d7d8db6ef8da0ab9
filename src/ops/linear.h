#pragma once
// y = x · Wᵀ + b for a PyTorch-layout weight W [out, in], as one oneDNN matmul with the
// activation and the residual add fused as post-ops, in f32, bf16 or int8 arithmetic.
//
// An f32 layer over F32 weights starts out reading the weight in place from the mapped file
// (zero-copy; oneDNN re-blocks panels of it on every call). pack() re-lays it out once into the
// blocked format the GEMM kernels read directly (format_tag::any), then hands the mapped source
// pages back to the kernel so the model stays resident once. Packing costs a pass over the
// weights and a fresh allocation, which a process classifying one input never earns back, so
// the owner decides when. Every other combination (bf16 or int8 arithmetic, or weights stored
// as BF16 or I8) needs the conversion anyway and is packed when constructed.
// A weight the converter stored blocked in the kernels' own layout needs neither: it is read in
// place (see ops/dense_weight.h), unless this CPU's kernels want another layout.
// Primitives are built once per (row count, input stride) and reused.
// f32 layers run on our own kernels instead (ops/blocked_gemm.h): on AVX-512 CPUs the large
// ones with a multiple of 64 outputs, whose weight stream oneDNN's kernels stall on; on AVX2
// CPUs all of them, classifier heads included (their weight zero-padded to whole 64-wide
// panels), because oneDNN's AVX2 sgemm makes a row's rounding depend on the rest of the call
// and JIT-compiles itself on first use, which would cost a one-text classify most of its time.
// Their weight is blocked from the start (read in place, or packed when constructed): a layer
// that switched kernels at pack() would round differently before and after, and a batch job's
// output would depend on how its records were batched. Under BERTCLS_GEMM=onednn an AVX2 CPU
// runs every layer on oneDNN in calls of a fixed row count, for the same reason.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "util/mapped_file.h"
#include "util/tensor.h"
#include "ops/activation.h"
#include "ops/dense_weight.h"
#include "ops/compute_type.h"
#include "ops/primitive_cache.h"
#include "ops/weight_packing.h"

namespace bertcls {

struct LinearEpilogue {
    std::optional<Activation> activation;
    // Adds what `y` holds before the call (y = x·Wᵀ + b + y), so residuals need no extra pass.
    bool accumulate = false;
};

class Linear {
public:
    // `source`, when given, is the mapping `weight` lives in: its pages are released after packing.
    Linear(DenseWeight weight, const TensorInfo& bias, LinearEpilogue epilogue = {}, const MappedFile* source = nullptr,
           ComputeType compute = ComputeType::f32);
    Linear(const TensorInfo& weight, const TensorInfo& bias, LinearEpilogue epilogue = {},
           const MappedFile* source = nullptr)
        : Linear(DenseWeight{&weight}, bias, epilogue, source) {}

    int64_t out_features() const { return out_; }
    ComputeType compute_type() const { return compute_; }

    // x: [rows, in] with row stride `x_stride` (0 = in); y: [rows, out] contiguous.
    void forward(const float* x, int64_t rows, float* y, int64_t x_stride = 0);

    // Whether forward_columns can compute part of the outputs: layers that run on blocked_gemm
    // in whole 64-wide panels.
    bool computes_column_ranges() const { return blocked_gemm_weight_ != nullptr && out_ % 64 == 0; }
    // Outputs [begin, end) of each row only (multiples of 64), into y's rows of y_stride floats;
    // x contiguous. For a fused projection of which only some parts are needed for some rows.
    void forward_columns(const float* x, int64_t rows, float* y, int64_t y_stride, int64_t begin, int64_t end);

    // forward and forward_columns may run on several threads at once, on different data.
    // Switches to a packed copy of the weight (idempotent). Not while forward runs.
    void pack();
    bool packed() const { return packed_.data != nullptr || in_place_blocked_; }

private:
    // One oneDNN matmul over `rows` rows.
    void run_matmul(const float* x, int64_t rows, float* y, int64_t x_stride);
    // run_matmul over chunks of kFixedRows rows, each on one thread: oneDNN below AVX-512 (see linear.cpp).
    void run_matmul_in_fixed_chunks(const float* x, int64_t rows, float* y, int64_t x_stride);
    static constexpr int64_t kFixedRows = 16;

    dnnl::memory::desc packed_layout() const;
    // f32 on this CPU runs on blocked_gemm once the weight is blocked.
    bool wants_blocked_gemm() const;
    void run_blocked_gemm(const float* x, int64_t rows, int64_t x_stride, float* y, int64_t y_stride, int64_t begin,
                          int64_t end) const;
    // The input as the GEMM reads it: x itself, or x converted for bf16/int8 arithmetic.
    dnnl::memory gemm_input(const float* x, int64_t rows, int64_t x_stride);
    void set_int8_scales(PackedWeight weight);
    // int8: y = s[m] (product - z[m] correction[n]) + b (+ y), then the activation.
    void int8_epilogue(const float* product, int64_t rows, float* y);

    int64_t in_, out_;
    DenseWeight weight_;
    const float* bias_;
    LinearEpilogue epilogue_;
    const MappedFile* source_;
    ComputeType compute_;
    dnnl::memory::desc weight_md_;  // the mapped [out, in] weight, then the packed layout
    AlignedBuffer packed_;
    bool in_place_blocked_ = false;  // the mapped weight is already in the kernels' layout
    const float* blocked_gemm_weight_ = nullptr;  // set when forward runs on blocked_gemm
    dnnl::memory weight_mem_, bias_mem_;
    PrimitiveCache<dnnl::matmul> primitives_;  // keyed on rows and stride
    // int8: the weight's per-row scales s_w[n] and s_w[n] Σ_k q_w[n, k] (what a zero point costs),
    // and the activation primitive per row count (the epilogue runs outside the GEMM). The
    // activations' per-row scales are the calling thread's (row_quantization in linear.cpp).
    std::vector<float> weight_scales_, weight_zero_correction_;
    PrimitiveCache<dnnl::eltwise_forward> activations_;
};

// oneDNN's eltwise algorithm for an activation.
dnnl::algorithm eltwise_algorithm(Activation activation);

}  // namespace bertcls
