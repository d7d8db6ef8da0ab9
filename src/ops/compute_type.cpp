#include "ops/compute_type.h"

#include <dnnl.hpp>

namespace bertcls {

const char* compute_type_name(ComputeType type) {
    switch (type) {
        case ComputeType::f32: return "f32";
        case ComputeType::bf16: return "bf16";
        case ComputeType::int8: return "int8";
    }
    return "?";
}

std::optional<ComputeType> parse_compute_type(std::string_view name) {
    for (ComputeType type : {ComputeType::f32, ComputeType::bf16, ComputeType::int8})
        if (name == compute_type_name(type)) return type;
    return std::nullopt;
}

namespace {

// oneDNN's ISA values are bit sets in which each level includes the ones below it.
bool isa_includes(dnnl::cpu_isa have, dnnl::cpu_isa want) {
    const auto h = static_cast<unsigned>(have), w = static_cast<unsigned>(want);
    return (h & w) == w;
}

}  // namespace

ComputeChoice choose_compute_type(ComputeType requested) {
    const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
    ComputeChoice choice{requested, requested, ""};
    if (requested == ComputeType::bf16 && !isa_includes(isa, dnnl::cpu_isa::avx512_core_bf16)) {
        choice.effective = ComputeType::f32;
        choice.reason = "this CPU has no AVX512-BF16, so the bf16 dense layers run in f32";
    } else if (requested == ComputeType::int8 && !isa_includes(isa, dnnl::cpu_isa::avx512_core_vnni)) {
        choice.effective = ComputeType::f32;
        choice.reason = "this CPU has no AVX512-VNNI (int8 products would saturate), so the int8 dense layers run in f32";
    }
    return choice;
}

}  // namespace bertcls
