"""scripts/convert_checkpoint.py on well-formed input: every canonical tensor is checked
bit for bit against its source, every config field against config.json, plus the file
layout, the checkpoint formats, tokenizer embedding, the weight dtypes (--dtype bf16/int8,
--keep-f32) and the error paths."""
import json
import os
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scripts"))
from checkpoint.compiled_tokenizer import find_bertcls  # noqa: E402

from tests.python.support import (CONVERTER, REPO, TempDirTest, read_bertcls, read_safetensors_f32, unblock_tensors,
                                  state_dict_pickle, supported_checkpoint, tiny_bert, write_checkpoint, write_torch_zip)

# Canonical name -> Hugging Face name(s) without the base-model prefix, per family: the
# mapping of docs/FORMAT.md, spelled out independently of scripts/checkpoint.
BERT_EMBEDDINGS = {
    "embeddings.word": "embeddings.word_embeddings.weight",
    "embeddings.position": "embeddings.position_embeddings.weight",
    "embeddings.token_type": "embeddings.token_type_embeddings.weight",
    "embeddings.norm.weight": "embeddings.LayerNorm.weight",
    "embeddings.norm.bias": "embeddings.LayerNorm.bias",
}
BERT_LAYER = {
    "attention.qkv": ["encoder.layer.{g}.attention.self.query", "encoder.layer.{g}.attention.self.key",
                      "encoder.layer.{g}.attention.self.value"],
    "attention.output": "encoder.layer.{g}.attention.output.dense",
    "attention.norm": "encoder.layer.{g}.attention.output.LayerNorm",
    "ffn.intermediate": "encoder.layer.{g}.intermediate.dense",
    "ffn.output": "encoder.layer.{g}.output.dense",
    "ffn.norm": "encoder.layer.{g}.output.LayerNorm",
}
ALBERT_LAYER = "encoder.albert_layer_groups.{g}.albert_layers.0."
DISTIL_LAYER = "transformer.layer.{g}."
ROBERTA_HEAD = {"head.dense": "classifier.dense", "head.out": "classifier.out_proj"}
FAMILY_NAMES = {  # family: (prefix, embeddings, layer parts, head, projection)
    "bert": ("bert.", BERT_EMBEDDINGS, BERT_LAYER, {"head.dense": "pooler.dense", "head.out": "classifier"}, None),
    "roberta": ("roberta.", BERT_EMBEDDINGS, BERT_LAYER, ROBERTA_HEAD, None),
    "xlm-roberta": ("roberta.", BERT_EMBEDDINGS, BERT_LAYER, ROBERTA_HEAD, None),
    "electra": ("electra.", BERT_EMBEDDINGS, BERT_LAYER, ROBERTA_HEAD, "embeddings_project"),
    "albert": ("albert.", BERT_EMBEDDINGS, {
        "attention.qkv": [ALBERT_LAYER + "attention.query", ALBERT_LAYER + "attention.key",
                          ALBERT_LAYER + "attention.value"],
        "attention.output": ALBERT_LAYER + "attention.dense",
        "attention.norm": ALBERT_LAYER + "attention.LayerNorm",
        "ffn.intermediate": ALBERT_LAYER + "ffn",
        "ffn.output": ALBERT_LAYER + "ffn_output",
        "ffn.norm": ALBERT_LAYER + "full_layer_layer_norm",
    }, {"head.dense": "pooler", "head.out": "classifier"}, "encoder.embedding_hidden_mapping_in"),
    "distilbert": ("distilbert.", {k: v for k, v in BERT_EMBEDDINGS.items() if "token_type" not in k}, {
        "attention.qkv": [DISTIL_LAYER + "attention.q_lin", DISTIL_LAYER + "attention.k_lin",
                          DISTIL_LAYER + "attention.v_lin"],
        "attention.output": DISTIL_LAYER + "attention.out_lin",
        "attention.norm": DISTIL_LAYER + "sa_layer_norm",
        "ffn.intermediate": DISTIL_LAYER + "ffn.lin1",
        "ffn.output": DISTIL_LAYER + "ffn.lin2",
        "ffn.norm": DISTIL_LAYER + "output_layer_norm",
    }, {"head.dense": "pre_classifier", "head.out": "classifier"}, None),
}


def expected_tensors(family, state, config):
    """{canonical name: array} built from a source state dict with the table above, for the
    sizes in a converted config (weight sets; a projection only when embedding_size differs)."""
    if family == "deberta-v2":
        return deberta_expected_tensors(state, config)
    prefix, embeddings, layer, head, projection = FAMILY_NAMES[family]

    def get(name):
        return state[prefix + name] if prefix + name in state else state[name]

    out = {canonical: get(source) for canonical, source in embeddings.items()}
    if projection and config["embedding_projection"]:
        out.update({f"embeddings.projection.{p}": get(f"{projection}.{p}") for p in ("weight", "bias")})
    for g in range(config["num_layer_weights"]):
        for part, source in layer.items():
            for p in ("weight", "bias"):
                if isinstance(source, list):
                    value = np.concatenate([get(f"{s.format(g=g)}.{p}") for s in source])
                else:
                    value = get(f"{source.format(g=g)}.{p}")
                out[f"layers.{g}.{part}.{p}"] = value
    out.update({f"{canonical}.{p}": get(f"{source}.{p}") for canonical, source in head.items()
                for p in ("weight", "bias")})
    return out



def deberta_expected_tensors(state, c):
    """{canonical name: array} for DebertaV2ForSequenceClassification (docs/FORMAT.md, "DeBERTa"),
    written apart from scripts/checkpoint/deberta_v2.py."""
    def get(name):
        return state["deberta." + name] if "deberta." + name in state else state[name]

    out = {"embeddings.word": get("embeddings.word_embeddings.weight"),
           "embeddings.norm.weight": get("embeddings.LayerNorm.weight"),
           "embeddings.norm.bias": get("embeddings.LayerNorm.bias")}
    if c["position_biased_input"]:
        out["embeddings.position"] = get("embeddings.position_embeddings.weight")
    if c["type_vocab_size"]:
        out["embeddings.token_type"] = get("embeddings.token_type_embeddings.weight")
    if c["embedding_projection"]:
        out["embeddings.projection.weight"] = get("embeddings.embed_proj.weight")
    if c["relative_attention"]:
        out["relative.embeddings"] = get("encoder.rel_embeddings.weight")
        if c["norm_rel_ebd"]:
            out.update({f"relative.norm.{p}": get(f"encoder.LayerNorm.{p}") for p in ("weight", "bias")})
    for g in range(c["num_layer_weights"]):
        layer = f"encoder.layer.{g}."
        for p in ("weight", "bias"):
            out[f"layers.{g}.attention.qkv.{p}"] = np.concatenate(
                [get(f"{layer}attention.self.{n}_proj.{p}") for n in ("query", "key", "value")])
            if c["relative_attention"] and not c["share_att_key"]:
                if "c2p" in c["pos_att_type"]:
                    out[f"layers.{g}.attention.pos_key.{p}"] = get(f"{layer}attention.self.pos_key_proj.{p}")
                if "p2c" in c["pos_att_type"]:
                    out[f"layers.{g}.attention.pos_query.{p}"] = get(f"{layer}attention.self.pos_query_proj.{p}")
            for part, source in (("attention.output", "attention.output.dense"),
                                 ("attention.norm", "attention.output.LayerNorm"),
                                 ("ffn.intermediate", "intermediate.dense"), ("ffn.output", "output.dense"),
                                 ("ffn.norm", "output.LayerNorm")):
                out[f"layers.{g}.{part}.{p}"] = get(f"{layer}{source}.{p}")
    for p in ("weight", "bias"):
        if c["conv_kernel_size"]:
            out[f"conv.{p}"] = get(f"encoder.conv.conv.{p}")
            out[f"conv.norm.{p}"] = get(f"encoder.conv.LayerNorm.{p}")
        out[f"head.dense.{p}"] = get(f"pooler.dense.{p}")
        out[f"head.out.{p}"] = get(f"classifier.{p}")
    return out

