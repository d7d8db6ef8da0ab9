"""`bertcls rerank` with sentence-transformers' CrossEncoder semantics: each (query, passage)
pair scored by sigmoid of the model's one logit (--raw-scores: the logit), passages best first,
ties in the given order.

The cross-encoder is tests/data/reference/bert-with-tokenizer cut to one class: its classifier
row k alone, so its one logit on a pair is the transformers logit k recorded in texts.jsonl for
that pair (the head is linear, rows are independent). Expected scores come from those logits.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from tests.python.support import read_safetensors_f32, write_safetensors
from tests.python.test_batch_cli import BINARY, ENV, REPO

TOLERANCE = 1e-4
FIXTURE = os.path.join(REPO, "tests", "data", "reference", "bert-with-tokenizer")
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


class RerankTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.holder = tempfile.TemporaryDirectory(prefix="bertcls-rerank-")
        cls.tmp = cls.holder.name
        cls.models = {}

    @classmethod
    def tearDownClass(cls):
        cls.holder.cleanup()

    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")

    def cross_encoder(self, k):
        if k in self.models:
            return self.models[k]
        src = os.path.join(self.tmp, f"ce{k}")
        shutil.copytree(FIXTURE, src)
        with open(os.path.join(src, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        config["id2label"] = {"0": "LABEL_0"}
        config["label2id"] = {"LABEL_0": 0}
        config.pop("problem_type", None)
        with open(os.path.join(src, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)
        tensors = dict(read_safetensors_f32(os.path.join(src, "model.safetensors")))
        for key in ("classifier.weight", "classifier.bias"):
            tensors[key] = tensors[key][k:k + 1]
        write_safetensors(os.path.join(src, "model.safetensors"), tensors)
        out = src + ".bertcls"
        proc = subprocess.run([sys.executable, CONVERTER, src, "-o", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.models[k] = out
        return out

    def pairs(self):
        with open(os.path.join(FIXTURE, "texts.jsonl"), encoding="utf-8") as f:
            records = [json.loads(line) for line in f]
        return [r for r in records if r["text_pair"] is not None]

    def run_cli(self, *args, stdin=None, rc=0):
        proc = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=120, env=ENV)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc

    def test_scores_are_the_sigmoid_of_the_logit(self):
        for k in range(3):
            model = self.cross_encoder(k)
            for r in self.pairs():
                with self.subTest(k=k, query=r["text"]):
                    out = json.loads(self.run_cli("rerank", "-m", model, "--format", "json", r["text"], r["text_pair"]).stdout)
                    self.assertEqual(len(out), 1)
                    self.assertEqual(out[0]["index"], 0)
                    self.assertEqual(out[0]["text"], r["text_pair"])
                    self.assertLessEqual(abs(out[0]["score"] - sigmoid(r["logits"][k])), TOLERANCE)
                    raw = json.loads(self.run_cli("rerank", "-m", model, "--format", "json", "--raw-scores",
                                                  r["text"], r["text_pair"]).stdout)
                    self.assertLessEqual(abs(raw[0]["score"] - r["logits"][k]), TOLERANCE)

    def test_batch_pairs_give_the_same_scores(self):
        """README: batch --text-field query --pair-field passage gives rerank scores (one label:
        sigmoid, the pipeline's rule)."""
        model = self.cross_encoder(0)
        pairs = self.pairs()
        records = "".join(json.dumps({"query": r["text"], "passage": r["text_pair"]}) + "\n" for r in pairs)
        out = self.run_cli("batch", "-m", model, "-q", "--text-field", "query", "--pair-field", "passage",
                           stdin=records.encode()).stdout.decode().splitlines()
        for line, r in zip(out, pairs):
            self.assertLessEqual(abs(json.loads(line)["prediction"]["score"] - sigmoid(r["logits"][0])), TOLERANCE)

    def test_passages_best_first(self):
        """Several passages: sorted by score, best first; index is the given position; --top-k
        keeps the best N; -f reads one passage a line (blank lines skipped). Equal passages
        (equal scores) keep their given order, as Python's stable sort."""
        model = self.cross_encoder(2)
        query = "Which is better for breakfast?"
        passages = ["Bread with cheese and olives, or cake with cream?", "pasta", "fast video calls",
                    "Robots clean apartments.", "pasta"]
        out = json.loads(self.run_cli("rerank", "-m", model, "--format", "json", query, *passages).stdout)
        self.assertEqual(sorted(o["index"] for o in out), list(range(len(passages))))
        for o in out:
            self.assertEqual(o["text"], passages[o["index"]])
        scores = [o["score"] for o in out]
        self.assertEqual(scores, sorted(scores, reverse=True))
        ties = [o["index"] for o in out if o["text"] == "pasta"]
        self.assertEqual(ties, [1, 4])
        # The one pair in texts.jsonl has its transformers score.
        ref = next(r for r in self.pairs() if r["text"] == query)
        self.assertLessEqual(abs(next(o["score"] for o in out if o["index"] == 0) - sigmoid(ref["logits"][2])), TOLERANCE)

        path = os.path.join(self.tmp, "passages.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(passages[0] + "\n\n" + "\n".join(passages[1:]) + "\n")
        top = json.loads(self.run_cli("rerank", "-m", model, "--format", "json", "--top-k", "2", query, "-f", path).stdout)
        self.assertEqual(top, out[:2])
        rows = self.run_cli("rerank", "-m", model, query, "-f", path, "--top-k", "3").stdout.decode().splitlines()
        self.assertEqual([int(r.split("\t")[0]) for r in rows], [o["index"] for o in out[:3]])
        self.assertEqual([r.split("\t")[2] for r in rows], [o["text"] for o in out[:3]])

    def test_bad_input(self):
        model = self.cross_encoder(0)
        emotion = os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls")
        if os.path.isfile(emotion):
            proc = self.run_cli("rerank", "-m", emotion, "q", "p", rc=2)
            self.assertIn("one label", proc.stderr.decode())
            self.assertEqual(len(proc.stderr.decode().strip().splitlines()), 1)
        self.assertIn("passages", self.run_cli("rerank", "-m", model, "query only", rc=1).stderr.decode())
        self.run_cli("rerank", "-m", model, rc=1)
        empty = os.path.join(self.tmp, "empty.txt")
        with open(empty, "w") as f:
            f.write("\n\n")
        proc = self.run_cli("rerank", "-m", model, "q", "-f", empty, rc=2)
        self.assertIn(empty, proc.stderr.decode())
        self.run_cli("rerank", "-m", model, "--top-k", "0", "q", "p", rc=1)


if __name__ == "__main__":
    unittest.main()
