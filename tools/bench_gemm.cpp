// bench_gemm: bert-base's dense layers as a forward pass runs them (QKV and output projection
// over all rows, the FFN in blocks of 512 rows), each layer with its own weights so that they
// come from memory as they do in a real model, on blocked_gemm and on oneDNN's matmul (its
// weights in the layout it picks, as Linear packs them for it), in alternating rounds. Prints
// GFLOP/s for each and their ratio.
//   bench_gemm [--rows 128] [--layers 12] [--threads 1] [--rounds 5]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <CLI/CLI.hpp>
#include <dnnl.hpp>

#include "ops/blocked_gemm.h"
#include "ops/dnnl_context.h"
#include "ops/weight_packing.h"

using namespace bertcls;
using dnnl::memory;

namespace {

struct Layer {
    int64_t in, out;
    AlignedBuffer weight;  // BA16a64b
    std::vector<float> bias;
    std::optional<Activation> activation;
    bool accumulate;
    dnnl::memory onednn_weight;  // the same in oneDNN's chosen layout, made on first use
};

double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"blocked_gemm against oneDNN's matmul on bert-base's dense layers"};
    int64_t rows = 128;
    int layers = 12, threads = 1, rounds = 5;
    app.add_option("--rows", rows, "tokens per forward pass")->check(CLI::Range(1, 1 << 16));
    app.add_option("--layers", layers, "encoder layers, each with its own weights")->check(CLI::Range(1, 48));
    app.add_option("--threads", threads)->check(CLI::Range(1, 256));
    app.add_option("--rounds", rounds)->check(CLI::Range(1, 1000));
    CLI11_PARSE(app, argc, argv);
    if (!blocked_gemm_available()) {
        std::fprintf(stderr, "bench_gemm: blocked_gemm needs AVX-512 or AVX2 + FMA (and BERTCLS_GEMM unset)\n");
        return 2;
    }
    omp_set_num_threads(threads);
    constexpr int64_t H = 768, I = 3072, kFfnBlock = 512;

    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-0.05f, 0.05f);
    std::vector<Layer> model;
    for (int l = 0; l < layers; ++l) {
        const struct {
            int64_t in, out;
            std::optional<Activation> activation;
            bool accumulate;
        } shapes[] = {{H, 3 * H, {}, false}, {H, H, {}, true}, {H, I, Activation::gelu_erf, false}, {I, H, {}, true}};
        for (const auto& s : shapes) {
            Layer layer{s.in, s.out, AlignedBuffer::allocate(static_cast<std::size_t>(s.in * s.out) * 4),
                        std::vector<float>(static_cast<std::size_t>(s.out)), s.activation, s.accumulate};
            auto* w = reinterpret_cast<float*>(layer.weight.data.get());
            for (int64_t i = 0; i < s.in * s.out; ++i) w[i] = dist(rng);
            for (auto& b : layer.bias) b = dist(rng);
            model.push_back(std::move(layer));
        }
    }
    std::vector<float> x(static_cast<std::size_t>(rows * I)), y(static_cast<std::size_t>(rows * I));
    for (auto& v : x) v = dist(rng) * 20;

    // One oneDNN matmul per (layer shape, row count), as Linear builds them.
    std::vector<std::vector<std::pair<int64_t, dnnl::matmul>>> primitives(model.size());
    const auto onednn = [&](std::size_t index, int64_t m) -> dnnl::matmul& {
        for (auto& [count, p] : primitives[index])
            if (count == m) return p;
        const Layer& l = model[index];
        dnnl::post_ops ops;
        if (l.accumulate) ops.append_sum(1.0f);
        if (l.activation) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const dnnl::matmul::primitive_desc pd(
            dnnl::matmul::desc(f32_desc({m, l.in}), memory::desc({l.in, l.out}, memory::data_type::f32, memory::format_tag::any),
                               f32_desc({1, l.out}), f32_desc({m, l.out})),
            attr, cpu_engine());
        Layer& layer = model[index];
        if (!layer.onednn_weight) {  // the layout depends on the weight's shape, not on m
            memory blocked(memory::desc({l.in, l.out}, memory::data_type::f32, memory::format_tag::BA16a64b), cpu_engine(),
                           layer.weight.data.get());
            layer.onednn_weight = memory(pd.weights_desc(), cpu_engine());
            dnnl::reorder(blocked, layer.onednn_weight).execute(cpu_stream(), blocked, layer.onednn_weight);
            cpu_stream().wait();
        }
        primitives[index].emplace_back(m, dnnl::matmul(pd));
        return primitives[index].back().second;
    };
    const auto run_layer = [&](bool ours, std::size_t index, int64_t m) {
        const Layer& l = model[index];
        const auto* w = reinterpret_cast<const float*>(l.weight.data.get());
        if (ours) {
            blocked_gemm({x.data(), m, l.in, w, l.in, l.out, l.bias.data(), y.data(), l.accumulate, l.activation});
            return;
        }
        onednn(index, m).execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(f32_desc({m, l.in}), x.data())},
                                                {DNNL_ARG_WEIGHTS, l.onednn_weight},
                                                {DNNL_ARG_BIAS, wrap(f32_desc({1, l.out}), l.bias.data())},
                                                {DNNL_ARG_DST, wrap(f32_desc({m, l.out}), y.data())}});
    };
    double flops = 0;
    const auto forward = [&](bool ours) {
        flops = 0;
        for (std::size_t i = 0; i < model.size(); i += 4) {
            for (std::size_t j : {i, i + 1}) {
                run_layer(ours, j, rows);
                flops += 2.0 * rows * model[j].in * model[j].out;
            }
            for (int64_t first = 0; first < rows; first += kFfnBlock)
                for (std::size_t j : {i + 2, i + 3}) {
                    const int64_t m = std::min(kFfnBlock, rows - first);
                    run_layer(ours, j, m);
                    flops += 2.0 * m * model[j].in * model[j].out;
                }
        }
    };
    forward(true);
    forward(false);
    std::vector<double> ours, theirs;
    for (int r = 0; r < rounds; ++r) {
        for (const bool which : {true, false}) {
            const double start = seconds();
            forward(which);
            (which ? ours : theirs).push_back(flops / (seconds() - start) / 1e9);
        }
    }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    const double a = ours[ours.size() / 2], b = theirs[theirs.size() / 2];
    std::printf("rows %lld, %d layers, %d threads: blocked_gemm %.1f GFLOP/s, oneDNN %.1f GFLOP/s (medians of %d): %.3fx\n",
                static_cast<long long>(rows), layers, threads, a, b, rounds, a / b);
    return 0;
}