class ConverterTestCase(TempDirTest):
    def assert_same_bits(self, actual, expected, name):
        expected = np.asarray(expected)
        self.assertEqual(actual.dtype, np.dtype("<f4"), name)
        self.assertEqual(actual.shape, expected.shape, name)
        self.assertEqual(actual.tobytes(), expected.astype("<f4").tobytes(), f"{name} differs")

    def assert_tensors(self, model, expected):
        weights = {k: v for k, v in model.tensors.items() if not k.startswith("tokenizer/")}
        self.assertEqual(sorted(weights), sorted(expected))
        for name, value in expected.items():
            self.assert_same_bits(weights[name], value, name)

    def assert_layout(self, model):
        """docs/FORMAT.md: data at a multiple of 64, header padded with spaces, the compiled
        tokenizer (when there is one) first, then F32, then U8, no holes, and the data section
        ends at the end of the file."""
        self.assertEqual(model.data_start % 64, 0)
        header_text = model.raw[8:model.data_start].decode()
        stripped = header_text.rstrip(" ")
        self.assertTrue(stripped.endswith("}"))
        self.assertLess(len(header_text) - len(stripped), 64)
        end, seen_u8 = 0, False
        for name, info in model.header.items():  # insertion order = data order
            self.assertEqual(info["data_offsets"][0], end, f"hole or overlap before {name}")
            if name == "tokenizer/compiled":
                self.assertEqual(end, 0, "the compiled tokenizer is not first")
                end = info["data_offsets"][1]
                continue
            end = info["data_offsets"][1]
            seen_u8 |= info["dtype"] == "U8"
            self.assertEqual(info["dtype"], "U8" if seen_u8 else "F32", name)
            self.assertEqual(name.startswith("tokenizer/"), info["dtype"] == "U8", name)
        self.assertEqual(model.data_start + end, len(model.raw))
        self.assertEqual(model.metadata["format"], "bertcls")
        self.assertEqual(model.metadata["format_version"], "1")
        self.assertIn("converter", model.metadata)
        self.assertEqual(model.metadata["weights_dtype"], "f32")
        self.assertNotIn("kept_f32", model.metadata)


