#!/usr/bin/env python3
"""Hugging Face `tokenizers` (Python binding) on one thread: the peer of tools/bench_tokenizer,
measured the way ../shared/bench/tokenizers/hf_tokenizers_bench.js does (encode_batch of 1000
lines, ids counted, median MB/s over REPS passes).

    RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false bench_hf_tokenizers.py tokenizer.json texts.txt [REPS]"""
import json
import statistics
import sys
import time

from tokenizers import Tokenizer


def main():
    tok_file, text_file = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    tok = Tokenizer.from_file(tok_file)
    lines = [l for l in open(text_file, encoding="utf-8").read().split("\n") if l]
    size = sum(len(l.encode()) for l in lines)
    rates, tokens = [], 0
    for _ in range(reps):
        t = time.perf_counter()
        tokens = 0
        for i in range(0, len(lines), 1000):
            for e in tok.encode_batch(lines[i:i + 1000]):
                tokens += len(e.ids)
        rates.append(size / (time.perf_counter() - t) / 1e6)
    print(json.dumps({"lines": len(lines), "bytes": size, "tokens": tokens, "mb_s_median": statistics.median(rates),
                      "mb_s": rates}))


if __name__ == "__main__":
    main()
