#pragma once
// The one CPU engine every primitive runs on, and each calling thread's stream and scratchpad.
#include <cstddef>

#include <dnnl.hpp>

namespace bertcls {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

// A plain row-major f32 memory descriptor.
dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims);
// An f32 descriptor with explicit strides (views into larger buffers).
dnnl::memory::desc f32_desc(const dnnl::memory::dims& dims, const dnnl::memory::dims& strides);

// Wraps a pointer without copying; oneDNN's API wants non-const handles even for inputs.
dnnl::memory wrap(const dnnl::memory::desc& desc, const float* data);

// Primitives are built with scratchpad_mode::user and all share one buffer, so executing them
// allocates nothing. reserve_scratchpad grows it when a primitive is created (never while one
// runs); scratchpad() is the memory to pass as DNNL_ARG_SCRATCHPAD. Per calling thread.
void reserve_scratchpad(std::size_t bytes);
const dnnl::memory& scratchpad();

}  // namespace bertcls
