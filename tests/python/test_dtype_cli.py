"""bf16 and int8 through the command line: a model converted with --dtype gives exactly the
logits of the f32 model run with the same --dtype (the converter and the runtime quantize
identically); `bertcls info` names each part's dtype; a CPU without AVX512-BF16 / VNNI (forced
with oneDNN's DNNL_MAX_CPU_ISA) falls back to f32 with a one-line note and f32's answers; broken
quantized files are refused with one-line errors.

Runs on the repository's own fixture tests/data/reference/bert-with-tokenizer, so it needs no
../shared. Needs the binary (env BERTCLS_BINARY, else build/bertcls)."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from tests.python.support import REPO

BINARY = os.environ.get("BERTCLS_BINARY") or os.path.join(REPO, "build", "bertcls")
CHECKPOINT = os.path.join(REPO, "tests", "data", "reference", "bert-with-tokenizer")
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")
ENV = dict(os.environ, OMP_WAIT_POLICY="passive")
TEXTS = ["a short one", "the quick brown fox jumps over the lazy dog again and again", "ok"]


NP = {"F32": "<f4", "BF16": "<u2", "I8": "i1", "I64": "<i8", "U8": "u1"}


def read_model(path):
    """(metadata, {name: (dtype, array)}) in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__")
    tensors = {}
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        array = np.frombuffer(raw[8 + n + begin:8 + n + end], NP[info["dtype"]]).reshape(info["shape"])
        tensors[name] = (info["dtype"], array.copy())
    return metadata, tensors


