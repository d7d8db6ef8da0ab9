#include "ops/dnnl_context.h"

#include <algorithm>
#include <cstdint>
#include <memory>

namespace bertcls {

dnnl::engine& cpu_engine() {
    static dnnl::engine engine = [] {
        // Every (layer, batch shape) pair asks for a primitive; identical ones across layers come
        // from this cache instead of being compiled again.
        if (dnnl::get_primitive_cache_capacity() < 4096) dnnl::set_primitive_cache_capacity(4096);
        return dnnl::engine(dnnl::engine::kind::cpu, 0);
    }();
    return engine;
}

dnnl::stream& cpu_stream() {
    thread_local dnnl::stream stream(cpu_engine());  // a stream is not meant to be shared between threads
    return stream;
}

dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims) {
    dnnl::memory::dims strides(dims.size(), 1);
    for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
    return f32_desc(dims, strides);
}

dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, const dnnl::memory::dims& strides) {
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::memory wrap(const dnnl::memory::desc& desc, const float* data) {
    return dnnl::memory(desc, cpu_engine(), const_cast<float*>(data));
}

namespace {

struct Scratchpad {
    std::size_t bytes = 0;
    std::unique_ptr<std::byte[]> buffer;
    dnnl::memory memory;
};

Scratchpad& thread_scratchpad() {
    thread_local Scratchpad pad;
    return pad;
}

}  // namespace

void reserve_scratchpad(std::size_t bytes) {
    Scratchpad& pad = thread_scratchpad();
    if (pad.memory && bytes <= pad.bytes) return;
    pad.bytes = std::max<std::size_t>(bytes, 4096);
    pad.buffer.reset(new std::byte[pad.bytes + 64]);
    auto* aligned = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(pad.buffer.get()) + 63) & ~std::uintptr_t{63});
    pad.memory = dnnl::memory(dnnl::memory::desc({static_cast<dnnl::memory::dim>(pad.bytes)}, dnnl::memory::data_type::u8,
                                                 dnnl::memory::format_tag::a),
                              cpu_engine(), aligned);
}

const dnnl::memory& scratchpad() {
    Scratchpad& pad = thread_scratchpad();
    if (!pad.memory) reserve_scratchpad(0);
    return pad.memory;
}

}  // namespace bertcls
