#!/usr/bin/python3
"""Writes a randomly initialised ModernBertForSequenceClassification checkpoint in Hugging Face
layout (config.json in the released layout + model.safetensors), with numpy only: for benchmarks
(timing does not depend on the weight values). Names, shapes and config keys are those of
transformers' ModernBertForSequenceClassification.

    /usr/bin/python3 scripts/make_random_modernbert.py OUT_DIR [--preset base|tiny] [--layers N]
        [--window 128] [--every 3] [--vocab 50368] [--tokenizer FOLDER]

--tokenizer copies a tokenizer folder's files (e.g. tests/data/tokenizers-modernbert/modernbert-bpe)
so the converted model takes text.
"""
import argparse
import json
import os
import shutil

import numpy as np

from checkpoint.safetensors_io import write_checkpoint

PRESETS = {
    "base": dict(hidden_size=768, num_hidden_layers=22, num_attention_heads=12, intermediate_size=1152),
    "tiny": dict(hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=96),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--preset", choices=PRESETS, default="base")
    ap.add_argument("--layers", type=int)
    ap.add_argument("--window", type=int, default=128, help="local_attention (both sides together)")
    ap.add_argument("--every", type=int, default=3, help="global_attn_every_n_layers")
    ap.add_argument("--vocab", type=int, default=50368)
    ap.add_argument("--labels", type=int, default=2)
    ap.add_argument("--max-positions", type=int, default=8192)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer", help="a tokenizer folder whose files are copied in")
    a = ap.parse_args()
    p = dict(PRESETS[a.preset])
    if a.layers:
        p["num_hidden_layers"] = a.layers
    H, L, I = p["hidden_size"], p["num_hidden_layers"], p["intermediate_size"]
    rng = np.random.default_rng(a.seed)

    def mat(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * (1.0 / np.sqrt(shape[-1]))).astype(np.float32)

    def gamma():
        return (1.0 + 0.1 * rng.standard_normal(H, dtype=np.float32)).astype(np.float32)

    t = {"model.embeddings.tok_embeddings.weight": mat(a.vocab, H) * np.float32(np.sqrt(H) * 0.02),
         "model.embeddings.norm.weight": gamma()}
    for l in range(L):
        q = f"model.layers.{l}."
        if l > 0:
            t[q + "attn_norm.weight"] = gamma()
        t[q + "attn.Wqkv.weight"] = mat(3 * H, H)
        t[q + "attn.Wo.weight"] = mat(H, H)
        t[q + "mlp_norm.weight"] = gamma()
        t[q + "mlp.Wi.weight"] = mat(2 * I, H)
        t[q + "mlp.Wo.weight"] = mat(H, I)
    t["model.final_norm.weight"] = gamma()
    t["head.dense.weight"] = mat(H, H)
    t["head.norm.weight"] = gamma()
    t["classifier.weight"] = mat(a.labels, H)
    t["classifier.bias"] = np.zeros(a.labels, np.float32)
    os.makedirs(a.out, exist_ok=True)
    write_checkpoint(os.path.join(a.out, "model.safetensors"), t)
    config = {"architectures": ["ModernBertForSequenceClassification"], "model_type": "modernbert",
              "vocab_size": a.vocab, "max_position_embeddings": a.max_positions, "local_attention": a.window,
              "global_attn_every_n_layers": a.every, "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
              "norm_eps": 1e-5, "norm_bias": False, "attention_bias": False, "mlp_bias": False,
              "classifier_pooling": "mean", "classifier_activation": "gelu", "hidden_activation": "gelu",
              "pad_token_id": 0, "id2label": {str(i): f"LABEL_{i}" for i in range(a.labels)}, **p}
    with open(os.path.join(a.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    if a.tokenizer:
        for name in os.listdir(a.tokenizer):
            shutil.copy(os.path.join(a.tokenizer, name), a.out)


if __name__ == "__main__":
    main()
