"""`bertcls classify` end to end: --lines in every format against the transformers reference,
long texts chunked (checked against windows classified one by one) or truncated, sentence pairs,
bad lines and exit codes.

Needs the binary (env BERTCLS_BINARY, else build/bertcls), the default model ($BERTCLS_MODEL or
models/) and ../shared (env BERTCLS_SHARED_DIR); tests skip with a message when these are absent."""
import json
import math
import os
import subprocess
import tempfile
import unittest

from tests.python.test_batch_cli import (BINARY, DEFAULT_MODEL, EMOTION_LABELS, ENV, LOGIT_TOLERANCE, PAIR_MODEL,
                                         converted_pair_model, emotion_rows, read_reference, shared_dir)


class ClassifyScaffold:
    """setUp and helpers of the classify test classes (test_classify_output_cli.py too)."""
    tmp_prefix = "bertcls-classify-"

    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")
        if not os.path.isfile(DEFAULT_MODEL):
            self.skipTest(f"default model {DEFAULT_MODEL} not built yet")
        holder = tempfile.TemporaryDirectory(prefix=self.tmp_prefix)
        self.addCleanup(holder.cleanup)
        self.tmp = holder.name

    def need_shared(self):
        shared = shared_dir()
        if shared is None:
            self.skipTest("../shared not found (set BERTCLS_SHARED_DIR)")
        return shared

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run_cli(self, *args, stdin=None, rc=0):
        proc = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=120, env=ENV)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc


class ClassifyCliTest(ClassifyScaffold, unittest.TestCase):
    def test_lines_in_every_format_match_transformers(self):
        shared = self.need_shared()
        rows = emotion_rows(shared)[:300]
        reference = read_reference(os.path.join(shared, "models", "emotion-bert-L2-H128", "reference_emotion_test.tsv"))
        path = self.write("lines.txt", "".join(text + "\n" for text, _ in rows).encode())
        expected = [EMOTION_LABELS[pred] for pred, _ in reference[:300]]

        text = self.run_cli("classify", "--lines", "-f", path).stdout.decode().splitlines()
        self.assertEqual([line.split("\t")[0] for line in text], expected)

        with open(path, "rb") as f:
            tsv = self.run_cli("classify", "--lines", "--format", "tsv", stdin=f.read()).stdout.decode()
        tsv = [line.split("\t") for line in tsv.splitlines()]
        self.assertEqual(tsv[0], ["label", "score"] + EMOTION_LABELS + ["error"])
        self.assertEqual([r[0] for r in tsv[1:]], expected)
        for r in tsv[1:]:
            self.assertEqual(float(r[1]), max(float(x) for x in r[2:-1]))

        out = self.run_cli("classify", "--lines", "-f", path, "--format", "json").stdout.decode().splitlines()
        self.assertEqual(len(out), 300)
        for line, label, (_, logits) in zip(out, expected, reference):
            record = json.loads(line)
            self.assertEqual(record["label"], label)
            self.assertLessEqual(max(abs(a - b) for a, b in zip(record["logits"], logits)), LOGIT_TOLERANCE)
            self.assertEqual(record["long_text"]["strategy"], "truncate")

    def test_bad_lines_are_reported_in_place(self):
        path = self.write("bad.txt", b"i am so happy\nbroken \xff bytes\n\ni am so sad\n")
        proc = self.run_cli("classify", "--lines", "-f", path, "--format", "json", rc=3)
        lines = proc.stdout.decode().splitlines()
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines[2], "")  # a blank line is no text: an empty row in its place
        out = [json.loads(line) if line else None for line in lines]
        self.assertEqual(out[1], {"error": out[1]["error"], "line": 2})
        self.assertIn("UTF-8", out[1]["error"])
        self.assertIn("label", out[3])
        proc = self.run_cli("classify", "--lines", "-f", path, "--on-error", "fail", rc=2)
        self.assertEqual(len(proc.stdout.decode().splitlines()), 1)
        self.assertIn("line 2", proc.stderr.decode())

    def tokenize(self, text):
        out = self.run_cli("tokenize", "--max-length", "0", text).stdout.decode()
        return json.loads(out.splitlines()[0])["input_ids"]

    def classify_ids(self, ids):
        out = self.run_cli("classify", "--format", "json", "--input-ids", ",".join(map(str, ids))).stdout.decode()
        return json.loads(out)

    def test_long_file_is_chunked_and_scores_are_averaged(self):
        shared = self.need_shared()
        text = " ".join(t for t, _ in emotion_rows(shared)[:8])
        path = self.write("doc.txt", text.encode())
        ids = self.tokenize(text)
        self.assertGreater(len(ids), 100)

        # Windows of 32 tokens hold 30 text tokens; a stride of 8 shared tokens is a step of 22,
        # and the last window ends at the text's end.
        max_length, stride, body = 32, 8, ids[1:-1]
        starts = list(range(0, len(body) - 30, 22)) + [len(body) - 30]
        windows = [[ids[0]] + body[s:s + 30] + [ids[-1]] for s in starts]
        out = json.loads(self.run_cli("classify", "-f", path, "--format", "json", "--max-length", str(max_length),
                                      "--stride", str(stride)).stdout)
        self.assertEqual(out["long_text"], {"strategy": "chunk", "chunks": len(windows), "tokens": len(ids)})
        scores = [0.0] * len(EMOTION_LABELS)
        for window in windows:
            one = self.classify_ids(window)
            probs = {s["label"]: s["score"] for s in one["scores"]}
            for k, label in enumerate(EMOTION_LABELS):
                scores[k] += probs[label] / len(windows)
        got = {s["label"]: s["score"] for s in out["scores"]}
        for k, label in enumerate(EMOTION_LABELS):
            self.assertTrue(math.isclose(got[label], scores[k], rel_tol=1e-5, abs_tol=1e-7), (label, got, scores))
        self.assertEqual(out["label"], EMOTION_LABELS[max(range(6), key=lambda k: scores[k])])

        # The same text from stdin is chunked too; truncation keeps the first 32 tokens.
        from_stdin = json.loads(self.run_cli("classify", "--format", "json", "--max-length", str(max_length),
                                             "--stride", str(stride), stdin=text.encode()).stdout)
        self.assertEqual(from_stdin, out)
        truncated = json.loads(self.run_cli("classify", "-f", path, "--format", "json", "--max-length", "32",
                                            "--long-text", "truncate").stdout)
        self.assertEqual(truncated["long_text"], {"strategy": "truncate", "truncated": True, "tokens": len(ids)})
        first = self.classify_ids(ids[:31] + [ids[-1]])
        self.assertEqual(truncated["scores"], first["scores"])

    def test_sentence_pair_matches_transformers(self):
        shared = self.need_shared()
        model = converted_pair_model(shared, self.tmp)
        with open(os.path.join(shared, "data", "rte", "dev.tsv"), encoding="utf-8") as f:
            rows = [line.split("\t") for line in f.read().splitlines()[1:4]]
        reference = read_reference(os.path.join(shared, "models", PAIR_MODEL, "reference_rte_dev.tsv"))
        for (premise, hypothesis, *_), (pred, logits) in zip(rows, reference):
            out = json.loads(self.run_cli("classify", "-m", model, "--format", "json", premise,
                                          "--pair", hypothesis).stdout)
            self.assertEqual(out["label"], ["entailment", "not_entailment"][pred])
            self.assertLessEqual(max(abs(a - b) for a, b in zip(out["logits"], logits)), LOGIT_TOLERANCE)

    def test_exit_codes(self):
        self.assertEqual(self.run_cli("classify", "--format", "yaml", "x", rc=None).returncode, 1)
        self.assertEqual(self.run_cli("classify", "--long-text", "fold", "x", rc=None).returncode, 1)
        self.assertEqual(self.run_cli("classify", "--lines", "some text", rc=None).returncode, 1)
        self.assertEqual(self.run_cli("classify", "-m", "/nonexistent.bertcls", "x", rc=None).returncode, 2)
        self.assertEqual(self.run_cli("classify", "-f", "/nonexistent.txt", rc=None).returncode, 2)
        self.assertEqual(self.run_cli("classify", "--input-ids", "101,99999999,102", rc=None).returncode, 2)
        help_text = self.run_cli("--help").stdout.decode()
        self.assertIn("3 some records failed", help_text)


if __name__ == "__main__":
    unittest.main()