class SyntheticCheckpointTest(ConverterTestCase):
    """A tiny random BERT written by the test itself, in every checkpoint format."""

    def write(self, fmt="safetensors", config=None, state=None, name="ckpt"):
        default_config, default_state = tiny_bert()
        return write_checkpoint(self.path(name), config or default_config,
                                default_state if state is None else state, fmt)

    def test_tensors_and_config(self):
        config, state = tiny_bert()
        model, proc = self.convert_ok(self.write())
        self.assert_tensors(model, expected_tensors("bert", state, model.config))
        for g in range(2):  # QKV rows: query, then key, then value
            qkv = model.tensors[f"layers.{g}.attention.qkv.weight"]
            for i, part in enumerate(("query", "key", "value")):
                self.assert_same_bits(qkv[8 * i:8 * (i + 1)],
                                      state[f"bert.encoder.layer.{g}.attention.self.{part}.weight"], part)
        self.assertEqual(model.config, {
            "family": "bert", "architecture": "BertForSequenceClassification", "vocab_size": 24,
            "hidden_size": 8, "embedding_size": 8, "num_layers": 2, "num_heads": 2, "intermediate_size": 16,
            "max_position_embeddings": 16, "type_vocab_size": 2, "position_offset": 0, "pad_token_id": 0,
            "layer_norm_eps": 1e-12, "hidden_act": "gelu", "num_layer_weights": 2, "embedding_projection": False, "head_activation": "tanh",
            "problem_type": "single_label_classification", "labels": ["class0", "class1", "class2"],
            "problem_type_inferred": True, "label2id": [["class0", 0], ["class1", 1], ["class2", 2]],
            "max_length": 16, "tokenizer": None})
        self.assert_layout(model)
        self.assertIn("warning: no tokenizer files in", proc.stderr)
        self.assertIn("pre-tokenized input (--input-ids)", proc.stderr)

    def test_every_checkpoint_format_gives_the_same_file_contents(self):
        reference, _ = self.convert_ok(self.write("safetensors", name="safetensors"))
        for fmt in ("safetensors-sharded", "bin", "bin-legacy", "bin-sharded"):
            with self.subTest(fmt=fmt):
                model, _ = self.convert_ok(self.write(fmt, name=fmt))
                self.assertEqual(model.config, reference.config)
                self.assertEqual(model.raw[model.data_start:], reference.raw[reference.data_start:])

    def test_keys_without_prefix_and_old_layernorm_names(self):
        config, state = tiny_bert()
        renamed = {}
        for key, value in state.items():
            key = key[len("bert."):] if key.startswith("bert.") else key
            renamed[key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")] = value
        model, _ = self.convert_ok(self.write(state=renamed))
        self.assert_tensors(model, expected_tensors("bert", state, model.config))

    def test_half_precision_sources_widen_exactly(self):
        config, state = tiny_bert()
        word = "bert.embeddings.word_embeddings.weight"
        pooler = "bert.pooler.dense.weight"
        half = state[word].astype(np.float16)
        bf16 = np.random.default_rng(1).integers(0, 0x7F00, state[pooler].shape, dtype=np.uint16)
        bf16[0, :3] = [0x3F80, 0xC000, 0x7F80]  # 1.0, -2.0, +inf
        state[word], state[pooler] = half, ("BF16", bf16)
        for fmt in ("safetensors", "bin"):  # BFloat16Storage / HalfStorage in the .bin
            with self.subTest(fmt=fmt):
                model, _ = self.convert_ok(self.write(fmt, state=state, name=fmt))
                self.assert_same_bits(model.tensors["embeddings.word"], half.astype(np.float32), "f16")
                self.assertEqual(list(model.tensors["head.dense.weight"][0, :3]), [1.0, -2.0, np.inf])
                self.assertEqual(model.tensors["head.dense.weight"].view(np.uint32).tobytes(),
                                 (bf16.astype(np.uint32) << 16).tobytes())

    def test_bin_storage_views_and_strides(self):
        """Tied weights share one storage; a transposed tensor has non-contiguous strides."""
        config, state = tiny_bert()
        names = list(state)
        entries, blobs = [], []
        for i, name in enumerate(names):
            array = state[name]
            dtype = "I64" if array.dtype == np.int64 else "F32"
            stride = [int(np.prod(array.shape[d + 1:])) for d in range(array.ndim)]
            entries.append((name, dtype, str(i), array.size, 0, array.shape, stride))
            blobs.append((str(i), dtype, array.tobytes()))
        # query.weight of layer 0: the transpose of a storage holding w.T
        q = "bert.encoder.layer.0.attention.self.query.weight"
        i = names.index(q)
        entries[i] = (q, "F32", str(i), 64, 0, (8, 8), (1, 8))
        blobs[i] = (str(i), "F32", np.ascontiguousarray(state[q].T).tobytes())
        # key.bias of layer 1: the second half of a shared storage that holds [pooler.bias, key.bias]
        k, p = "bert.encoder.layer.1.attention.self.key.bias", "bert.pooler.dense.bias"
        ik, ip = names.index(k), names.index(p)
        entries[ip] = (p, "F32", "shared", 16, 0, (8,), (1,))
        entries[ik] = (k, "F32", "shared", 16, 8, (8,), (1,))
        blobs.append(("shared", "F32", np.concatenate([state[p], state[k]]).tobytes()))
        folder = write_checkpoint(self.path("views"), config, {}, fmt=None)
        write_torch_zip(os.path.join(folder, "pytorch_model.bin"),
                        pickle_bytes=state_dict_pickle(entries, legacy=False), blobs=blobs)
        model, _ = self.convert_ok(folder)
        self.assert_tensors(model, expected_tensors("bert", state, model.config))

    def test_labels_and_problem_type(self):
        cases = [
            ({}, ["class0", "class1", "class2"], "single_label_classification"),
            ({"problem_type": "multi_label_classification"}, None, "multi_label_classification"),
            ({"problem_type": "regression"}, None, "regression"),
            ({"id2label": {"2": "c", "0": "a", "1": "b"}}, ["a", "b", "c"], "single_label_classification"),
            ({"id2label": None, "num_labels": 3}, ["LABEL_0", "LABEL_1", "LABEL_2"], "single_label_classification"),
        ]
        for i, (change, labels, problem) in enumerate(cases):
            with self.subTest(change=change):
                config, _ = tiny_bert()
                config.update(change)
                model, _ = self.convert_ok(self.write(config=config, name=f"case{i}"))
                self.assertEqual(model.config["problem_type"], problem)
                if labels:
                    self.assertEqual(model.config["labels"], labels)
        # One label and no problem_type: regression.
        config, state = tiny_bert(labels=1)
        model, _ = self.convert_ok(self.write(config=config, state=state, name="one-label"))
        self.assertEqual((model.config["problem_type"], model.config["labels"]), ("regression", ["class0"]))
        # ... recorded as inferred: transformers' pipeline scores such a model with sigmoid.
        self.assertIs(model.config["problem_type_inferred"], True)

    def test_pipeline_fields(self):
        """problem_type_inferred, function_to_apply and label2id (in config.json's order) are kept
        for the pipeline's score rules and zero-shot."""
        cases = [
            ({"problem_type": "regression"}, False, None, [["class0", 0], ["class1", 1], ["class2", 2]]),
            ({"function_to_apply": "Sigmoid"}, True, "sigmoid", None),
            ({"function_to_apply": "cubic"}, True, None, None),
            ({"id2label": {"0": "entailment", "1": "neutral", "2": "contradiction"},
              "label2id": {"neutral": 1, "entailment": 0, "contradiction": 2}}, True, None,
             [["neutral", 1], ["entailment", 0], ["contradiction", 2]]),
            ({"label2id": {"a": 0, "b": "1", "c": 7, "d": None}}, True, None, [["a", 0], ["b", 1]]),
        ]
        for i, (change, inferred, function, label2id) in enumerate(cases):
            with self.subTest(change=change):
                config, _ = tiny_bert()
                config.pop("label2id", None)
                config.update(change)
                model, _ = self.convert_ok(self.write(config=config, name=f"pipeline{i}"))
                self.assertIs(model.config["problem_type_inferred"], inferred)
                self.assertEqual(model.config.get("function_to_apply"), function)
                if label2id:
                    self.assertEqual(model.config["label2id"], label2id)

    def test_hidden_act_names(self):
        for i, (act, canonical) in enumerate((("gelu", "gelu"), ("gelu_new", "gelu_new"),
                                              ("gelu_pytorch_tanh", "gelu_new"), ("relu", "relu"))):
            config, _ = tiny_bert()
            config["hidden_act"] = act
            model, _ = self.convert_ok(self.write(config=config, name=f"act{i}"))
            self.assertEqual(model.config["hidden_act"], canonical)

    def test_compiled_tokenizer_per_family(self):
        # Every family gets a compiled tokenizer that encodes as the files do: WordPiece, byte-level
        # BPE (RoBERTa, ModernBERT) and Unigram (ALBERT, XLM-R, DeBERTa; tokenizer.json or .model).
        bertcls = find_bertcls()
        if not bertcls:
            self.skipTest("no bertcls binary to compile tokenizers with")
        config, state = tiny_bert(vocab=1024)
        folder = write_checkpoint(self.path("ckpt"), config, state, "safetensors")
        data = os.path.join(REPO, "tests", "data")
        for tokenizer in (os.path.join(data, "tokenizers", "bert-uncased"),
                          os.path.join(data, "tokenizers", "roberta-bpe"),
                          os.path.join(data, "tokenizers-modernbert", "modernbert-bpe"),
                          os.path.join(data, "tokenizers", "albert-spm"),
                          os.path.join(data, "tokenizers", "xlmr-spm"),
                          os.path.join(data, "tokenizers", "deberta-spm"),
                          os.path.join(data, "tokenizers", "deberta-spm-legacy")):
            with self.subTest(tokenizer=tokenizer):
                proc, out = self.convert(folder, self.path(os.path.basename(tokenizer) + ".bertcls"), "--tokenizer", tokenizer)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                model = read_bertcls(out)
                blob = model.tensors["tokenizer/compiled"].tobytes()
                self.assertEqual(blob[:8], b"BCTOKEN\0")
                self.assertEqual(struct.unpack("<I", blob[8:12])[0], 3)
                text = "Hello, World! Ünïcödé don't stop-believing 中文"
                run = [bertcls, "tokenize", "--max-length", "0", text]
                from_model = subprocess.run(run + ["-m", out], capture_output=True, text=True)
                from_files = subprocess.run(run + ["--tokenizer", tokenizer], capture_output=True, text=True)
                self.assertEqual(from_model.returncode, 0, from_model.stderr)
                self.assertEqual(json.loads(from_model.stdout)["input_ids"], json.loads(from_files.stdout)["input_ids"])
                # The re-convert note is for a model whose tokenizer could be compiled but is not.
                self.assertNotIn("re-convert", from_model.stderr)

    def test_tokenizer_files_are_embedded_verbatim(self):
        folder = self.write()
        vocab = ("[PAD]\n[UNK]\n[CLS]\n[SEP]\n" + "".join(f"tok{i}\n" for i in range(20))).encode()
        files = {"vocab.txt": vocab, "tokenizer_config.json": b'{"do_lower_case": true}',
                 "special_tokens_map.json": b"{}"}
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        with open(os.path.join(folder, "README.md"), "w") as f:
            f.write("not a tokenizer file")
        model, proc = self.convert_ok(folder)
        self.assertNotIn("warning", proc.stderr)
        self.assertEqual(model.config["tokenizer"], {"files": sorted(files)})
        # Plus the compiled tokenizer when a bertcls binary made it (docs/FORMAT.md).
        compiled = ["tokenizer/compiled"] if find_bertcls() else []
        self.assertEqual(sorted(k for k in model.tensors if k.startswith("tokenizer/")),
                         sorted(["tokenizer/" + n for n in files] + compiled))
        if compiled:  # first in the data, a multiple of 64 long: every tensor after it stays aligned
            start, end = model.header["tokenizer/compiled"]["data_offsets"]
            self.assertEqual((start, (end - start) % 64), (0, 0))
        for name, data in files.items():
            self.assertEqual(model.tensors["tokenizer/" + name].tobytes(), data)
        self.assert_layout(model)

        # --tokenizer DIR replaces the checkpoint's own files.
        other = self.path("tok")
        os.makedirs(other)
        with open(os.path.join(other, "vocab.txt"), "wb") as f:
            f.write(vocab[:-5])
        model, _ = self.convert_ok(folder, "--tokenizer", other)
        self.assertEqual(model.config["tokenizer"], {"files": ["vocab.txt"]})
        self.assertEqual(model.tensors["tokenizer/vocab.txt"].tobytes(), vocab[:-5])

    def test_rejects_bad_input_without_leaving_a_file(self):
        def variant(name, change_config=None, change_state=None, files=None):
            config, state = tiny_bert()
            if change_config:
                change_config(config)
            if change_state:
                change_state(state)
            folder = self.write(config=config, state=state, name=name)
            for file_name, data in (files or {}).items():
                with open(os.path.join(folder, file_name), "wb") as f:
                    f.write(data)
            return folder

        cases = {
            "architecture": (variant("arch", lambda c: c.update(architectures=["GPT2ForSequenceClassification"])),
                             ["unsupported architecture", "GPT2ForSequenceClassification"]),
            "missing": (variant("missing", change_state=lambda s: s.pop("bert.encoder.layer.1.output.dense.bias")),
                        ["missing tensor", "bert.encoder.layer.1.output.dense.bias"]),
            "shape": (variant("shape", change_state=lambda s: s.update(
                {"bert.encoder.layer.0.intermediate.dense.weight": np.zeros((16, 9), np.float32)})),
                ["shape mismatch", "encoder.layer.0.intermediate.dense.weight", "[16, 9]", "[16, 8]"]),
            "vocab": (variant("vocab", lambda c: c.update(vocab_size=30)),
                      ["vocab size mismatch", "24 rows", "vocab_size is 30"]),
            "tokenizer vocab": (variant("tokvocab", files={"vocab.txt": b"t\n" * 25}),
                                ["vocab size mismatch", "25", "24"]),
            "activation": (variant("act", lambda c: c.update(hidden_act="swish")), ["hidden_act", "swish"]),
            "albert groups": (variant("albert", lambda c: c.update(
                architectures=["AlbertForSequenceClassification"], inner_group_num=2, embedding_size=4)),
                ["inner_group_num"]),
            "heads": (variant("heads", lambda c: c.update(num_attention_heads=3)), ["hidden_size 8", "3"]),
            "pad": (variant("pad", lambda c: c.update(pad_token_id=24)), ["pad_token_id 24"]),
            "labels": (variant("labels", lambda c: c.update(id2label={"0": "a", "2": "b"})), ["id2label"]),
            "int weights": (variant("dtype", change_state=lambda s: s.update(
                {"classifier.bias": np.zeros(3, np.int64)})), ["classifier.bias", "I64"]),
            "bad config": (variant("badjson", files={"config.json": b"{not json"}), ["config.json", "not valid JSON"]),
            "no weights": (variant("noweights"), ["no weights"]),
        }
        os.remove(os.path.join(cases["no weights"][0], "model.safetensors"))
        for case, (folder, phrases) in cases.items():
            with self.subTest(case=case):
                self.assert_rejected(folder, *phrases)
        with self.subTest(case="tokenizer folder without files"):
            os.makedirs(self.path("empty"))
            self.assert_rejected(self.write(name="ok"), "no tokenizer files", extra=["--tokenizer", self.path("empty")])

    def test_config_with_only_model_type(self):
        # A config.json without "architectures" (saved from a base model, or by hand) names its
        # family in model_type: the result is the file converted from the full config.
        reference, _ = self.convert_ok(self.write(name="full"))
        config, _ = tiny_bert()
        del config["architectures"]
        model, _ = self.convert_ok(self.write(config=config, name="model-type"))
        self.assertEqual(model.config, reference.config)
        self.assertEqual(model.raw[model.data_start:], reference.raw[reference.data_start:])
        # Without either, the message says what is missing instead of "unsupported architecture None".
        config["model_type"] = "gpt2"
        self.assert_rejected(self.write(config=config, name="gpt2"), 'no "architectures"', "'gpt2'",
                             "BertForSequenceClassification")
        del config["model_type"]
        message = self.assert_rejected(self.write(config=config, name="none"), 'no "architectures"', "None")
        self.assertNotIn("unsupported architecture", message)

    def test_checkpoint_path_that_is_missing_or_a_file(self):
        self.assert_rejected(self.path("nope"), "nope does not exist")
        folder = self.write()
        self.assert_rejected(os.path.join(folder, "model.safetensors"), "model.safetensors is not a folder",
                             "config.json")

    def test_failure_keeps_an_existing_output_file(self):
        config, state = tiny_bert()
        del state["classifier.weight"]
        folder = write_checkpoint(self.path("broken"), config, state)
        out = self.path("model.bertcls")
        with open(out, "wb") as f:
            f.write(b"previous")
        proc, _ = self.convert(folder, out)
        self.assertEqual(proc.returncode, 2)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"previous")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["broken", "model.bertcls"])

    def test_without_numpy_prints_a_hint(self):
        code = ("import runpy, sys; sys.modules['numpy'] = None; "
                f"sys.argv = [{CONVERTER!r}, 'x', '-o', 'y']; runpy.run_path({CONVERTER!r}, run_name='__main__')")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.strip(), "numpy is required: apt-get install python3-numpy")


