#pragma once
// What every attention layer (SelfAttention, DisentangledAttention, ModernBERT's) does around its
// kernel, written once: Q, K and V come from one fused projection, [rows, 3H] with Q, K and V
// side by side; each (sequence, head) is one task of one parallel loop with its own kernel
// scratch; the context goes to [rows, H] at the token's own row, or, when only each sequence's
// first token is computed, sequence s's to row s; probabilities, when kept, go to one
// [heads, L, L] array per sequence.
#include <omp.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "layers/packed_batch.h"
#include "layers/workspace.h"

namespace bertcls {

// Where attention probabilities go when a caller asks for them: one [heads, L, L] array per
// sequence. Null means they are not kept, and nothing is copied.
using AttentionMaps = std::vector<std::vector<float>>;

// One attention call's buffers over a packed batch.
struct HeadTasks {
    const PackedBatch& batch;
    int64_t hidden, heads, head_size;
    float* qkv;            // [rows, 3H]
    float* context;        // [rows, H]
    bool first_only;       // each sequence's first query only
    AttentionMaps* maps;   // null: probabilities not kept

    // Head h of sequence s's queries (its keys follow at +H, its values at +2H, rows 3H apart).
    float* queries(int64_t s, int64_t h) const { return qkv + batch.offsets[s] * 3 * hidden + h * head_size; }

    // Head h of sequence s in the fields every kernel's head description has (AttentionHead,
    // DisentangledHead); the caller adds the kernel's own.
    template <typename Head>
    Head head(int64_t s, int64_t h, float scale) const {
        const int64_t L = batch.length(s);
        Head args{};
        args.q = queries(s, h);
        args.k = args.q + hidden;
        args.v = args.q + 2 * hidden;
        args.qkv_stride = 3 * hidden;
        args.length = L;
        args.head_size = head_size;
        args.scale = scale;
        args.queries = first_only ? 1 : 0;
        args.context = context + (first_only ? s : batch.offsets[s]) * hidden + h * head_size;
        args.context_stride = hidden;
        args.probs = maps ? (*maps)[static_cast<std::size_t>(s)].data() + h * L * L : nullptr;
        return args;
    }

    // Sizes the maps (when kept), then runs run(s, h, scratch) for every (sequence, head) in one
    // parallel loop; each thread's scratch is `scratch_floats` from work.attention_scratch.
    template <typename Run>
    void for_each(std::size_t scratch_floats, Workspace& work, const Run& run) const {
        if (maps) {
            maps->resize(static_cast<std::size_t>(batch.sequences()));
            for (int64_t s = 0; s < batch.sequences(); ++s)
                (*maps)[static_cast<std::size_t>(s)].resize(
                    static_cast<std::size_t>(heads * batch.length(s) * batch.length(s)));
        }
        const std::size_t per_thread = (scratch_floats + 15) / 16 * 16;  // whole cache lines
        float* scratch =
            Workspace::reserve(work.attention_scratch, per_thread * static_cast<std::size_t>(omp_get_max_threads()));
        const int64_t tasks = batch.sequences() * heads;
        // About 4 L_q L_k head_size flops per head (scores and context): a short text's heads
        // are done sooner than another thread wakes up (or the OpenMP pool starts).
        constexpr int64_t kMinParallelFlops = 1 << 20;
        int64_t flops = 0;
        for (int64_t s = 0; s < batch.sequences(); ++s) flops += 4 * (first_only ? 1 : batch.length(s)) * batch.length(s) * hidden;
#pragma omp parallel for schedule(dynamic, 1) if (tasks > 1 && flops >= kMinParallelFlops)
        for (int64_t task = 0; task < tasks; ++task)
            run(task / heads, task % heads, scratch + per_thread * static_cast<std::size_t>(omp_get_thread_num()));
    }
};

}  // namespace bertcls
