"""`bertcls batch` end to end: real data against the transformers references in ../shared,
bad lines, SIGKILL + --resume, and byte-identical output whatever the batch size or threads.

Needs the binary (env BERTCLS_BINARY, else build/bertcls) and ../shared (env BERTCLS_SHARED_DIR);
each test skips with a message when what it needs is absent."""
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
import unittest
from tests.python.support import BinaryTestCase, slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("BERTCLS_BINARY") or os.path.join(REPO, "build", "bertcls")
# What the binary uses without -m: $BERTCLS_MODEL, else the bundled model.
DEFAULT_MODEL = os.environ.get("BERTCLS_MODEL") or os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls")
EMOTION_LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
PAIR_MODEL = "pair-bert-L2-H64-random"
# Reference logits are printed with 6 decimals: allow their rounding on top of 1e-4.
LOGIT_TOLERANCE = 1e-4 + 5e-7
# OpenMP threads that spin while waiting crawl when ctest runs other tests beside these.
ENV = dict(os.environ, OMP_WAIT_POLICY="passive")


def shared_dir():
    path = os.environ.get("BERTCLS_SHARED_DIR") or os.path.join(REPO, "..", "shared")
    return path if os.path.isdir(os.path.join(path, "data")) else None


def read_reference(tsv):
    """[(pred, [logits])] from a reference_<set>.tsv (idx, label, pred, logits)."""
    rows = []
    with open(tsv, encoding="utf-8") as f:
        next(f)
        for line in f:
            fields = line.rstrip("\n").split("\t")
            rows.append((int(fields[2]), [float(x) for x in " ".join(fields[3:]).split()]))
    return rows


def emotion_rows(shared):
    """[(text, label)] of the emotion test set."""
    with open(os.path.join(shared, "data", "emotion", "test.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]
    return [tuple(line.rsplit(";", 1)) for line in lines]


def emotion_jsonl(shared, repeat=1):
    """The emotion test set as JSONL bytes, one record per line with its own "label" column,
    written with varied spacing so the test sees whether the input's bytes survive."""
    out = []
    for r in range(repeat):
        for i, (text, label) in enumerate(emotion_rows(shared)):
            record = {"id": r * 100000 + i, "text": text, "label": label, "w": 1.50 if i % 2 else 10}
            line = json.dumps(record, ensure_ascii=i % 3 == 0)
            out.append(line.replace('"w": 1.5', '"w": 1.50'))
    return ("\n".join(out) + "\n").encode()


def converted_shared_model(shared, kind, name, tmp):
    """SHARED/<kind>/<name> as a .bertcls: from the CTest fixture when it is there (see
    scripts/convert_test_models.py), else converted into tmp."""
    candidates = [os.path.join(d, "shared", name + ".bertcls") for d in
                  (os.environ.get("BERTCLS_TEST_MODEL_DIR", ""), os.path.join(os.path.dirname(BINARY), "tests", "models"))]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    out = os.path.join(tmp, name + ".bertcls")
    if not os.path.isfile(out):
        proc = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "convert_checkpoint.py"),
                               os.path.join(shared, kind, name), "-o", out],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise unittest.SkipTest(f"cannot convert {name}: {proc.stderr.strip()}")
    return out


def converted_pair_model(shared, tmp):
    return converted_shared_model(shared, "models", PAIR_MODEL, tmp)


