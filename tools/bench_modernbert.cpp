// bench_modernbert: what a sliding-window layer costs next to a global one. Times, in thread CPU
// time (robust on a loaded machine, where wall time is not), on one thread:
//  - the attention kernel alone for one head at --seq tokens, full and with --window each side;
//  - with --model, whole forward passes of one --seq-token sequence (compare a model whose layers
//    are all global with one whose layers are all sliding but the first; see PERFORMANCE.md).
//   bench_modernbert [--seq 512] [--window 64] [--head-size 64] [--runs 20] [--model M.bertcls]
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "models/model_file.h"
#include "models/sequence_classifier.h"
#include "ops/attention_kernel.h"

using namespace bertcls;

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

template <class F>
double median_ms(int runs, F&& f) {
    std::vector<double> times;
    f();  // warm-up
    for (int r = 0; r < runs; ++r) {
        const double start = thread_cpu_ms();
        f();
        times.push_back(thread_cpu_ms() - start);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"sliding-window vs global attention cost"};
    int64_t seq = 512, window = 64, d = 64;
    int runs = 20;
    std::string model_path;
    app.add_option("--seq", seq);
    app.add_option("--window", window);
    app.add_option("--head-size", d);
    app.add_option("--runs", runs);
    app.add_option("--model", model_path);
    CLI11_PARSE(app, argc, argv);
    omp_set_num_threads(1);

    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    const int64_t stride = 3 * d;
    std::vector<float> qkv(static_cast<std::size_t>(seq * stride)), context(static_cast<std::size_t>(seq * d));
    for (auto& x : qkv) x = normal(rng);
    std::vector<float> scratch(attention_scratch_floats(seq, d) + 16);
    const auto head = [&](int64_t w) {
        AttentionHead h{.q = qkv.data(), .k = qkv.data() + d, .v = qkv.data() + 2 * d, .qkv_stride = stride,
                        .length = seq, .head_size = d, .scale = 0.125f, .queries = 0, .context = context.data(),
                        .context_stride = d, .probs = nullptr, .window = w};
        return median_ms(runs, [&] { attention_head(h, scratch.data()); });
    };
    const double full = head(-1), banded = head(window);
    std::printf("attention kernel (%s), one head, seq %lld, head size %lld: full %.3f ms, window %lld each side %.3f ms, "
                "ratio %.2f\n",
                attention_kernel_name(), static_cast<long long>(seq), static_cast<long long>(d), full,
                static_cast<long long>(window), banded, banded / full);

    if (!model_path.empty()) {
        auto model = std::make_shared<const ModelFile>(model_path);
        SequenceClassifier classifier(model);
        classifier.pack_weights();
        std::vector<int32_t> ids(static_cast<std::size_t>(seq));
        for (auto& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(model->config().vocab_size));
        const std::vector<SequenceInput> inputs{{ids, {}}};
        const double ms = median_ms(runs, [&] { classifier.forward(inputs); });
        std::printf("forward %s, seq %lld, 1 thread: %.1f ms (thread CPU time, median of %d)\n", model_path.c_str(),
                    static_cast<long long>(seq), ms, runs);
    }
    return 0;
}