def write_model(path, metadata, tensors):
    """Writes tensors in order, each aligned to 8 bytes, the data section to 64."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, (dtype, array) in tensors.items():
        pad = -offset % 8
        blobs.append(b"\0" * pad)
        offset += pad
        blob = np.ascontiguousarray(array, NP[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 64)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def cpu_runs(dtype):
    """Whether this CPU runs dtype natively, as bertcls decides it (no note on stderr)."""
    proc = subprocess.run([BINARY, "classify", "-m", os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls"),
                           "--dtype", dtype, "x"], capture_output=True, text=True, env=ENV)
    return "note:" not in proc.stderr


class DtypeCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BINARY):
            raise unittest.SkipTest(f"{BINARY} not built")
        cls.tmp_holder = tempfile.TemporaryDirectory(prefix="bertcls-dtype-")
        cls.tmp = cls.tmp_holder.name
        cls.models = {}
        for dtype in ("f32", "bf16", "int8"):
            out = os.path.join(cls.tmp, f"{dtype}.bertcls")
            subprocess.run([sys.executable, CONVERTER, CHECKPOINT, "-o", out, "--dtype", dtype],
                           check=True, capture_output=True)
            cls.models[dtype] = out

    @classmethod
    def tearDownClass(cls):
        cls.tmp_holder.cleanup()

    def classify(self, model, *extra, env=None):
        proc = subprocess.run([BINARY, "classify", "-m", model, "--format", "json", *extra, *TEXTS],
                              capture_output=True, text=True, env=env or ENV, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [json.loads(line)["logits"] for line in proc.stdout.splitlines()], proc.stderr

    def test_converted_file_equals_runtime_dtype(self):
        f32, _ = self.classify(self.models["f32"])
        for dtype in ("bf16", "int8"):
            with self.subTest(dtype=dtype):
                converted, _ = self.classify(self.models[dtype])
                runtime, _ = self.classify(self.models["f32"], "--dtype", dtype)
                if cpu_runs(dtype):
                    self.assertEqual(converted, runtime)
                    self.assertNotEqual(converted, f32)  # it really ran in reduced precision
                else:
                    # Without AVX512-BF16 / VNNI the f32 file runs in f32 on its own weights
                    # (README: "runs the layers in f32"); the converted file on its rounded ones.
                    self.assertEqual(runtime, f32)
                for a, b in zip(converted, f32):
                    self.assertLess(max(abs(x - y) for x, y in zip(a, b)), 0.1)

    def test_int8_batch_output_does_not_depend_on_batching(self):
        # Activations are quantized per token, so batch size and threads change no byte.
        records = "".join(json.dumps({"text": t * (i % 5 + 1)}) + "\n" for i, t in enumerate(TEXTS * 40))
        outputs = []
        for extra in (["--batch-size", "1", "--threads", "1"], ["--threads", "2"], ["--batch-size", "7", "--threads", "2"]):
            proc = subprocess.run([BINARY, "batch", "-m", self.models["int8"], "--logits", "-q", *extra],
                                  input=records, capture_output=True, text=True, env=ENV, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            outputs.append(proc.stdout)
        self.assertEqual(len(outputs[0].splitlines()), 120)
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])

    def test_dtype_f32_on_a_quantized_file_runs_its_stored_values(self):
        # f32 arithmetic over BF16 weights is exactly the f32 model with those weights rounded,
        # which differs from both the f32 model and bf16 arithmetic; it must simply run.
        logits, stderr = self.classify(self.models["int8"], "--dtype", "f32")
        self.assertEqual(stderr, "")
        self.assertEqual(len(logits), len(TEXTS))

    def test_fallback_without_bf16_or_vnni(self):
        f32, _ = self.classify(self.models["f32"])
        for isa, dtype in (("AVX512_CORE", "bf16"), ("AVX512_CORE", "int8"), ("AVX2", "bf16"), ("AVX2", "int8")):
            with self.subTest(isa=isa, dtype=dtype):
                env = dict(ENV, DNNL_MAX_CPU_ISA=isa)
                logits, stderr = self.classify(self.models["f32"], "--dtype", dtype, env=env)
                self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
                self.assertTrue(stderr.startswith("note: "), stderr)
                self.assertIn("dense layers run in f32", stderr)
                for a, b in zip(logits, f32):
                    self.assertLess(max(abs(x - y) for x, y in zip(a, b)), 1e-5)

    def test_info_names_each_parts_dtype(self):
        proc = subprocess.run([BINARY, "info", "-m", self.models["int8"]], capture_output=True, text=True, env=ENV)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"\n  encoder dense weights +I8\n")
        self.assertRegex(proc.stdout, r"\n  encoder dense scales +F32\n")
        self.assertRegex(proc.stdout, r"\n  embeddings +F32\n")
        self.assertRegex(proc.stdout, r"\n  head \(pooler, classifier\) +F32\n")
        self.assertIn("\nweights_dtype: int8\n", proc.stdout)
        kept = os.path.join(self.tmp, "kept.bertcls")
        subprocess.run([sys.executable, CONVERTER, CHECKPOINT, "-o", kept, "--dtype", "bf16", "--keep-f32", "layers.0.ffn"],
                       check=True, capture_output=True)
        proc = subprocess.run([BINARY, "info", "-m", kept, "--json"], capture_output=True, text=True, env=ENV)
        info = json.loads(proc.stdout)
        self.assertEqual(info["part_dtypes"]["encoder dense weights"], "BF16 x6, F32 x2")
        self.assertEqual(info["weights_dtype"], "bf16")

    def rewrite(self, name, change):
        """A copy of the int8 model with its {name: (dtype, array)} passed through change."""
        metadata, tensors = read_model(self.models["int8"])
        change(tensors)
        path = os.path.join(self.tmp, name)
        write_model(path, metadata, tensors)
        return path

    def test_rewritten_copy_still_loads(self):  # the writer above is sound, so refusals below are meaningful
        logits, _ = self.classify(self.rewrite("copy.bertcls", lambda t: None))
        original, _ = self.classify(self.models["int8"])
        self.assertEqual(logits, original)

    def assert_refused(self, path, *phrases):
        proc = subprocess.run([BINARY, "classify", "-m", path, "x"], capture_output=True, text=True, env=ENV)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        for phrase in (path, *phrases):
            self.assertIn(phrase, proc.stderr)

    def test_broken_quantized_files_are_refused(self):
        name = "layers.0.ffn.output.weight"
        scale = name + "_scale"
        self.assert_refused(self.rewrite("no-scale.bertcls", lambda t: t.pop(scale)), scale)
        self.assert_refused(self.rewrite("zero-scale.bertcls", lambda t: t[scale][1].fill(0)),
                            "not a positive finite number")
        self.assert_refused(self.rewrite("short-scale.bertcls", lambda t: t.update({scale: ("F32", t[scale][1][:3])})),
                            scale)
        self.assert_refused(self.rewrite("i64.bertcls", lambda t: t.update({name: ("I64", t[name][1].astype("<i8"))})),
                            "expected F32, BF16 or I8")


if __name__ == "__main__":
    unittest.main()
