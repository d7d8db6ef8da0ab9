"""`bertcls zero-shot` and `batch --zero-shot-labels` against transformers'
ZeroShotClassificationPipeline: every case of ../shared/zeroshot/nli-bert-random/zeroshot_expected.jsonl
(labels in the same order, scores within 1e-4), the same answers from copies of the model whose
labels are in another order, and the repository's fixture tests/data/zeroshot/nli-bert-pruned
(the same model and answers with a vocabulary cut to what the cases use:
scripts/make_zeroshot_fixture.py), which runs without ../shared. Bad input: one line, exit 1 or 2.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from tests.python.support import read_safetensors_f32, write_safetensors
from tests.python.test_batch_cli import BINARY, ENV, REPO, converted_shared_model, shared_dir

TOLERANCE = 1e-4
TIE = 1e-5  # zeroshot/README: scores closer than this have no meaningful order
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")
LOCAL_FIXTURE = os.path.join(REPO, "tests", "data", "zeroshot", "nli-bert-pruned")
MODEL_DIR = os.environ.get("BERTCLS_TEST_MODEL_DIR") or os.path.join(os.path.dirname(BINARY), "tests", "models")


def convert(src, out):
    proc = subprocess.run([sys.executable, CONVERTER, src, "-o", out], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"cannot convert {src}: {proc.stderr}")
    return out


def permuted_checkpoint(src, out_dir, order):
    """A copy of the checkpoint whose class i is the original's class order[i]: classifier rows,
    id2label and label2id moved together, so the model answers the same under other indices."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(src):
        if name not in ("config.json", "model.safetensors") and os.path.isfile(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), out_dir)
    with open(os.path.join(src, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    names = [config["id2label"][str(i)] for i in range(len(order))]
    config["id2label"] = {str(i): names[o] for i, o in enumerate(order)}
    config["label2id"] = {names[o]: i for i, o in enumerate(order)}
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f)
    tensors = dict(read_safetensors_f32(os.path.join(src, "model.safetensors")))
    for key in ("classifier.weight", "classifier.bias"):
        tensors[key] = tensors[key][list(order)]
    write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors)
    return out_dir


