"""The score rules of transformers' TextClassificationPipeline, in `classify` and `batch`:
problem_type regression -> raw logits; multi_label_classification or exactly one label ->
sigmoid; otherwise softmax; --function-to-apply overrides; --top-k N|all. The expected scores
are computed here with numpy from the transformers logits in tests/data/reference/*/reference.safetensors,
independently of bertcls. `info` names the rule.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from tests.python.test_batch_cli import BINARY, ENV, REPO

TOLERANCE = 1e-4
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")
REFERENCE = os.path.join(REPO, "tests", "data", "reference")
MODEL_DIR = os.environ.get("BERTCLS_TEST_MODEL_DIR") or os.path.join(os.path.dirname(BINARY), "tests", "models")


def read_reference(folder):
    """{name: array} of reference.safetensors (I64 and F32)."""
    with open(os.path.join(folder, "reference.safetensors"), "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = {"I64": "<i8", "F32": "<f4"}[info["dtype"]]
        out[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype).reshape(info["shape"])
    return out


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


PIPELINE = {"softmax": softmax, "sigmoid": sigmoid, "none": lambda x: x}


class ScoreRulesTest(unittest.TestCase):
    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")
        holder = tempfile.TemporaryDirectory(prefix="bertcls-scores-")
        self.addCleanup(holder.cleanup)
        self.tmp = holder.name

    def run_cli(self, *args, stdin=None, rc=0):
        proc = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=120, env=ENV)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc

    def model(self, name, change_config=None):
        """tests/data/reference/<name> as a .bertcls; with change_config, a copy whose
        config.json is changed first (the weights, hence the logits, are the same)."""
        if change_config is None:
            path = os.path.join(MODEL_DIR, "local", name + ".bertcls")
            if os.path.isfile(path):
                return path
        src = os.path.join(self.tmp, name + "-src")
        if not os.path.isdir(src):
            shutil.copytree(os.path.join(REFERENCE, name), src)
        if change_config:
            with open(os.path.join(src, "config.json"), encoding="utf-8") as f:
                config = json.load(f)
            change_config(config)
            with open(os.path.join(src, "config.json"), "w", encoding="utf-8") as f:
                json.dump(config, f)
        out = os.path.join(self.tmp, f"{name}-{len(os.listdir(self.tmp))}.bertcls")
        proc = subprocess.run([sys.executable, CONVERTER, src, "-o", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out

    def rows(self, name):
        """(input_ids, token_type_ids, transformers logits) of each reference row."""
        ref = read_reference(os.path.join(REFERENCE, name))
        for i in range(ref["input_ids"].shape[0]):
            mask = ref["attention_mask"][i] == 1
            yield ref["input_ids"][i][mask], ref["token_type_ids"][i][mask], ref["logits"][i].astype(np.float64)

    def classify(self, model, ids, types, *extra):
        args = ["classify", "-m", model, "--format", "json", "--input-ids", ",".join(map(str, ids)),
                "--token-type-ids", ",".join(map(str, types)), *extra]
        return json.loads(self.run_cli(*args).stdout)

    def check(self, model, name, function, *extra, labels=None):
        for ids, types, logits in self.rows(name):
            got = self.classify(model, ids, types, *extra)
            want = PIPELINE[function](logits)
            by_label = {s["label"]: s["score"] for s in got["scores"]}
            names = labels or list(by_label)
            for k, label in enumerate(labels or []):
                self.assertLessEqual(abs(by_label[label] - want[k]), TOLERANCE, f"{name} {function} {label}")
            self.assertEqual(len(names), len(want))

    def info_scores(self, model):
        return json.loads(self.run_cli("info", "-m", model, "--json").stdout)["scores"]

    def labels_of(self, name):
        with open(os.path.join(REFERENCE, name, "config.json"), encoding="utf-8") as f:
            id2label = json.load(f).get("id2label") or {}
        return [id2label[str(i)] for i in range(len(id2label))]

    def test_one_label_without_problem_type_is_sigmoid(self):
        """The change from earlier bertcls: one label and no problem_type printed the raw logit
        (the converter inferred regression); the pipeline applies sigmoid."""
        model = self.model("bert-regression", lambda c: c.pop("problem_type"))
        self.check(model, "bert-regression", "sigmoid", labels=["score"])
        self.assertTrue(self.info_scores(model).startswith("sigmoid"))
        # Text output too: label<TAB>sigmoid(logit).
        ids, types, logits = next(self.rows("bert-regression"))
        row = self.run_cli("classify", "-m", model, "--input-ids", ",".join(map(str, ids)),
                           "--token-type-ids", ",".join(map(str, types))).stdout.decode().split("\t")
        self.assertEqual(row[0], "score")
        self.assertLessEqual(abs(float(row[1]) - sigmoid(logits[0])), TOLERANCE)

    def test_explicit_regression_is_raw(self):
        model = self.model("bert-regression")
        self.check(model, "bert-regression", "none", labels=["score"])
        self.assertTrue(self.info_scores(model).startswith("none"))

    def test_multi_label_is_sigmoid_and_single_label_softmax(self):
        self.check(self.model("bert-multilabel"), "bert-multilabel", "sigmoid", labels=self.labels_of("bert-multilabel"))
        self.check(self.model("bert"), "bert", "softmax", labels=self.labels_of("bert"))
        self.assertTrue(self.info_scores(self.model("bert")).startswith("softmax"))

    def test_function_to_apply_overrides(self):
        for function in ("softmax", "sigmoid", "none"):
            with self.subTest(function=function):
                self.check(self.model("bert"), "bert", function, "--function-to-apply", function, labels=self.labels_of("bert"))
                self.check(self.model("bert-regression"), "bert-regression", function, "--function-to-apply", function,
                           labels=["score"])
        # config.json's own function_to_apply, which the pipeline reads for single-label models.
        model = self.model("bert", lambda c: c.update(function_to_apply="sigmoid"))
        self.check(model, "bert", "sigmoid", labels=self.labels_of("bert"))
        self.assertTrue(self.info_scores(model).startswith("sigmoid"))
        proc = self.run_cli("classify", "--function-to-apply", "cubic", "hello", rc=1)
        self.assertIn("--function-to-apply", proc.stderr.decode())

    def test_top_k(self):
        model = self.model("bert")
        labels = self.labels_of("bert")
        ids, types, logits = next(self.rows("bert"))
        want = softmax(logits)
        order = [labels[k] for k in np.argsort(-want, kind="stable")]
        got = self.classify(model, ids, types, "--top-k", "2")
        self.assertEqual([s["label"] for s in got["scores"]], order[:2])
        got = self.classify(model, ids, types, "--top-k", "all")
        self.assertEqual([s["label"] for s in got["scores"]], order)
        row = self.run_cli("classify", "-m", model, "--input-ids", ",".join(map(str, ids)), "--token-type-ids",
                           ",".join(map(str, types)), "--top-k", "3").stdout.decode().strip().split("\t")
        self.assertEqual(row[0::2], order[:3])
        for label, score in zip(row[0::2], row[1::2]):
            self.assertLessEqual(abs(float(score) - want[labels.index(label)]), TOLERANCE)
        # batch: "scores" with the N best.
        record = json.dumps({"text": "", "input_ids": [int(i) for i in ids], "token_type_ids": [int(t) for t in types]})
        out = json.loads(self.run_cli("batch", "-m", model, "-q", "--top-k", "2", stdin=(record + "\n").encode()).stdout)
        self.assertEqual([s["label"] for s in out["prediction"]["scores"]], order[:2])
        for bad in ("0", "-1", "two"):
            proc = self.run_cli("classify", "-m", model, "--top-k", bad, "--input-ids", "1,2", rc=1)
            self.assertIn("--top-k", proc.stderr.decode())

    def test_batch_follows_the_rule(self):
        model = self.model("bert-regression", lambda c: c.pop("problem_type"))
        records = []
        expected = []
        for ids, types, logits in self.rows("bert-regression"):
            records.append(json.dumps({"text": "", "input_ids": [int(i) for i in ids], "token_type_ids": [int(t) for t in types]}))
            expected.append(sigmoid(logits[0]))
        out = self.run_cli("batch", "-m", model, "-q", stdin=("\n".join(records) + "\n").encode()).stdout.decode().splitlines()
        for line, want in zip(out, expected):
            self.assertLessEqual(abs(json.loads(line)["prediction"]["score"] - want), TOLERANCE)
        out = self.run_cli("batch", "-m", model, "-q", "--function-to-apply", "none",
                           stdin=("\n".join(records) + "\n").encode()).stdout.decode().splitlines()
        for line, (_, _, logits) in zip(out, self.rows("bert-regression")):
            self.assertLessEqual(abs(json.loads(line)["prediction"]["score"] - logits[0]), TOLERANCE)


if __name__ == "__main__":
    unittest.main()