class BatchCliTest(BinaryTestCase):
    tmp_prefix = "bertcls-batch-"
    binary = BINARY

    def need_shared(self):
        shared = shared_dir()
        if shared is None:
            self.skipTest("../shared not found (set BERTCLS_SHARED_DIR)")
        return shared

    def need_default_model(self):
        if not os.path.isfile(DEFAULT_MODEL):
            self.skipTest(f"default model {DEFAULT_MODEL} not built yet")
        return DEFAULT_MODEL

    def batch(self, *args, stdin=None, check_rc=0):
        proc = subprocess.run([BINARY, "batch", "-q", *args], input=stdin, capture_output=True, timeout=300, env=ENV)
        if check_rc is not None:
            self.assertEqual(proc.returncode, check_rc, proc.stderr.decode(errors="replace"))
        return proc

    # -- real data -------------------------------------------------------------------------

    def test_emotion_predictions_match_transformers(self):
        shared = self.need_shared()
        self.need_default_model()
        data = emotion_jsonl(shared)
        out = self.batch("-i", self.write("emotion.jsonl", data), "--logits", "--all-scores").stdout
        in_lines, out_lines = data.splitlines(), out.splitlines()
        self.assertEqual(len(out_lines), 2000)
        reference = read_reference(os.path.join(shared, "models", "emotion-bert-L2-H128", "reference_emotion_test.tsv"))
        correct, worst = 0, 0.0
        for i, (line_in, line_out, (pred, logits)) in enumerate(zip(in_lines, out_lines, reference)):
            # The input's bytes come through unchanged, the prediction is the last field.
            self.assertTrue(line_out.startswith(line_in[:-1] + b',"prediction":{'), line_out)
            record = json.loads(line_out)
            p = record["prediction"]
            self.assertEqual(p["label"], EMOTION_LABELS[pred], f"line {i + 1}")
            self.assertEqual(record["label"], json.loads(line_in)["label"])  # the dataset's own column
            self.assertEqual([s["label"] for s in p["scores"]][0], p["label"])
            self.assertAlmostEqual(sum(s["score"] for s in p["scores"]), 1.0, places=5)
            worst = max(worst, max(abs(a - b) for a, b in zip(p["logits"], logits)))
            correct += p["label"] == record["label"]
        self.assertLessEqual(worst, LOGIT_TOLERANCE)
        self.assertEqual(correct / 2000, 0.8575)

    def test_sentence_pairs_match_transformers(self):
        shared = self.need_shared()
        model = converted_pair_model(shared, self.tmp)
        model_dir = os.path.join(shared, "models", PAIR_MODEL)
        with open(os.path.join(shared, "data", "rte", "dev.tsv"), encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f.read().splitlines()[1:]]
        with open(os.path.join(model_dir, "reference_rte_dev_input_ids.txt"), encoding="utf-8") as f:
            ids = [line.split("\t") for line in f.read().splitlines()]
        texts = "".join(json.dumps({"premise": r[0], "hypothesis": r[1], "idx": int(r[3])}) + "\n" for r in rows)
        pretokenized = "".join(json.dumps({"input_ids": [int(x) for x in a.split()],
                                           "token_type_ids": [int(x) for x in t.split()]}) + "\n" for a, t in ids)
        reference = read_reference(os.path.join(model_dir, "reference_rte_dev.tsv"))
        self.assertEqual(len(reference), len(rows))
        # The reference ids were made with max_length 256.
        common = ("-m", model, "--logits", "--max-length", "256")
        from_text = self.batch(*common, "--text-field", "premise", "--pair-field", "hypothesis",
                               stdin=texts.encode()).stdout.splitlines()
        from_ids = self.batch(*common, stdin=pretokenized.encode()).stdout.splitlines()
        for name, lines in (("text", from_text), ("input_ids", from_ids)):
            self.assertEqual(len(lines), len(reference), name)
            for i, (line, (pred, logits)) in enumerate(zip(lines, reference)):
                p = json.loads(line)["prediction"]
                self.assertEqual(p["label"], ["entailment", "not_entailment"][pred], f"{name} line {i + 1}")
                self.assertLessEqual(max(abs(a - b) for a, b in zip(p["logits"], logits)), LOGIT_TOLERANCE,
                                     f"{name} line {i + 1}")

    # -- bad input -------------------------------------------------------------------------

    def test_bad_lines_become_error_records_in_place(self):
        shared = self.need_shared()
        self.need_default_model()
        good = emotion_jsonl(shared).splitlines()[:300]
        reference = read_reference(os.path.join(shared, "models", "emotion-bert-L2-H128", "reference_emotion_test.tsv"))
        bad = {
            "invalid JSON": b'{"id": "x", "text": "unterminated',
            "missing field 'text'": b'{"id": "x", "body": "no text field"}',
            "field 'text' is not a string": b'{"id": "x", "text": ["a list"]}',
            "invalid UTF-8": b'{"id": "x", "text": "bad \xff\xfe bytes"}',
            "--max-record-bytes": b'{"id": "x", "text": "' + b"long " * 4000 + b'"}',
            "not a JSON object": b"[1, 2, 3]",
            "already has field 'prediction'": b'{"id": "x", "text": "a", "prediction": "theirs"}',
        }
        lines, expected = [], []  # expected: an error phrase, or the reference row of a good line
        random.seed(7)
        positions = sorted(random.sample(range(len(good) + len(bad)), len(bad)))
        bad_items, good_iter = iter(bad.items()), iter(enumerate(good))
        for k in range(len(good) + len(bad)):
            if k in positions:
                phrase, line = next(bad_items)
                lines.append(line)
                expected.append(phrase)
            else:
                i, line = next(good_iter)
                lines.append(line)
                expected.append(reference[i])
        data = b"\n".join(lines) + b"\n"
        proc = self.batch("-i", self.write("bad.jsonl", data), "--max-record-bytes", "10000", check_rc=3)
        out = proc.stdout.splitlines()
        self.assertEqual(len(out), len(lines))
        for n, (line, want) in enumerate(zip(out, expected), start=1):
            record = json.loads(line)
            if isinstance(want, str):
                self.assertEqual(set(record), {"error", "line"}, line)
                self.assertIn(want, record["error"])
                self.assertEqual(record["line"], n)
            else:
                self.assertEqual(record["prediction"]["label"], EMOTION_LABELS[want[0]], f"line {n}")

        # Under --on-error fail: exit code 2 naming the line, and every line before it written.
        first = positions[0] + 1
        proc = self.batch("-i", self.path("bad.jsonl"), "--on-error", "fail", check_rc=2)
        self.assertIn(f"line {first}:", proc.stderr.decode())
        self.assertEqual(proc.stdout.splitlines(), out[:first - 1])

    def test_multi_label_models_list_labels_over_the_threshold(self):
        shared = self.need_shared()
        model = converted_shared_model(shared, "reference", "bert-multilabel", self.tmp)
        with open(os.path.join(shared, "reference", "bert-multilabel", "config.json"), encoding="utf-8") as f:
            id2label = json.load(f)["id2label"]
        labels = [id2label[str(k)] for k in range(len(id2label))]
        random.seed(3)
        data = "".join(json.dumps({"input_ids": [101] + [random.randrange(200, 1000) for _ in range(n)] + [102]}) + "\n"
                       for n in range(1, 60))
        seen_sizes = set()
        for threshold in ("0.5", "0.3"):
            out = self.batch("-m", model, "--logits", "--threshold", threshold, stdin=data.encode()).stdout
            for line in out.splitlines():
                p = json.loads(line)["prediction"]
                sigmoid = [1 / (1 + math.exp(-x)) for x in p["logits"]]
                # Every label scoring at least the threshold, best first; "label" and "score" are
                # the first of them, null when there is none.
                ranked = sorted(range(len(sigmoid)), key=lambda k: -sigmoid[k])
                self.assertEqual(p["labels"], [labels[k] for k in ranked if sigmoid[k] >= float(threshold)], line)
                if p["labels"]:
                    self.assertEqual(p["label"], p["labels"][0])
                    self.assertAlmostEqual(p["score"], max(sigmoid), places=6)
                else:
                    self.assertEqual((p["label"], p["score"]), (None, None))
                seen_sizes.add(len(p["labels"]))
        self.assertGreater(len(seen_sizes), 1, "the inputs should give different numbers of labels")

    def test_usage_and_model_errors_have_their_exit_codes(self):
        self.assertEqual(self.batch("--on-error", "sometimes", check_rc=None).returncode, 1)
        self.assertEqual(self.batch("--resume", check_rc=None).returncode, 1)  # needs -o FILE
        self.assertEqual(self.batch("-m", self.path("missing.bertcls"), check_rc=None).returncode, 2)
        self.need_default_model()
        self.assertEqual(self.batch("-i", self.path("missing.jsonl"), check_rc=None).returncode, 2)
        self.assertEqual(self.batch("--threshold", "0.3", stdin=b"", check_rc=None).returncode, 1)  # single-label
        self.assertEqual(self.batch(stdin=b"").stdout, b"")

    # -- determinism and streaming ---------------------------------------------------------

    def test_output_is_identical_whatever_batch_size_and_threads(self):
        shared = self.need_shared()
        self.need_default_model()
        path = self.write("det.jsonl", emotion_jsonl(shared))
        outputs = {}
        for args in (("--batch-size", "1"), ("--batch-size", "64"), ("--batch-size", "7", "--threads", "1"),
                     ("--threads", "2", "--batch-tokens", "300")):
            outputs[args] = self.batch("-i", path, "--logits", "--all-scores", *args).stdout
        first = next(iter(outputs.values()))
        self.assertEqual(len(first.splitlines()), 2000)
        for args, out in outputs.items():
            self.assertEqual(out, first, f"output differs with {args}")

    @slow
    def test_100k_records_through_a_pipe_keep_count_and_order(self):
        shared = self.need_shared()
        self.need_default_model()
        rows = emotion_rows(shared)
        # Short texts keep this quick; ids check the order.
        data = "".join(json.dumps({"id": i, "text": " ".join(rows[i % 2000][0].split()[:6])}) + "\n"
                       for i in range(100000))
        path = self.write("100k.jsonl", data.encode())
        start = time.monotonic()
        proc = subprocess.run(f"cat '{path}' | '{BINARY}' batch -q --threads 1 | cut -c1-20",
                              shell=True, capture_output=True, timeout=300, env=ENV)
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout.decode().splitlines()
        self.assertEqual(len(out), 100000)
        for i in (0, 1, 4999, 50000, 99999):
            self.assertTrue(out[i].startswith(f'{{"id": {i}, "text"'), out[i])
        ids = [int(line[7:line.index(",")]) for line in out]
        self.assertEqual(ids, list(range(100000)))
        print(f"\n100k short records through a pipe: {elapsed:.1f} s", file=sys.stderr)

    # -- resume ----------------------------------------------------------------------------

    @slow
    def test_resume_after_sigkill_equals_an_uninterrupted_run(self):
        shared = self.need_shared()
        self.need_default_model()
        data = emotion_jsonl(shared, repeat=10)  # 20000 records
        src = self.write("resume-in.jsonl", data)
        args = ("-i", src, "--logits", "--threads", "1")
        expected = self.batch(*args).stdout
        self.assertEqual(len(expected.splitlines()), 20000)

        out = self.path("resume-out.jsonl")
        killed = False
        for attempt in range(3):
            if os.path.exists(out):
                os.remove(out)
            proc = subprocess.Popen([BINARY, "batch", "-q", *args, "-o", out], env=ENV)
            # Kill at a random point once some output exists.
            threshold = random.uniform(0.05, 0.7) * len(expected)
            while proc.poll() is None and (not os.path.exists(out) or os.path.getsize(out) < threshold):
                time.sleep(0.002)
            time.sleep(random.uniform(0, 0.05))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed = True
                break
        self.assertTrue(killed, "the run always finished before it could be killed")
        with open(out, "rb") as f:
            partial = f.read()
        self.assertLess(len(partial), len(expected))
        self.assertTrue(expected.startswith(partial[:partial.rfind(b"\n") + 1]))

        self.batch(*args, "-o", out, "--resume")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), expected)

        # A partial last line (a write cut short) is dropped and redone; a finished output stays.
        cut = expected.index(b"\n", len(expected) // 3) + 1
        self.write("resume-out.jsonl", expected[:cut] + expected[cut:cut + 25])
        self.batch(*args, "-o", out, "--resume")
        self.batch(*args, "-o", out, "--resume")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), expected)

    def test_resume_counts_earlier_errors_for_the_exit_code(self):
        self.need_default_model()
        data = b'{"text": "i am happy"}\nnot json\n{"text": "i am sad"}\n'
        src = self.write("resume-errors.jsonl", data)
        out = self.path("resume-errors-out.jsonl")
        full = self.batch("-i", src, "-o", out, check_rc=3)
        with open(out, "rb") as f:
            expected = f.read()
        self.write("resume-errors-out.jsonl", expected[:expected.index(b"\n", expected.index(b"\n") + 1) + 1])
        self.batch("-i", src, "-o", out, "--resume", check_rc=3)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), expected)
        self.assertEqual(full.returncode, 3)


if __name__ == "__main__":
    unittest.main()
