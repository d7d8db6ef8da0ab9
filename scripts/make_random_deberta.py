#!/usr/bin/python3
"""Write a randomly initialised DebertaV2ForSequenceClassification checkpoint in Hugging Face
layout (config.json + model.safetensors), with numpy only: for benchmarks (timing does not depend
on the weight values). Tensor names, shapes and config keys are those of transformers'
DebertaV2ForSequenceClassification; the preset `base` has deberta-v3-base's settings.

Usage:
  make_random_deberta.py OUT_DIR [--preset base|tiny] [--labels N] [--seed S]
"""
import argparse
import json
import os

import numpy as np

from checkpoint.safetensors_io import write_checkpoint

PRESETS = {
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                 vocab_size=128100, position_buckets=256),
    "tiny": dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512,
                 vocab_size=8000, position_buckets=32),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", default="base", choices=sorted(PRESETS))
    ap.add_argument("--labels", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    p = PRESETS[a.preset]
    H, L, I, V, K = (p[k] for k in ("hidden_size", "num_hidden_layers", "intermediate_size", "vocab_size",
                                     "position_buckets"))
    rng = np.random.default_rng(a.seed)
    w = lambda *s: rng.standard_normal(s, dtype=np.float32) * 0.02
    g = lambda n: 1.0 + rng.standard_normal(n, dtype=np.float32) * 0.05
    b = lambda n: rng.standard_normal(n, dtype=np.float32) * 0.02
    t = {
        "deberta.embeddings.word_embeddings.weight": w(V, H),
        "deberta.embeddings.LayerNorm.weight": g(H),
        "deberta.embeddings.LayerNorm.bias": b(H),
        "deberta.encoder.rel_embeddings.weight": w(2 * K, H),
        "deberta.encoder.LayerNorm.weight": g(H),
        "deberta.encoder.LayerNorm.bias": b(H),
    }
    for i in range(L):
        pre = f"deberta.encoder.layer.{i}."
        for n in ("query_proj", "key_proj", "value_proj"):
            t[pre + f"attention.self.{n}.weight"] = w(H, H)
            t[pre + f"attention.self.{n}.bias"] = b(H)
        t[pre + "attention.output.dense.weight"] = w(H, H)
        t[pre + "attention.output.dense.bias"] = b(H)
        t[pre + "attention.output.LayerNorm.weight"] = g(H)
        t[pre + "attention.output.LayerNorm.bias"] = b(H)
        t[pre + "intermediate.dense.weight"] = w(I, H)
        t[pre + "intermediate.dense.bias"] = b(I)
        t[pre + "output.dense.weight"] = w(H, I)
        t[pre + "output.dense.bias"] = b(H)
        t[pre + "output.LayerNorm.weight"] = g(H)
        t[pre + "output.LayerNorm.bias"] = b(H)
    t["pooler.dense.weight"] = w(H, H)
    t["pooler.dense.bias"] = b(H)
    t["classifier.weight"] = w(a.labels, H)
    t["classifier.bias"] = b(a.labels)
    os.makedirs(a.out, exist_ok=True)
    write_checkpoint(os.path.join(a.out, "model.safetensors"), t)
    cfg = dict(architectures=["DebertaV2ForSequenceClassification"], model_type="deberta-v2",
               attention_probs_dropout_prob=0.1, hidden_dropout_prob=0.1, hidden_act="gelu",
               initializer_range=0.02, layer_norm_eps=1e-7, max_position_embeddings=512,
               max_relative_positions=-1, norm_rel_ebd="layer_norm", pad_token_id=0,
               pooler_dropout=0, pooler_hidden_act="gelu", pooler_hidden_size=H,
               pos_att_type=["p2c", "c2p"], position_biased_input=False, relative_attention=True,
               share_att_key=True, type_vocab_size=0,
               id2label={str(i): f"LABEL_{i}" for i in range(a.labels)},
               label2id={f"LABEL_{i}": i for i in range(a.labels)}, **p)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print(f"wrote {a.out}: {sum(x.size for x in t.values()) / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
