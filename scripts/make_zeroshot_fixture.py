#!/usr/bin/env python3
"""Writes tests/data/zeroshot/nli-bert-pruned/: the shared zero-shot reference
(../shared/zeroshot/nli-bert-random and its zeroshot_expected.jsonl, what transformers'
ZeroShotClassificationPipeline answered) made small enough for the repository, so that a fresh
clone still checks zero-shot.

    /usr/bin/python3 scripts/make_zeroshot_fixture.py --shared ../shared --bertcls build/bertcls

Only the vocabulary shrinks: ids 0..103 ([PAD], [unused*], [UNK], [CLS], [SEP], [MASK]) and every
id that the reference's texts and hypotheses tokenize to are kept, in the same order, with
their embedding rows. Every other weight is copied bit for bit. WordPiece picks the longest
piece in the vocabulary at each position, and every piece it picked before is still there, so
the kept texts tokenize to the same pieces (renumbered): the model computes exactly what it
did, and transformers' answers still hold. The script checks that with `bertcls tokenize` on
both tokenizers. Needs numpy only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.python.support import read_safetensors_f32, write_safetensors  # noqa: E402

KEEP_BELOW = 104  # [PAD] 0, [unused*], [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103


def tokenize(bertcls, tokenizer_dir, text):
    out = subprocess.run([bertcls, "tokenize", "--tokenizer", tokenizer_dir, text],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[0])["input_ids"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", required=True)
    parser.add_argument("--bertcls", required=True)
    parser.add_argument("--out", default=os.path.join(REPO, "tests", "data", "zeroshot", "nli-bert-pruned"))
    args = parser.parse_args()
    src = os.path.join(args.shared, "zeroshot", "nli-bert-random")
    cases = [json.loads(line) for line in open(os.path.join(src, "zeroshot_expected.jsonl"), encoding="utf-8")]
    texts = set()
    for c in cases:
        texts.add(c["sequence"])
        texts.update(c["hypothesis_template"].format(label) for label in c["candidate_labels"])
    texts = sorted(texts)
    used = set()
    original = {t: tokenize(args.bertcls, src, t) for t in texts}
    for ids in original.values():
        used.update(ids)
    keep = sorted(set(range(KEEP_BELOW)) | used)
    new_id = {old: new for new, old in enumerate(keep)}

    os.makedirs(args.out, exist_ok=True)
    config = json.load(open(os.path.join(src, "config.json"), encoding="utf-8"))
    config["vocab_size"] = len(keep)
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tensors = read_safetensors_f32(os.path.join(src, "model.safetensors"))
    word = [k for k in tensors if k.endswith("word_embeddings.weight")]
    assert len(word) == 1, word
    tensors = dict(tensors)
    tensors[word[0]] = np.ascontiguousarray(tensors[word[0]][keep])
    write_safetensors(os.path.join(args.out, "model.safetensors"), tensors)

    tok = json.load(open(os.path.join(src, "tokenizer.json"), encoding="utf-8"))
    vocab = tok["model"]["vocab"]
    by_id = {i: piece for piece, i in vocab.items()}
    tok["model"]["vocab"] = {by_id[old]: new_id[old] for old in keep}
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    shutil.copyfile(os.path.join(src, "tokenizer_config.json"), os.path.join(args.out, "tokenizer_config.json"))
    shutil.copyfile(os.path.join(src, "zeroshot_expected.jsonl"), os.path.join(args.out, "zeroshot_expected.jsonl"))

    for t in texts:
        got = tokenize(args.bertcls, args.out, t)
        want = [new_id[i] for i in original[t]]
        if got != want:
            sys.exit(f"pruned tokenizer differs on {t!r}: {got} != {want}")
    print(f"{args.out}: {len(keep)} of {len(vocab)} vocabulary entries, {len(texts)} texts tokenize the same")


if __name__ == "__main__":
    main()