def read_cases(folder):
    with open(os.path.join(folder, "zeroshot_expected.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class ZeroShotTest(unittest.TestCase):
    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")
        holder = tempfile.TemporaryDirectory(prefix="bertcls-zeroshot-")
        self.addCleanup(holder.cleanup)
        self.tmp = holder.name

    def run_cli(self, *args, stdin=None, rc=0):
        proc = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=300, env=ENV)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def shared_folder(self):
        shared = shared_dir()
        folder = shared and os.path.join(shared, "zeroshot", "nli-bert-random")
        if not folder or not os.path.isdir(folder):
            self.skipTest("../shared/zeroshot/nli-bert-random not found (set BERTCLS_SHARED_DIR)")
        return folder

    def local_model(self):
        model = os.path.join(MODEL_DIR, "local", "nli-bert-pruned.bertcls")
        if not os.path.isfile(model):
            model = convert(LOCAL_FIXTURE, os.path.join(self.tmp, "nli-bert-pruned.bertcls"))
        return model

    def shared_model(self):
        folder = self.shared_folder()
        return converted_shared_model(os.path.dirname(os.path.dirname(folder)), "zeroshot", "nli-bert-random", self.tmp)

    def assert_answer(self, got, case, where):
        """labels in the pipeline's order (near-ties aside), scores within TOLERANCE."""
        self.assertEqual(sorted(got["labels"]), sorted(case["labels"]), where)
        want = dict(zip(case["labels"], case["scores"]))
        for label, score in zip(got["labels"], got["scores"]):
            self.assertLessEqual(abs(score - want[label]), TOLERANCE, f"{where}: {label}")
        for i, (g, w) in enumerate(zip(got["labels"], case["labels"])):
            if g != w:
                self.assertLess(abs(want[g] - want[w]), TIE, f"{where}: position {i}: {got['labels']} != {case['labels']}")

    def check_cases(self, model, cases, label=""):
        for i, case in enumerate(cases):
            labels = self.write(f"labels{i}.txt", "\n".join(case["candidate_labels"]) + "\n")
            args = ["zero-shot", "-m", model, "--labels-file", labels, "--template", case["hypothesis_template"],
                    "--format", "json", case["sequence"]]
            if case["multi_label"]:
                args.append("--multi-label")
            got = json.loads(self.run_cli(*args).stdout)
            self.assertEqual(got["sequence"], case["sequence"])
            self.assert_answer(got, case, f"{label} case {i}")

    def check_batch(self, model, cases):
        """The cases through `batch --zero-shot-labels`, grouped by labels, template and mode."""
        groups = {}
        for case in cases:
            key = (tuple(case["candidate_labels"]), case["hypothesis_template"], case["multi_label"])
            groups.setdefault(key, []).append(case)
        for (labels, template, multi), group in groups.items():
            records = "".join(json.dumps({"text": c["sequence"], "n": i}) + "\n" for i, c in enumerate(group))
            args = ["batch", "-m", model, "--zero-shot-labels", ",".join(labels), "--template", template, "-q"]
            if multi:
                args.append("--multi-label")
            out = self.run_cli(*args, stdin=records.encode()).stdout.decode().splitlines()
            self.assertEqual(len(out), len(group))
            for line, case in zip(out, group):
                record = json.loads(line)
                self.assertEqual(set(record["prediction"]), {"labels", "scores"})
                self.assert_answer(record["prediction"], case, f"batch {case['sequence']!r}")

    def test_shared_reference(self):
        folder = self.shared_folder()
        model = self.shared_model()
        cases = read_cases(folder)
        self.assertGreater(len(cases), 0)
        self.check_cases(model, cases)
        self.check_batch(model, cases)

    def test_other_label_orders(self):
        """The same model with its classes in another order gives the pipeline's answers: the
        entailment index comes from label2id, never from a fixed position. (Orders where the
        pipeline's contradiction rule, label 0 or the last when entailment is 0, still finds
        contradiction.)"""
        folder = self.shared_folder()
        cases = read_cases(folder)
        for order in ((2, 1, 0), (0, 2, 1)):  # entailment, neutral, contradiction / contradiction, entailment, neutral
            with self.subTest(order=order):
                ckpt = permuted_checkpoint(folder, os.path.join(self.tmp, "perm" + "".join(map(str, order))), order)
                model = convert(ckpt, ckpt + ".bertcls")
                self.check_cases(model, cases, label=str(order))

    def test_local_fixture(self):
        model = self.local_model()
        cases = read_cases(LOCAL_FIXTURE)
        self.check_cases(model, cases)
        self.check_batch(model, cases)

    def test_text_output_and_top_k(self):
        model = self.local_model()
        case = next(c for c in read_cases(LOCAL_FIXTURE) if not c["multi_label"])
        labels = ",".join(case["candidate_labels"])
        rows = self.run_cli("zero-shot", "-m", model, "--labels", labels, case["sequence"]).stdout.decode().splitlines()
        self.assertEqual(len(rows), 1)
        cells = rows[0].split("\t")
        self.assertEqual(len(cells), 2)
        self.assertEqual(cells[0], case["labels"][0])
        self.assertLessEqual(abs(float(cells[1]) - case["scores"][0]), TOLERANCE)
        cells = self.run_cli("zero-shot", "-m", model, "--labels", labels, "--all-scores",
                             case["sequence"]).stdout.decode().split("\t")
        self.assertEqual(cells[0::2], [c.strip() for c in case["labels"]])
        got = json.loads(self.run_cli("zero-shot", "-m", model, "--labels", labels, "--top-k", "2", "--format", "json",
                                      case["sequence"]).stdout)
        self.assertEqual(got["labels"], case["labels"][:2])
        # Spaces around comma-separated labels are dropped, as the pipeline does.
        spaced = " , ".join(case["candidate_labels"])
        got = json.loads(self.run_cli("zero-shot", "-m", model, "--labels", spaced, "--format", "json", case["sequence"]).stdout)
        self.assert_answer(got, case, "spaced labels")

    def test_long_text_is_chunked_with_the_whole_hypothesis(self):
        """A text over the limit: truncate cuts only the text (the hypothesis stays); chunk gives
        scores that are a probability distribution across labels in each window, so they still
        sum to 1 (single-label)."""
        model = self.local_model()
        case = read_cases(LOCAL_FIXTURE)[0]
        labels = ",".join(case["candidate_labels"])
        long_text = " ".join([case["sequence"]] * 40)
        for strategy in ("truncate", "chunk"):
            got = json.loads(self.run_cli("zero-shot", "-m", model, "--labels", labels, "--long-text", strategy,
                                          "--format", "json", long_text).stdout)
            self.assertAlmostEqual(sum(got["scores"]), 1.0, places=5)
            self.assertEqual(sorted(got["labels"]), sorted(case["candidate_labels"]))

    def test_batch_resume_checks_the_labels(self):
        """The labels, template and mode are in the run record: --resume with others is refused."""
        model = self.local_model()
        src = self.write("in.jsonl", '{"text": "The team won."}\n{"text": "Budget passed."}\n')
        out = os.path.join(self.tmp, "out.jsonl")
        self.run_cli("batch", "-m", model, "--zero-shot-labels", "sports,politics", "-i", src, "-o", out, "-q")
        proc = self.run_cli("batch", "-m", model, "--zero-shot-labels", "sports,cooking", "-i", src, "-o", out, "-q",
                            "--resume", rc=1)
        self.assertIn("--zero-shot-labels", proc.stderr.decode())
        self.run_cli("batch", "-m", model, "--zero-shot-labels", "sports,politics", "-i", src, "-o", out, "-q", "--resume")
        # Options that mean nothing with zero-shot are refused.
        for extra in (["--pair-field", "x"], ["--all-scores"], ["--threshold", "0.3"]):
            self.run_cli("batch", "-m", model, "--zero-shot-labels", "a,b", "-i", src, "-q", *extra, rc=1)
        self.run_cli("batch", "-m", model, "--multi-label", "-i", src, "-q", rc=1)

    def test_bad_input(self):
        model = self.local_model()
        text = "The team won."
        # Missing labels, a label twice, a template without {}: usage errors (exit 1).
        for args, phrase in ((["--labels", " , "], "--labels"), ([], "--labels"),
                             (["--labels", "a,b,a"], "twice"), (["--labels", "a,b", "--template", "no slot"], "--template"),
                             (["--labels", "a", "--template", "{x} {}"], "--template")):
            with self.subTest(args=args):
                proc = self.run_cli("zero-shot", "-m", model, *args, text, rc=1)
                message = proc.stderr.decode().strip()
                self.assertEqual(len(message.splitlines()), 1, message)
                self.assertIn(phrase, message)
        # A malformed labels file: exit 2, naming the file.
        for name, data in (("empty.txt", b"\n \n"), ("bad-utf8.txt", b"sports\n\xff\xfe\n")):
            with self.subTest(file=name):
                path = self.write(name, data)
                proc = self.run_cli("zero-shot", "-m", model, "--labels-file", path, text, rc=2)
                message = proc.stderr.decode().strip()
                self.assertEqual(len(message.splitlines()), 1, message)
                self.assertIn(path, message)
        proc = self.run_cli("zero-shot", "-m", model, "--labels-file", os.path.join(self.tmp, "missing.txt"), text, rc=2)
        self.assertIn("missing.txt", proc.stderr.decode())
        # A model without an entailment label: exit 2, one line naming its labels.
        emotion = os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls")
        if os.path.isfile(emotion):
            proc = self.run_cli("zero-shot", "-m", emotion, "--labels", "a,b", text, rc=2)
            message = proc.stderr.decode().strip()
            self.assertEqual(len(message.splitlines()), 1, message)
            self.assertIn("entail", message)
            self.assertIn("sadness", message)
            proc = self.run_cli("batch", "-m", emotion, "--zero-shot-labels", "a,b", "-q", stdin=b'{"text": "x"}\n', rc=2)
            self.assertIn("entail", proc.stderr.decode())
            self.assertEqual(proc.stdout, b"")
        # An empty text, as classify: exit 2.
        proc = self.run_cli("zero-shot", "-m", model, "--labels", "a,b", "  ", rc=2)
        self.assertIn("argument 1", proc.stderr.decode())
        # A hypothesis longer than the model's limit.
        proc = self.run_cli("zero-shot", "-m", model, "--labels", "a," + "word " * 200, text, rc=1)
        self.assertIn("hypothesis", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
