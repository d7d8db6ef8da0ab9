"""ModernBERT through the command line: a bad family field in a model file, or in a checkpoint's
config.json, is one line naming the field (exit 2), never a crash; `info` shows the family's
settings; the converted local reference classifies pre-tokenized input as transformers did.

Environment: BERTCLS_BINARY (the bertcls binary, required)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import unittest

import numpy as np

from tests.python.support import REPO, TempDirTest

FIXTURE = os.path.join(REPO, "tests", "data", "reference", "modernbert-window")


def binary():
    path = os.environ.get("BERTCLS_BINARY")
    if not path or not os.path.isfile(path):
        raise unittest.SkipTest("BERTCLS_BINARY is not set to the bertcls binary")
    return path


def rewrite_config(src, dst, change):
    """Copies a .bertcls file with change(config) applied to its metadata config (header padded
    so the data section stays 64-byte aligned)."""
    with open(src, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    config = json.loads(header["__metadata__"]["config"])
    change(config)
    header["__metadata__"]["config"] = json.dumps(config, sort_keys=True, separators=(",", ":"))
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 64)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + raw[8 + n:])


class ModernBertCliTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.bin = binary()
        if not os.path.isdir(FIXTURE):
            self.skipTest(f"{FIXTURE} not found")
        self.model = self.path("modernbert.bertcls")
        proc, _ = self.convert(FIXTURE, self.model)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def run_cli(self, *args):
        return subprocess.run([self.bin, *args], capture_output=True, text=True, timeout=120)

    def reference_rows(self):
        with open(os.path.join(FIXTURE, "reference.safetensors"), "rb") as f:
            raw = f.read()
        n = struct.unpack("<Q", raw[:8])[0]
        ref = {name: np.frombuffer(raw[8 + n + info["data_offsets"][0]:8 + n + info["data_offsets"][1]],
                                   {"I64": "<i8", "F32": "<f4"}[info["dtype"]]).reshape(info["shape"])
               for name, info in json.loads(raw[8:8 + n]).items() if name in ("input_ids", "attention_mask", "logits")}
        ids, mask = ref["input_ids"], ref["attention_mask"]
        return [ids[b][mask[b] == 1].tolist() for b in range(ids.shape[0])], ref["logits"]

    def test_logits_of_pre_tokenized_rows(self):
        rows, logits = self.reference_rows()
        for row, want in zip(rows, logits):
            proc = self.run_cli("classify", "-m", self.model, "--format", "json", "--input-ids", ",".join(map(str, row)))
            self.assertEqual(proc.returncode, 0, proc.stderr)
            got = json.loads(proc.stdout)["logits"]
            self.assertLessEqual(float(np.max(np.abs(np.array(got) - want))), 1e-4)

    def test_info_shows_the_family_settings(self):
        proc = self.run_cli("info", "-m", self.model, "--json")
        if proc.returncode != 0:  # no --json: the text form
            proc = self.run_cli("info", "-m", self.model)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for phrase in ('"global_attention_layers":[1]', '"each_side":8', '"global":5000.0', '"sliding":300.0',
                       '"classifier_pooling":"mean"'):
            self.assertIn(phrase, proc.stdout.replace(" ", ""))

    def test_bad_family_fields_are_one_line_errors(self):
        cases = {
            "layer_types": lambda c: c.update(layer_types=c["layer_types"][:-1]),
            "layer_types ": lambda c: c.update(layer_types=["full_attention", "chunked", "full_attention"]),
            "sliding_window": lambda c: c.update(sliding_window=-1),
            "global_rope_theta": lambda c: c.pop("global_rope_theta"),
            "local_rope_theta": lambda c: c.update(local_rope_theta=-2.0),
            "classifier_pooling": lambda c: c.update(classifier_pooling="max"),
            "norm_bias": lambda c: c.update(norm_bias="yes"),
            "layers.0.attention.norm.weight": None,  # handled below: a tensor the table wants
        }
        for field, change in cases.items():
            with self.subTest(field=field):
                path = self.path("bad.bertcls")
                if change is None:
                    continue
                rewrite_config(self.model, path, change)
                proc = self.run_cli("classify", "-m", path, "--input-ids", "1,5,2")
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                message = proc.stderr.strip()
                self.assertEqual(len(message.splitlines()), 1, message)
                self.assertIn(f"'{field.strip()}'", message)
                self.assertIn("bad.bertcls", message)
        # A config asking for biases the file does not hold: the missing tensor is named.
        path = self.path("bad.bertcls")
        rewrite_config(self.model, path, lambda c: c.update(num_layers=4, num_layer_weights=4,
                                                             layer_types=c["layer_types"] + ["full_attention"]))
        proc = self.run_cli("classify", "-m", path, "--input-ids", "1,5,2")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("layers.3.", proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)

    def test_bad_checkpoint_configs_are_refused_by_the_converter(self):
        with open(os.path.join(FIXTURE, "config.json")) as f:
            good = json.load(f)
        cases = [
            ("layer_types", dict(layer_types=["full_attention"])),
            ("rope_type", dict(rope_parameters={"full_attention": {"rope_type": "yarn", "rope_theta": 1.0},
                                                "sliding_attention": {"rope_type": "default", "rope_theta": 1.0}})),
            ("classifier_pooling", dict(classifier_pooling="max")),
            ("classifier_activation", dict(classifier_activation="swish")),
            ("local_attention", dict(local_attention=-4)),
        ]
        for phrase, change in cases:
            with self.subTest(phrase=phrase):
                folder = self.path("ckpt-" + phrase)
                shutil.copytree(FIXTURE, folder)
                with open(os.path.join(folder, "config.json"), "w") as f:
                    json.dump({**good, **change}, f)
                self.assert_rejected(folder, phrase)


if __name__ == "__main__":
    unittest.main()
