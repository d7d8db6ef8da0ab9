#!/usr/bin/env python3
"""ONNX Runtime (Python, CPU) peer for `bertcls bench`: the same measures as
../shared/bench/node/bench_ort.js, for machines with the Python package instead of the npm one
(e.g. the device machine, where tools/bench_device.sh runs it on f32 and dynamic-int8 models).

    bench_ort.py --model model.onnx --threads 2 --workload sst2_dev.json [--latency-seq 128] [--runs 20] [--reps 3]

Prints one JSON object: {"latency_ms": {"median", "p90"}, "throughput_seq_s", "load_ms"}.
Throughput: the workload's sequences sorted by length, in batches of its batch_size (32),
padded per batch with an attention mask; median of --reps passes after one warm-up batch."""
import argparse
import json
import statistics
import time

import numpy as np
import onnxruntime as ort


def batch_feeds(seqs, names):
    B, L = len(seqs), max(len(s) for s in seqs)
    ids = np.zeros((B, L), np.int64)
    mask = np.zeros((B, L), np.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
        mask[i, :len(s)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros((B, L), np.int64)}
    return {n: feeds[n] for n in names}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--latency-seq", type=int, default=128)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    start = time.perf_counter()
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - start) * 1e3
    names = [i.name for i in sess.get_inputs()]

    one = batch_feeds([[101] + [2000 + i % 1000 for i in range(a.latency_seq - 2)] + [102]], names)
    for _ in range(5):
        sess.run(None, one)
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        sess.run(None, one)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()

    wl = json.load(open(a.workload))
    seqs = sorted(wl["input_ids"], key=len)
    bs = wl.get("batch_size", 32)
    batches = [batch_feeds(seqs[i:i + bs], names) for i in range(0, len(seqs), bs)]
    sess.run(None, batches[0])
    rates = []
    for _ in range(a.reps):
        t = time.perf_counter()
        for b in batches:
            sess.run(None, b)
        rates.append(len(seqs) / (time.perf_counter() - t))
    print(json.dumps({"latency_ms": {"median": statistics.median(times), "p90": times[int(0.9 * (len(times) - 1))]},
                      "throughput_seq_s": statistics.median(rates), "load_ms": load_ms, "threads": a.threads}))


if __name__ == "__main__":
    main()
