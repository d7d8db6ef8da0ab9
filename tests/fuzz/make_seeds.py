#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/fuzz_targets.h) from real files.

    /usr/bin/python3 tests/fuzz/make_seeds.py OUT_DIR

OUT_DIR/<target>/ gets one file per seed, in the layout fuzz_targets.h describes:
  tokenizer        every parity text (tests/data/tokenizers/parity) for every tokenizer, pairs
                   and truncation cases, with varied flags
  tokenizer_files  every file of every tests/data/tokenizers/* folder, verbatim
  jsonl            JSONL lines: the reference texts, pre-tokenized records, pairs, ids and the
                   bad lines test_batch_cli.py uses, several lines per seed
  compiled_tokenizer  the compiled tokenizer (bertcls compile-tokenizer) of every
                   tests/data/tokenizers/* folder that has one
  model_file       every tests/data/reference/* checkpoint converted with
                   scripts/convert_checkpoint.py, plus hand-written tiny .bertcls files with and
                   without a tokenizer (a few hundred bytes: mutations reach the header)
Needs numpy (the converter). Deterministic: the same files give the same corpus.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(REPO, "tests", "data")
FOLDERS = ["bert-uncased", "bert-cased", "albert-spm", "xlmr-spm", "roberta-bpe"]
# The names read_tokenizer_dir() knows; TokenizerFiles is a std::map, so sorted byte-wise.
KNOWN = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt",
         "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model"]


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def tokenizer_seeds(out):
    parity = os.path.join(DATA, "tokenizers", "parity")
    texts = [r["text"].encode() for r in jsonl(os.path.join(parity, "expected.jsonl"))]
    pairs = [(r["a"].encode(), r["b"].encode()) for r in jsonl(os.path.join(parity, "pairs.jsonl"))]
    truncated = [r["text"].encode() for r in jsonl(os.path.join(parity, "truncated.jsonl"))]
    count = 0
    for t in range(2 * len(FOLDERS)):  # each folder with tokenizer.json, then its legacy files
        for i, text in enumerate(texts):
            write(out, f"t{t}-text{i}", bytes([t, 8 if i % 4 == 3 else 0, 0]) + text)
            count += 1
        for i, (a, b) in enumerate(pairs):
            strategy = i % 4
            write(out, f"t{t}-pair{i}", bytes([t, 1 | strategy << 1, 48 if i % 2 else 0]) + a + b"\xff" + b)
            count += 1
        for i, text in enumerate(truncated[:16]):
            write(out, f"t{t}-trunc{i}", bytes([t, (i % 4) << 1, 16]) + text)
            count += 1
    # Invalid UTF-8 and control bytes.
    for i, raw in enumerate([b"\xff\xfe", b"abc\xc3", b"\xed\xa0\x80x", b"\x00\x01\x02\x7f", b"a\r\nb\tc"]):
        write(out, f"raw{i}", bytes([i, 0, 0]) + raw)
        count += 1
    return count


def tokenizer_files_seeds(out):
    count = 0
    for f, folder in enumerate(FOLDERS):
        path = os.path.join(DATA, "tokenizers", folder)
        files = sorted(n for n in KNOWN if os.path.isfile(os.path.join(path, n)))
        for legacy in (0, 1):
            names = [n for n in files if not (legacy and n == "tokenizer.json")]
            base = 2 * f + legacy
            for k, name in enumerate(names):
                with open(os.path.join(path, name), "rb") as fh:
                    write(out, f"{folder}{'-legacy' if legacy else ''}-{name}", bytes([base, k]) + fh.read())
                count += 1
    return count


def jsonl_seeds(out):
    texts = jsonl(os.path.join(DATA, "reference", "bert-with-tokenizer", "texts.jsonl"))
    parity = jsonl(os.path.join(DATA, "tokenizers", "parity", "expected.jsonl"))
    pairs = jsonl(os.path.join(DATA, "tokenizers", "parity", "pairs.jsonl"))
    lines = []
    for i, r in enumerate(texts):
        lines.append(json.dumps(r).encode())  # has input_ids: the pre-tokenized path
        lines.append(json.dumps({"id": i, "text": r["text"]}, ensure_ascii=i % 2 == 0).encode())
    for i, r in enumerate(parity):
        lines.append(json.dumps({"text": r["text"], "id": f"p{i}"}, ensure_ascii=i % 3 == 0).encode())
    for r in pairs:
        lines.append(json.dumps({"text": r["a"], "pair": r["b"], "id": None}).encode())
    lines += [
        b'{"id": "x", "text": "unterminated', b'{"id": "x", "body": "no text field"}', b'{"id": "x", "text": ["a list"]}',
        b'{"id": "x", "text": "bad \xff\xfe bytes"}', b"", b"[1, 2, 3]", b'{"text": "a", "prediction": "theirs"}',
        b'{"input_ids": [101, 2023, 102], "token_type_ids": [0, 0]}', b'{"input_ids": []}',
        b'{"input_ids": [101, 99999999999, 102]}', b'{"input_ids": [-1]}', b'{"input_ids": [101, 1.5, 102]}',
        b'{"text": "x"} trailing', b'{}', b'{ }', b'  {"text": "padded"}  \r', b'{"text": "\\ud800"}',
        b'{"text": "\\u00e9\\u0000\\n"}', b'{"text": "a", "text": "duplicate key"}', b'{"error": "x", "line": 3}',
        b'\xef\xbb\xbf{"text": "bom"}', b'{"text": 1e999}', b'[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]',
    ]
    count = 0
    for k in range(0, len(lines), 7):
        chunk = b"\n".join(lines[k:k + 7]) + (b"\n" if k % 2 == 0 else b"")
        write(out, f"lines{k}", bytes([(k // 7) % 32]) + chunk)
        count += 1
    for i, line in enumerate(lines[-23:]):
        write(out, f"bad{i}", bytes([i % 32]) + line + b"\n")
        count += 1
    return count


def tiny_bertcls(with_tokenizer, hidden=4, layers=1, heads=2, ffn=8, labels=2, family="bert"):
    """A valid .bertcls file (docs/FORMAT.md) of a few hundred bytes."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "a", "the", ",", "."]
    V, P = len(vocab), 8
    rng = np.random.default_rng(1)
    tensors = [("embeddings.word", [V, hidden]), ("embeddings.position", [P, hidden]),
               ("embeddings.token_type", [2, hidden]), ("embeddings.norm.weight", [hidden]),
               ("embeddings.norm.bias", [hidden])]
    for g in range(layers):
        p = f"layers.{g}."
        tensors += [(p + "attention.qkv.weight", [3 * hidden, hidden]), (p + "attention.qkv.bias", [3 * hidden]),
                    (p + "attention.output.weight", [hidden, hidden]), (p + "attention.output.bias", [hidden]),
                    (p + "attention.norm.weight", [hidden]), (p + "attention.norm.bias", [hidden]),
                    (p + "ffn.intermediate.weight", [ffn, hidden]), (p + "ffn.intermediate.bias", [ffn]),
                    (p + "ffn.output.weight", [hidden, ffn]), (p + "ffn.output.bias", [hidden]),
                    (p + "ffn.norm.weight", [hidden]), (p + "ffn.norm.bias", [hidden])]
    tensors += [("head.dense.weight", [hidden, hidden]), ("head.dense.bias", [hidden]),
                ("head.out.weight", [labels, hidden]), ("head.out.bias", [labels])]
    blobs = [(name, "F32", shape, rng.standard_normal(shape).astype("<f4").tobytes()) for name, shape in tensors]
    files = []
    if with_tokenizer:
        files = ["tokenizer_config.json", "vocab.txt"]
        blobs.append(("tokenizer/tokenizer_config.json", "U8", None, b'{"do_lower_case": true}'))
        blobs.append(("tokenizer/vocab.txt", "U8", None, "\n".join(vocab).encode() + b"\n"))
    config = {"architecture": "BertForSequenceClassification", "embedding_projection": False,
              "embedding_size": hidden, "family": family, "head_activation": "tanh", "hidden_act": "gelu",
              "hidden_size": hidden, "intermediate_size": ffn, "labels": [f"l{i}" for i in range(labels)],
              "layer_norm_eps": 1e-12, "max_length": P, "max_position_embeddings": P, "num_heads": heads,
              "num_layer_weights": layers, "num_layers": layers, "pad_token_id": 0, "position_offset": 0,
              "problem_type": "single_label_classification",
              "tokenizer": {"files": files} if files else None, "type_vocab_size": 2, "vocab_size": V}
    header = {"__metadata__": {"format": "bertcls", "format_version": "1", "converter": "make_seeds.py",
                               "config": json.dumps(config, sort_keys=True, separators=(",", ":"))}}
    offset, data = 0, b""
    for name, dtype, shape, blob in blobs:
        header[name] = {"dtype": dtype, "shape": shape if shape is not None else [len(blob)],
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def model_file_seeds(out):
    count = 0
    write(out, "tiny", tiny_bertcls(False))
    write(out, "tiny-tokenizer", tiny_bertcls(True))
    write(out, "tiny-2layers", tiny_bertcls(False, hidden=6, layers=2, heads=3, labels=3))
    count += 3
    converter = os.path.join(REPO, "scripts", "convert_checkpoint.py")
    reference = os.path.join(DATA, "reference")
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(reference)):
            src = os.path.join(reference, name)
            if not os.path.isfile(os.path.join(src, "config.json")):
                continue
            dst = os.path.join(tmp, name + ".bertcls")
            proc = subprocess.run([sys.executable, converter, src, "-o", dst], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"make_seeds: skipping {name}: {proc.stderr.strip()}", file=sys.stderr)
                continue
            with open(dst, "rb") as f:
                write(out, name, f.read())
            count += 1
    return count


def compiled_tokenizer_seeds(out):
    """The compiled tokenizer of every tests/data/tokenizers folder (WordPiece, BPE, Unigram), as
    the bertcls binary writes it (none without a binary: a line says so)."""
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    from checkpoint.compiled_tokenizer import compile_tokenizer
    count = 0
    for folder in FOLDERS:
        blob = compile_tokenizer(os.path.join(DATA, "tokenizers", folder),
                                 warn=lambda message: print("make_seeds: " + message, file=sys.stderr))
        if blob is not None:
            write(out, folder, blob)
            count += 1
    return count


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    for target, make in (("tokenizer", tokenizer_seeds), ("tokenizer_files", tokenizer_files_seeds),
                         ("jsonl", jsonl_seeds), ("model_file", model_file_seeds),
                         ("compiled_tokenizer", compiled_tokenizer_seeds)):
        n = make(os.path.join(out, target))
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
