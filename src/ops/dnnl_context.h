#pragma once
// The one CPU engine and stream every primitive runs on.
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

}  // namespace bertcls
