#pragma once
// The arithmetic the encoder's dense layers run in. Everything else (embeddings, LayerNorm,
// softmax, residuals, the pooler and the classifier) always runs in f32.
#include <optional>
#include <string>
#include <string_view>

namespace bertcls {

enum class ComputeType {
    f32,
    bf16,  // bf16 weights and activations, f32 accumulation and output
    int8,  // s8 weights (per output channel), u8 activations (asymmetric, one scale per row), s32 sums
};

const char* compute_type_name(ComputeType type);
std::optional<ComputeType> parse_compute_type(std::string_view name);

// What a model asked for against what this CPU runs at full speed (as oneDNN sees it, so
// DNNL_MAX_CPU_ISA limits it too). int8 needs VNNI: without it oneDNN multiplies u8 by s8 with
// vpmaddubsw, whose 16-bit pair sums saturate silently. bf16 needs AVX512-BF16.
struct ComputeChoice {
    ComputeType requested;
    ComputeType effective;
    std::string reason;  // why effective differs from requested; empty when they agree
};
ComputeChoice choose_compute_type(ComputeType requested);

}  // namespace bertcls
