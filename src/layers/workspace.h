#pragma once
// Activation buffers shared by every layer of a forward pass: one layer runs at a time, so one set
// serves them all (per-layer buffers would multiply activation memory by the layer count and
// make each layer touch fresh memory). Threads running batches side by side have one set each.
// Buffers only grow, so steady-state calls allocate nothing.
#include <cstddef>
#include <vector>

namespace bertcls {

struct Workspace {
    std::vector<float> qkv, first_queries, context, intermediate, attention_scratch, head_activated, head_logits;

    // The buffer, grown to at least `size` floats.
    static float* reserve(std::vector<float>& buffer, std::size_t size) {
        if (buffer.size() < size) buffer.resize(size);
        return buffer.data();
    }
};

}  // namespace bertcls