class ReferenceCheckpointTest(ConverterTestCase):
    """Reference checkpoints: ../shared (made by transformers and torch themselves) and the
    repository's fixtures in tests/data/reference."""

    EXPECTED = {  # what each folder must convert to, beyond the sizes from config.json
        "bert": dict(family="bert", hidden_act="gelu", head_activation="tanh", position_offset=0),
        "bert-bin": dict(family="bert"),
        "bert-bin-legacy": dict(family="bert"),
        "bert-gelu-tanh": dict(family="bert", hidden_act="gelu_new"),
        "bert-long": dict(family="bert", max_length=512, labels=["no", "yes"]),
        "bert-multilabel": dict(family="bert", problem_type="multi_label_classification"),
        "distilbert": dict(family="distilbert", type_vocab_size=0, head_activation="relu", hidden_act="gelu"),
        "roberta": dict(family="roberta", position_offset=2, max_length=128, type_vocab_size=1),
        "roberta-bin": dict(family="roberta", position_offset=2),
        "roberta-bin-legacy": dict(family="roberta", position_offset=2),
        "xlm-roberta": dict(family="xlm-roberta", position_offset=2, max_length=128),
        "albert": dict(family="albert", embedding_size=64, embedding_projection=True, num_layer_weights=1, hidden_act="gelu_new",
                       head_activation="tanh"),
        "electra": dict(family="electra", embedding_size=64, embedding_projection=True, head_activation="gelu", num_layer_weights=2),
        "deberta-v3": dict(family="deberta-v2", type_vocab_size=0, relative_attention=True, position_buckets=16,
                           max_relative_positions=128, pos_att_type=["c2p", "p2c"], share_att_key=True,
                           norm_rel_ebd=True, position_biased_input=False, conv_kernel_size=0, head_activation="gelu"),
        "deberta-v2-conv": dict(family="deberta-v2", position_buckets=8, conv_kernel_size=3, conv_act="gelu",
                                conv_groups=1),
    }

    @staticmethod
    def source_tensors(folder):
        """The checkpoint's tensors read with numpy alone: model.safetensors, its shards, or
        for a *-bin* folder the safetensors twin beside it."""
        index = os.path.join(folder, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index) as f:
                shards = set(json.load(f)["weight_map"].values())
            return {k: v for shard in sorted(shards) for k, v in read_safetensors_f32(os.path.join(folder, shard)).items()}
        path = os.path.join(folder, "model.safetensors")
        if not os.path.exists(path):
            twin = os.path.basename(folder).split("-bin")[0]
            path = os.path.join(os.path.dirname(folder), twin, "model.safetensors")
        return read_safetensors_f32(path)

    def check_reference_folder(self, folder, want):
        """Config fields against config.json and every tensor against its source."""
        with open(os.path.join(folder, "config.json")) as f:
            hf = json.load(f)
        if hf["architectures"][0] == "ModernBertForSequenceClassification":
            return self.check_modernbert_folder(folder, hf)
        model, _ = self.convert_ok(folder)
        c = model.config
        distil = c["family"] == "distilbert"
        sizes = {"vocab_size": "vocab_size", "max_position_embeddings": "max_position_embeddings",
                 "pad_token_id": "pad_token_id",
                 "hidden_size": "dim" if distil else "hidden_size",
                 "num_layers": "n_layers" if distil else "num_hidden_layers",
                 "num_heads": "n_heads" if distil else "num_attention_heads",
                 "intermediate_size": "hidden_dim" if distil else "intermediate_size"}
        for field, key in sizes.items():
            self.assertEqual(c[field], hf[key], field)
        if not distil:
            self.assertEqual(c["type_vocab_size"], hf["type_vocab_size"])
            self.assertEqual(c["layer_norm_eps"], hf["layer_norm_eps"])
            self.assertEqual(c["embedding_size"], hf.get("embedding_size", hf["hidden_size"]))
        self.assertEqual(c["num_layer_weights"], hf.get("num_hidden_groups", 1) if c["family"] == "albert"
                         else c["num_layers"])
        self.assertEqual(c["architecture"], hf["architectures"][0])
        self.assertEqual(c["labels"], [hf["id2label"][str(i)] for i in range(len(hf["id2label"]))])
        default_problem = "regression" if len(c["labels"]) == 1 else "single_label_classification"
        self.assertEqual(c["problem_type"], hf.get("problem_type") or default_problem)
        self.assertEqual(c["max_length"], c["max_position_embeddings"] - c["position_offset"])
        self.assertEqual(c["position_offset"], hf["pad_token_id"] + 1 if "roberta" in c["family"] else 0)
        for field, value in want.items():
            self.assertEqual(c[field], value, field)
        self.assert_tensors(model, expected_tensors(c["family"], self.source_tensors(folder), c))
        self.assert_layout(model)
        return model

    def check_modernbert_folder(self, folder, hf):
        """ModernBERT's own fields from either config layout, and its tensors (bias-free ones
        absent, no attention norm in layer 0) against the checkpoint."""
        model, _ = self.convert_ok(folder)
        c = model.config
        layers = hf["num_hidden_layers"]
        if "layer_types" in hf:
            types = hf["layer_types"]
            thetas = (hf["rope_parameters"]["full_attention"]["rope_theta"],
                      hf["rope_parameters"]["sliding_attention"]["rope_theta"])
        else:
            every = hf.get("global_attn_every_n_layers", 3)
            types = ["full_attention" if i % every == 0 else "sliding_attention" for i in range(layers)]
            thetas = (hf.get("global_rope_theta", 160000.0), hf.get("local_rope_theta", 10000.0))
        self.assertEqual(c["family"], "modernbert")
        self.assertEqual(c["layer_types"], types)
        self.assertEqual((c["global_rope_theta"], c["local_rope_theta"]), thetas)
        self.assertEqual(c["sliding_window"], hf["local_attention"] // 2)
        self.assertEqual(c["classifier_pooling"], hf.get("classifier_pooling", "cls"))
        self.assertEqual(c["layer_norm_eps"], hf.get("norm_eps", 1e-5))
        self.assertEqual((c["num_layers"], c["hidden_size"], c["intermediate_size"], c["type_vocab_size"]),
                         (layers, hf["hidden_size"], hf["intermediate_size"], 0))
        state = self.source_tensors(folder)
        names = {"embeddings.word": "model.embeddings.tok_embeddings.weight"}
        biases = {"norm": hf.get("norm_bias", False), "attention": hf.get("attention_bias", False),
                  "mlp": hf.get("mlp_bias", False), "classifier": hf.get("classifier_bias", False)}

        def add(canonical, source, bias):
            names[canonical + ".weight"] = source + ".weight"
            if bias:
                names[canonical + ".bias"] = source + ".bias"

        add("embeddings.norm", "model.embeddings.norm", biases["norm"])
        for g in range(layers):
            q = f"model.layers.{g}."
            if g:
                add(f"layers.{g}.attention.norm", q + "attn_norm", biases["norm"])
            add(f"layers.{g}.attention.qkv", q + "attn.Wqkv", biases["attention"])
            add(f"layers.{g}.attention.output", q + "attn.Wo", biases["attention"])
            add(f"layers.{g}.ffn.norm", q + "mlp_norm", biases["norm"])
            add(f"layers.{g}.ffn.intermediate", q + "mlp.Wi", biases["mlp"])
            add(f"layers.{g}.ffn.output", q + "mlp.Wo", biases["mlp"])
        add("final_norm", "model.final_norm", biases["norm"])
        add("head.dense", "head.dense", biases["classifier"])
        add("head.norm", "head.norm", biases["norm"])
        add("head.out", "classifier", True)
        self.assert_tensors(model, {canonical: state[source] for canonical, source in names.items()})
        self.assert_layout(model)
        return model

    def test_reference_checkpoints(self):
        shared = self.require_shared()
        folders = sorted(os.listdir(os.path.join(shared, "reference")))
        self.assertTrue(set(self.EXPECTED) <= set(folders), folders)
        for name in folders:
            if name not in self.EXPECTED and not supported_checkpoint(os.path.join(shared, "reference", name)):
                continue
            with self.subTest(folder=name):
                model = self.check_reference_folder(os.path.join(shared, "reference", name), self.EXPECTED.get(name, {}))
                self.assertIsNone(model.config["tokenizer"])

    def test_repository_fixtures(self):
        """tests/data/reference: the same checks on the repository's own golden fixtures."""
        root = os.path.join(REPO, "tests", "data", "reference")
        folders = sorted(n for n in os.listdir(root) if os.path.isfile(os.path.join(root, n, "config.json"))) \
            if os.path.isdir(root) else []
        if not folders:
            self.skipTest("no fixtures in tests/data/reference")
        for name in folders:
            with self.subTest(folder=name):
                self.check_reference_folder(os.path.join(root, name), {})

    def test_bin_variants_match_safetensors(self):
        shared = self.require_shared()
        for base in ("bert", "roberta"):
            reference, _ = self.convert_ok(os.path.join(shared, "reference", base))
            for variant in (base + "-bin", base + "-bin-legacy"):
                with self.subTest(variant=variant):
                    model, _ = self.convert_ok(os.path.join(shared, "reference", variant))
                    self.assertEqual(model.raw[model.data_start:], reference.raw[reference.data_start:])
                    self.assertEqual(model.config, reference.config)

    def test_trained_model_with_tokenizer(self):
        shared = self.require_shared()
        folder = os.path.join(shared, "models", "emotion-bert-L2-H128")
        model, proc = self.convert_ok(folder)
        self.assertNotIn("warning", proc.stderr)
        self.assertEqual(model.config["labels"], ["sadness", "joy", "love", "anger", "fear", "surprise"])
        self.assertEqual(model.config["tokenizer"], {"files": ["tokenizer.json", "tokenizer_config.json", "vocab.txt"]})
        for name in model.config["tokenizer"]["files"]:
            with open(os.path.join(folder, name), "rb") as f:
                self.assertEqual(model.tensors["tokenizer/" + name].tobytes(), f.read(), name)
        self.assert_layout(model)

    def test_tokenizer_option(self):
        shared = self.require_shared()
        tokenizer = os.path.join(shared, "tokenizers", "bert-base-uncased")
        model, _ = self.convert_ok(os.path.join(shared, "models", "pair-bert-L2-H64-random"), "--tokenizer", tokenizer)
        self.assertEqual(model.config["tokenizer"], {"files": ["tokenizer.json", "vocab.txt"]})
        with open(os.path.join(tokenizer, "vocab.txt"), "rb") as f:
            self.assertEqual(model.tensors["tokenizer/vocab.txt"].tobytes(), f.read())
        # A 4000-token tokenizer cannot drive a 1000-row embedding table.
        self.assert_rejected(os.path.join(shared, "reference", "roberta"), "vocab size mismatch", "4000", "1000",
                             extra=["--tokenizer", os.path.join(shared, "tokenizers", "roberta-bpe")])


# --- weight dtypes (docs/FORMAT.md "Weight dtypes"), checked against numpy written here ---

DENSE_PARTS = ("attention.qkv", "attention.output", "ffn.intermediate", "ffn.output")
FILE_DTYPES = {"F32": "<f4", "BF16": "<u2", "I8": "i1", "U8": "u1"}
DTYPE_RANK = {"F32": 0, "BF16": 1, "I8": 2, "U8": 3}   # converter file order


def dense_weights(num_layer_weights):
    return [f"layers.{g}.{part}.weight" for g in range(num_layer_weights) for part in DENSE_PARTS]


class AnyDtypeFile:
    """A bertcls file with F32, BF16 (as raw uint16 bits), I8 and U8 tensors."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        (header_len,) = struct.unpack("<Q", self.raw[:8])
        self.header = json.loads(self.raw[8:8 + header_len])
        self.metadata = self.header.pop("__metadata__")
        self.config = json.loads(self.metadata["config"])
        self.data_start = 8 + header_len
        self.tensors = {}
        for name, info in self.header.items():
            begin, end = info["data_offsets"]
            self.tensors[name] = np.frombuffer(self.raw[self.data_start + begin:self.data_start + end],
                                               FILE_DTYPES[info["dtype"]]).reshape(info["shape"])
        unblock_tensors(self.tensors, self.metadata, self.dtype)

    def dtype(self, name):
        return self.header[name]["dtype"]


def bf16_bits(values):
    """Round to nearest even into the upper 16 bits, in 64-bit integers so nothing wraps.
    NaN lanes are left to the caller (any NaN is acceptable there)."""
    u = np.ascontiguousarray(values, "<f4").view("<u4").astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def is_bf16_nan(bits):
    return ((bits & 0x7F80) == 0x7F80) & ((bits & 0x007F) != 0)


class WeightDtypeTest(ConverterTestCase):
    """--dtype bf16|int8 and --keep-f32 on a tiny random BERT with awkward values."""

    SPECIAL = np.array([0x3F800000,            # 1.0
                        0x3F808000,            # tie, even below: rounds down to 0x3F80
                        0x3F818000,            # tie, odd below: rounds up to 0x3F82
                        0x3F808001,            # just above a tie: up
                        0xBF807FFF,            # just below a tie, negative: down
                        0x7F7FFFFF,            # largest finite: rounds to +inf
                        0x7F800000, 0xFF800000,  # +-inf
                        0x80000000,            # -0.0
                        0x00000001,            # smallest subnormal: rounds to +0
                        0x7FC01234,            # quiet NaN with a payload
                        0x7F800001,            # signalling NaN whose payload is all in the low half
                        0xFFFFFFFF,            # negative NaN, all ones: would wrap in 32 bits
                        0x007FFFFF, 0x3FFFFFFF, 0x12345678], np.uint32)

    def write(self, name="ckpt", change_state=None):
        config, state = tiny_bert()
        if change_state:
            change_state(state)
        return write_checkpoint(self.path(name), config, state), state

    def convert_dtype(self, folder, *extra, name=None):
        out = self.path((name or os.path.basename(folder)) + ".bertcls")
        proc, out = self.convert(folder, out, *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return AnyDtypeFile(out), proc

    def assert_dtype_layout(self, model):
        """Data at a multiple of 64, no holes, the compiled tokenizer first (a multiple of 64
        long), then F32, BF16, I8 and U8, and every tensor at a file offset that is a multiple of
        its element size."""
        self.assertEqual(model.data_start % 64, 0)
        end, rank = 0, 0
        for name, info in model.header.items():  # insertion order = data order
            begin = info["data_offsets"][0]
            self.assertEqual(begin, end, f"hole or overlap before {name}")
            end = info["data_offsets"][1]
            if name == "tokenizer/compiled":
                self.assertEqual((begin, end % 64), (0, 0), "the compiled tokenizer is not first or not 64-aligned")
                continue
            self.assertGreaterEqual(DTYPE_RANK[info["dtype"]], rank, f"{name} out of dtype order")
            rank = DTYPE_RANK[info["dtype"]]
            size = np.dtype(FILE_DTYPES[info["dtype"]]).itemsize
            self.assertEqual((model.data_start + begin) % size, 0, f"{name} misaligned")
        self.assertEqual(model.data_start + end, len(model.raw))

    def assert_converted(self, model, expected, dtype, kept=()):
        """Every tensor of the file against the F32 source tensors in `expected`."""
        dense = set(dense_weights(model.config["num_layer_weights"]))
        scales = {n + "_scale" for n in dense - set(kept)} if dtype == "int8" else set()
        weights = {k for k in model.tensors if not k.startswith("tokenizer/")}
        self.assertEqual(weights, set(expected) | scales)
        self.assertEqual(model.metadata["weights_dtype"], dtype)
        self.assertEqual(json.loads(model.metadata["kept_f32"]), [n for n in dense_weights(
            model.config["num_layer_weights"]) if n in kept])
        for name, source in expected.items():
            source = np.asarray(source, "<f4")
            if name not in dense or name in kept:
                self.assertEqual(model.dtype(name), "F32", name)
                self.assert_same_bits(model.tensors[name], source, name)
            elif dtype == "bf16":
                self.assert_bf16(model.tensors[name], model.dtype(name), source, name)
            else:
                self.assert_int8(model, name, source)

    def assert_bf16(self, bits, file_dtype, source, name):
        self.assertEqual(file_dtype, "BF16", name)
        self.assertEqual(bits.shape, source.shape, name)
        want = bf16_bits(source)
        nan = np.isnan(source)
        self.assertEqual(bits[~nan].tobytes(), want[~nan].tobytes(), f"{name}: bf16 rounding differs")
        self.assertTrue(np.all(is_bf16_nan(bits[nan])), f"{name}: a NaN did not stay NaN")
        self.assertEqual((bits[nan] >> 15).tolist(), (source[nan].view("<u4") >> 31).tolist(), f"{name}: NaN sign")

    def assert_int8(self, model, name, w):
        self.assertEqual(model.dtype(name), "I8", name)
        self.assertEqual(model.dtype(name + "_scale"), "F32", name)
        q, s = model.tensors[name], model.tensors[name + "_scale"]
        self.assertEqual(q.shape, w.shape, name)
        self.assertEqual(s.shape, (w.shape[0],), name)
        self.assertTrue(np.all((q >= -127) & (q <= 127)), f"{name}: q outside [-127, 127]")
        absmax = np.max(np.abs(w), axis=1)
        want = (absmax / np.float32(127)).astype("<f4")
        want[want == 0] = 1  # zero rows, and rows whose scale underflows
        self.assertEqual(s.tobytes(), want.tobytes(), f"{name}: scales")
        s64, q64, w64 = s.astype(np.float64)[:, None], q.astype(np.float64), w.astype(np.float64)
        err = np.abs(q64 * s64 - w64)
        self.assertTrue(np.all(err <= s64 / 2 * (1 + 1e-5) + 1e-30), f"{name}: max error {np.max(err / s64)} s")
        self.assertTrue(np.all(np.isfinite(s) & (s > 0)), f"{name}: scales must be positive and finite")
        nonzero = absmax / np.float32(127) > 0  # each row's largest magnitude becomes +-127
        self.assertTrue(np.all(np.max(np.abs(q[nonzero].astype(int)), axis=1) == 127), name)
        self.assertTrue(np.all(q[~nonzero] == 0), name)

    def test_bf16_rounds_to_nearest_even(self):
        w = "bert.encoder.layer.0.intermediate.dense.weight"

        def special(state):
            flat = state[w].view(np.uint32).reshape(-1)
            flat[:len(self.SPECIAL)] = self.SPECIAL
        folder, state = self.write(change_state=special)
        model, proc = self.convert_dtype(folder, "--dtype", "bf16")
        self.assertIn("labels; 8 dense weights in bf16, 0 kept in f32\n", proc.stdout)
        expected = expected_tensors("bert", state, model.config)
        self.assert_converted(model, expected, "bf16")
        bits = model.tensors["layers.0.ffn.intermediate.weight"].reshape(-1)[:len(self.SPECIAL)]
        self.assertEqual([hex(b) for b in bits[:10]],
                         [hex(b) for b in (0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xBF80, 0x7F80, 0x7F80, 0xFF80,
                                           0x8000, 0x0000)])
        self.assertTrue(np.all(is_bf16_nan(bits[10:13])), [hex(b) for b in bits[10:13]])
        self.assert_dtype_layout(model)
        # The converted weights follow every F32 tensor, in canonical order.
        names = list(model.header)
        self.assertEqual(names[-8:], dense_weights(2))

    def test_int8_per_row_scales(self):
        w = "bert.encoder.layer.1.intermediate.dense.weight"

        def rows(state):
            state[w][3] = 0.0                      # an all-zero row: scale 1, q 0
            state[w][4, 5] = 1000.0                # an outlier: the rest of its row rounds to ~0
            state[w][5] = np.linspace(-1, 1, 8)    # exact multiples of s/2 land on ties
            state[w][6, 0] = -0.0
            state[w][7, :] = 1e-30                 # tiny but non-zero
            state[w][8, :] = 1e-44                 # so tiny that /127 underflows: like a zero row
        folder, state = self.write(change_state=rows)
        model, proc = self.convert_dtype(folder, "--dtype", "int8")
        self.assertIn("labels; 8 dense weights in int8, 0 kept in f32\n", proc.stdout)
        self.assert_converted(model, expected_tensors("bert", state, model.config), "int8")
        scale = model.tensors["layers.1.ffn.intermediate.weight_scale"]
        q = model.tensors["layers.1.ffn.intermediate.weight"]
        self.assertEqual(scale[3], 1.0)
        self.assertEqual(q[3].tolist(), [0] * 8)
        self.assertEqual(q[5].tolist(), [-127, -91, -54, -18, 18, 54, 91, 127])
        self.assertEqual(q[7].tolist(), [127] * 8)
        self.assertEqual((scale[8], q[8].tolist()), (1.0, [0] * 8))
        self.assert_dtype_layout(model)
        # Each _scale takes its weight's place among the F32 tensors: right before the bias.
        names = list(model.header)
        for name in dense_weights(2):
            i = names.index(name + "_scale")
            self.assertEqual(names[i + 1], name[:-len("weight")] + "bias")
        self.assertEqual(names[-8:], dense_weights(2))

    def test_keep_f32_by_prefix_and_full_name(self):
        folder, state = self.write()
        cases = {  # --keep-f32 value: kept weights
            "layers.1": [n for n in dense_weights(2) if n.startswith("layers.1.")],
            "layers.0.ffn.output.weight": ["layers.0.ffn.output.weight"],
            "layers.0.ffn.output": ["layers.0.ffn.output.weight"],
            "layers.0.ffn": ["layers.0.ffn.intermediate.weight", "layers.0.ffn.output.weight"],
            "layers.1.attention.qkv.weight, layers.0": ["layers.0." + p + ".weight" for p in DENSE_PARTS]
                                                       + ["layers.1.attention.qkv.weight"],
            "layers.0,layers.1": dense_weights(2),
            "layers": dense_weights(2),
        }
        for i, (keep, kept) in enumerate(cases.items()):
            for dtype in ("bf16", "int8"):
                with self.subTest(keep=keep, dtype=dtype):
                    model, proc = self.convert_dtype(folder, "--dtype", dtype, "--keep-f32", keep, name=f"{dtype}{i}")
                    self.assertIn(f"labels; {8 - len(kept)} dense weights in {dtype}, "
                                  f"{len(kept)} kept in f32\n", proc.stdout)
                    self.assert_converted(model, expected_tensors("bert", state, model.config), dtype, kept)
                    self.assert_dtype_layout(model)

    def test_rejects_bad_dtype_and_unknown_keep_f32(self):
        folder, _ = self.write()
        self.assert_rejected(folder, "--dtype", "'f16'", extra=["--dtype", "f16"])
        self.assert_rejected(folder, "--dtype", "'INT8'", extra=["--dtype", "INT8"])
        for name in ("layers.2", "layers.1.ffn.out", "head.dense", "head.dense.weight", "embeddings",
                     "embeddings.projection", "layers.0.attention.qkv.bias", "layers.0.attention.norm",
                     "layers.0.ffn.output.weight_scale", "layers.", "ffn.output", "layers.0.ffn.output.weight.x"):
            with self.subTest(name=name):
                self.assert_rejected(folder, "--keep-f32", repr(name), "matches no quantizable weight",
                                     extra=["--dtype", "int8", "--keep-f32", "layers.0.ffn.output," + name])
        self.assert_rejected(folder, "--keep-f32", "empty name", extra=["--dtype", "bf16", "--keep-f32", "layers.0,"])
        # Names are checked even where they change nothing.
        self.assert_rejected(folder, "matches no quantizable weight", extra=["--keep-f32", "layers.9"])

    def test_int8_rejects_non_finite_weights(self):
        def nan(state):
            state["bert.encoder.layer.1.output.dense.weight"][2, 3] = np.inf
        folder, _ = self.write(change_state=nan)
        with open(os.path.join(folder, "vocab.txt"), "w") as f:  # no warning before the error
            f.write("".join(f"t{i}\n" for i in range(24)))
        self.assert_rejected(folder, "layers.1.ffn.output.weight", "non-finite", extra=["--dtype", "int8"])
        # ... unless that weight stays F32; bf16 keeps an infinity as one.
        self.convert_dtype(folder, "--dtype", "int8", "--keep-f32", "layers.1.ffn.output", name="kept")
        model, _ = self.convert_dtype(folder, "--dtype", "bf16", name="bf16")
        self.assertEqual(model.tensors["layers.1.ffn.output.weight"][2, 3], 0x7F80)

    def test_f32_default_is_unchanged(self):
        folder, state = self.write()
        default, proc = self.convert_dtype(folder, name="default")
        # Said as it is: every dense weight is f32 (it used to read "0 dense weights converted, 8 kept F32").
        self.assertIn(f"labels; {len(dense_weights(2))} dense weights in f32\n", proc.stdout)
        explicit, _ = self.convert_dtype(folder, "--dtype", "f32", name="explicit")
        self.assertEqual(default.raw, explicit.raw)
        self.assertEqual(default.metadata["weights_dtype"], "f32")
        self.assertNotIn("kept_f32", default.metadata)
        model = read_bertcls(self.path("default.bertcls"))
        self.assert_tensors(model, expected_tensors("bert", state, model.config))
        self.assert_layout(model)
        self.assert_dtype_layout(default)
        # --keep-f32 with f32 changes nothing but a warning.
        kept, proc = self.convert_dtype(folder, "--keep-f32", "layers.0", name="kept")
        self.assertIn("--keep-f32 has no effect", proc.stderr)
        self.assertEqual(kept.raw[kept.data_start:], default.raw[default.data_start:])

    def test_blocked_layout(self):
        """Dense weights whose sizes divide into blocks are stored blocked by default (and read back
        through support.unblock, an independent formula); --layout plain stores them row-major
        with the same values; other tensors never move; a bad --layout is refused."""
        shared = self.require_shared()
        src = os.path.join(shared, "models", "emotion-bert-L2-H128")  # hidden 128, FFN 512: all divide
        for dtype in ("f32", "bf16", "int8"):
            with self.subTest(dtype=dtype):
                blocked, _ = self.convert(src, self.path(f"blocked-{dtype}.bertcls"), "--dtype", dtype)
                plain, _ = self.convert(src, self.path(f"plain-{dtype}.bertcls"), "--dtype", dtype, "--layout", "plain")
                self.assertEqual((blocked.returncode, plain.returncode), (0, 0), blocked.stderr + plain.stderr)
                b, p = AnyDtypeFile(self.path(f"blocked-{dtype}.bertcls")), AnyDtypeFile(self.path(f"plain-{dtype}.bertcls"))
                self.assertEqual(json.loads(b.metadata["blocked_weights"]), dense_weights(2))
                self.assertNotIn("blocked_weights", p.metadata)
                for name in p.tensors:
                    self.assertEqual(b.tensors[name].tobytes(), p.tensors[name].tobytes(), name)
                raw = np.frombuffer(b.raw[b.data_start + b.header["layers.0.ffn.output.weight"]["data_offsets"][0]:][:64 * 4],
                                    "<f4" if dtype == "f32" else {"bf16": "<u2", "int8": "i1"}[dtype])
                self.assertFalse(np.array_equal(raw[:16], p.tensors["layers.0.ffn.output.weight"].reshape(-1)[:16]))
        self.assert_rejected(src, "--layout", extra=("--layout", "tiled"))

    def test_reference_checkpoints_in_every_dtype(self):
        """Real checkpoints: shared ALBERT layers (one weight set), the ELECTRA projection
        (stays F32), DistilBERT, and the trained model with its tokenizer files."""
        shared = self.require_shared()
        folders = [os.path.join(shared, "reference", name) for name in ("albert", "electra", "distilbert")]
        folders.append(os.path.join(shared, "models", "emotion-bert-L2-H128"))
        for folder in folders:
            for dtype, keep in (("bf16", None), ("int8", "layers.0.attention")):
                with self.subTest(folder=os.path.basename(folder), dtype=dtype):
                    extra = ["--dtype", dtype] + (["--keep-f32", keep] if keep else [])
                    model, _ = self.convert_dtype(folder, *extra, name=f"{os.path.basename(folder)}-{dtype}")
                    c = model.config
                    expected = expected_tensors(c["family"], ReferenceCheckpointTest.source_tensors(folder), c)
                    kept = [n for n in dense_weights(c["num_layer_weights"]) if keep and n.startswith(keep + ".")]
                    self.assert_converted(model, expected, dtype, kept)
                    self.assert_dtype_layout(model)

    def test_alignment_with_odd_sizes_and_tokenizer_files(self):
        """Sizes that make odd element counts, and tokenizer files of odd lengths."""
        config, state = tiny_bert(hidden=6, heads=2, ffn=7, vocab=23, positions=9, labels=1)
        folder = write_checkpoint(self.path("odd"), config, state)
        with open(os.path.join(folder, "vocab.txt"), "wb") as f:
            f.write(b"".join(b"t%d\n" % i for i in range(23)))
        with open(os.path.join(folder, "tokenizer_config.json"), "wb") as f:
            f.write(b'{"a": 1}')
        for dtype, keep in (("f32", None), ("bf16", None), ("int8", None), ("bf16", "layers.0.ffn"),
                            ("int8", "layers.1.attention")):
            with self.subTest(dtype=dtype, keep=keep):
                extra = ["--dtype", dtype] + (["--keep-f32", keep] if keep else [])
                model, _ = self.convert_dtype(folder, *extra, name=f"{dtype}-{keep}")
                self.assert_dtype_layout(model)
                self.assertEqual({model.dtype(n) for n in model.header if n.startswith("tokenizer/")}, {"U8"})
                if dtype != "f32":
                    kept = [n for n in dense_weights(2) if keep and n.startswith(keep + ".")]
                    self.assert_converted(model, expected_tensors("bert", state, model.config), dtype, kept)


class ConvertTestModelsTest(TempDirTest):
    SCRIPT = os.path.join(REPO, "scripts", "convert_test_models.py")

    def run_script(self, shared):
        return subprocess.run([sys.executable, self.SCRIPT, "--out", self.path("out"), "--shared", shared],
                              capture_output=True, text=True, timeout=120)

    def test_converts_shared_models_with_stable_names(self):
        shared = self.require_shared()
        proc = self.run_script(shared)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        expected = {name + ".bertcls" for kind in ("reference", "models", "zeroshot")
                    if os.path.isdir(os.path.join(shared, kind))
                    for name in os.listdir(os.path.join(shared, kind))
                    if os.path.isfile(os.path.join(shared, kind, name, "config.json"))
                    and supported_checkpoint(os.path.join(shared, kind, name))}
        self.assertEqual(set(os.listdir(self.path("out", "shared"))), expected)
        self.assertEqual(read_bertcls(self.path("out", "shared", "bert.bertcls")).config["family"], "bert")

    def test_missing_shared_folder_is_skipped(self):
        proc = self.run_script(self.path("nowhere"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"skipping ../shared models: {self.path('nowhere')} not found", proc.stdout)
        self.assertFalse(os.path.exists(self.path("out", "shared")))
        local = {n + ".bertcls" for kind in ("reference", "zeroshot")
                 for root in [os.path.join(REPO, "tests", "data", kind)]
                 for n in (os.listdir(root) if os.path.isdir(root) else [])
                 if os.path.isfile(os.path.join(root, n, "config.json"))}
        self.assertEqual(set(os.listdir(self.path("out", "local"))) if local else set(), local)
