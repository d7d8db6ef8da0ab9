"""What `bertcls classify` prints beyond a plain label: empty texts (an error) and blank --lines
lines (an empty row), error rows that keep the TSV's columns, multi-label answers (every label at
or above --threshold) and label names with tabs or newlines (escaped). Checked against the
transformers references in ../shared.

Needs the binary (env BERTCLS_BINARY, else build/bertcls), the default model and ../shared (env
BERTCLS_SHARED_DIR); tests skip with a message when these are absent."""
import json
import math
import os
import shutil
import subprocess
import sys
import unittest

from tests.python.test_attention_cli import read_safetensors
from tests.python.test_classify_cli import ClassifyScaffold
from tests.python.test_batch_cli import (DEFAULT_MODEL, EMOTION_LABELS, REPO, converted_shared_model,
                                         emotion_rows, read_reference)

# Label names a config may hold that would break a tab-separated row, and how they are written.
ODD_LABELS = {"sad\tness": "sad\\tness", "jo\ny": "jo\\ny", "lo\\ve": "lo\\\\ve", "an\r\nger": "an\\r\\nger",
              "fear": "fear", "sur,prise": "sur,prise"}


class ClassifyOutputTest(ClassifyScaffold, unittest.TestCase):
    tmp_prefix = "bertcls-classify-output-"

    def assert_one_line_error(self, proc, rc, *phrases):
        self.assertEqual(proc.returncode, rc, proc.stderr)
        message = proc.stderr.decode().strip()
        self.assertEqual(len(message.splitlines()), 1, message)
        for phrase in phrases:
            self.assertIn(phrase, message)
        self.assertEqual(proc.stdout, b"")

    def reference_lines(self, count):
        """(texts, transformers' labels) of the first emotion test rows."""
        shared = self.need_shared()
        rows = emotion_rows(shared)[:count]
        reference = read_reference(os.path.join(shared, "models", "emotion-bert-L2-H128", "reference_emotion_test.tsv"))
        return [text for text, _ in rows], [EMOTION_LABELS[pred] for pred, _ in reference[:count]]

    # -- item 3: empty texts ------------------------------------------------------------------

    def test_an_empty_text_is_an_error_naming_its_source(self):
        empty = self.write("empty.txt", b"")
        blank = self.write("blank.txt", b" \n\t \r\n")
        cases = [((("",), None), "argument 1"), ((("i am happy", "   "), None), "argument 2"),
                 ((("-f", empty), None), empty), ((("-f", blank), None), blank),
                 (((), b""), "stdin"), (((), b"\n  \n"), "stdin"), ((("-f", "-"), b""), "stdin")]
        for (args, stdin), where in cases:
            with self.subTest(args=args, stdin=stdin):
                for fmt in ("text", "json"):
                    proc = self.run_cli("classify", "--format", fmt, *args, stdin=stdin, rc=None)
                    self.assert_one_line_error(proc, 2, where + ":", "empty")

    # -- items 3 and 18: --lines rows stay aligned with the input lines -------------------------

    def test_blank_lines_get_empty_rows_and_later_rows_stay_aligned(self):
        texts, labels = self.reference_lines(6)
        lines = [texts[0], "", texts[1], "   ", "\t", texts[2], texts[3], "", texts[4], texts[5]]
        expected = iter(labels)
        want = [None if not line.strip() else next(expected) for line in lines]
        path = self.write("blank.txt", "".join(line + "\n" for line in lines).encode())

        text = self.run_cli("classify", "--lines", "-f", path).stdout.decode().split("\n")
        self.assertEqual(text[-1], "")
        self.assertEqual([row.split("\t")[0] if row else None for row in text[:-1]], want)

        tsv = [row.split("\t") for row in self.run_cli("classify", "--lines", "-f", path, "--format", "tsv")
               .stdout.decode().splitlines()]
        self.assertEqual(tsv[0], ["label", "score"] + EMOTION_LABELS + ["error"])
        self.assertEqual(len(tsv), len(lines) + 1)
        for row, label in zip(tsv[1:], want):
            self.assertEqual(len(row), len(tsv[0]), row)
            self.assertEqual(row[0] or None, label, row)
            self.assertEqual(row[-1], "")
            self.assertEqual(all(cell == "" for cell in row), label is None, row)

        out = self.run_cli("classify", "--lines", "-f", path, "--format", "json").stdout.decode().split("\n")[:-1]
        self.assertEqual([json.loads(row)["label"] if row else None for row in out], want)

    def test_error_rows_keep_the_columns_and_text_errors_go_to_stderr(self):
        texts, labels = self.reference_lines(3)
        long_line = "word " * (max(map(len, texts)) // 5 + 2)
        lines = [texts[0].encode(), b"broken \xff bytes", texts[1].encode(), long_line.encode(), texts[2].encode()]
        want = [labels[0], None, labels[1], None, labels[2]]
        path = self.write("bad.txt", b"".join(line + b"\n" for line in lines))
        limit = ("--max-text-bytes", str(len(long_line) - 1))

        proc = self.run_cli("classify", "--lines", "-f", path, "--format", "tsv", *limit, rc=3)
        tsv = [row.split("\t") for row in proc.stdout.decode().splitlines()]
        self.assertEqual(tsv[0][-1], "error")
        self.assertEqual(len(tsv), len(lines) + 1)
        for n, (row, label) in enumerate(zip(tsv[1:], want), start=1):
            self.assertEqual(len(row), len(tsv[0]), row)
            if label is None:
                self.assertEqual(row[:-1], [""] * (len(row) - 1), row)
                self.assertIn("UTF-8" if n == 2 else "--max-text-bytes", row[-1])
            else:
                self.assertEqual((row[0], row[-1]), (label, ""), row)

        proc = self.run_cli("classify", "--lines", "-f", path, *limit, rc=3)
        rows = proc.stdout.decode().split("\n")[:-1]
        self.assertEqual([row.split("\t")[0] if row else None for row in rows], want)
        stderr = proc.stderr.decode().splitlines()
        self.assertEqual(len(stderr), 3, stderr)  # one line per bad line, then the summary
        self.assertTrue(stderr[0].startswith(f"{path}: line 2: ") and "UTF-8" in stderr[0], stderr)
        self.assertTrue(stderr[1].startswith(f"{path}: line 4: ") and "--max-text-bytes" in stderr[1], stderr)
        self.assertIn("2 lines failed", stderr[2])

        with open(path, "rb") as f:
            proc = self.run_cli("classify", "--lines", *limit, stdin=f.read(), rc=3)
        self.assertTrue(proc.stderr.decode().startswith("stdin: line 2: "), proc.stderr)

    # -- item 13: multi-label models ------------------------------------------------------------

    def test_multi_label_output_lists_every_label_at_or_above_the_threshold(self):
        shared = self.need_shared()
        checkpoint = os.path.join(shared, "reference", "bert-multilabel")
        model = converted_shared_model(shared, "reference", "bert-multilabel", self.tmp)
        with open(os.path.join(checkpoint, "config.json"), encoding="utf-8") as f:
            id2label = json.load(f)["id2label"]
        labels = [id2label[str(k)] for k in range(len(id2label))]
        ref = read_safetensors(os.path.join(checkpoint, "reference.safetensors"))
        sizes = set()
        for ids, types, mask, logits in zip(ref["input_ids"], ref["token_type_ids"], ref["attention_mask"], ref["logits"]):
            ids_arg = ",".join(str(int(i)) for i, m in zip(ids, mask) if m)
            types_arg = ",".join(str(int(t)) for t, m in zip(types, mask) if m)
            sigmoid = [1 / (1 + math.exp(-float(x))) for x in logits]
            ranked = sorted(range(len(labels)), key=lambda k: -sigmoid[k])
            # Thresholds between the sorted scores: every number of labels from all to none.
            cuts = sorted(sigmoid, reverse=True)
            thresholds = [0.0] + [(a + b) / 2 for a, b in zip(cuts, cuts[1:])] + [(cuts[0] + 1) / 2]
            for threshold in thresholds:
                want = [k for k in ranked if sigmoid[k] >= threshold]
                sizes.add(len(want))
                args = ("classify", "-m", model, "--input-ids", ids_arg, "--token-type-ids", types_arg,
                        "--threshold", repr(threshold))
                with self.subTest(ids=ids_arg, threshold=threshold):
                    row = self.run_cli(*args).stdout.decode()
                    self.assertTrue(row.endswith("\n") and row.count("\n") == 1, row)
                    cells = row[:-1].split("\t") if want else []
                    self.assertEqual(cells[0::2], [labels[k] for k in want])
                    for got, k in zip(cells[1::2], want):
                        self.assertAlmostEqual(float(got), sigmoid[k], places=4)

                    header, line = self.run_cli(*args, "--format", "tsv").stdout.decode().splitlines()
                    self.assertEqual(header.split("\t"), ["labels"] + labels + ["error"])
                    cells = line.split("\t")
                    self.assertEqual(cells[0], ",".join(labels[k] for k in want))
                    for got, k in zip(cells[1:-1], range(len(labels))):
                        self.assertAlmostEqual(float(got), sigmoid[k], places=4)

                    out = json.loads(self.run_cli(*args, "--format", "json").stdout)
                    self.assertEqual(out["labels"], [labels[k] for k in want])
                    if want:
                        self.assertEqual(out["label"], labels[want[0]])
                        self.assertAlmostEqual(out["score"], sigmoid[want[0]], places=4)
                    else:
                        self.assertEqual((out["label"], out["score"]), (None, None))
        self.assertEqual(sizes, set(range(len(labels) + 1)))

    def test_threshold_outside_0_1_or_on_a_single_label_model_is_a_usage_error(self):
        shared = self.need_shared()
        model = converted_shared_model(shared, "reference", "bert-multilabel", self.tmp)
        for command, extra, stdin in (("classify", ("--input-ids", "101,102"), None), ("batch", (), b"")):
            for value in ("1.5", "-1", "nan", "1.0000001"):
                with self.subTest(command=command, threshold=value):
                    proc = self.run_cli(command, "-m", model, "--threshold", value, *extra, stdin=stdin, rc=None)
                    self.assert_one_line_error(proc, 1, "--threshold", "between 0 and 1")
            for value in ("0", "1"):
                self.run_cli(command, "-m", model, "--threshold", value, *extra, stdin=stdin)
            # The default model is single-label: --threshold means nothing there.
            proc = self.run_cli(command, "--threshold", "0.5", *extra, stdin=stdin, rc=None)
            self.assert_one_line_error(proc, 1, "--threshold", "multi-label", "single_label")

    # -- item 16: an empty --input-ids --------------------------------------------------------

    def test_empty_input_ids_say_so_whatever_the_model(self):
        shared = self.need_shared()
        no_tokenizer = converted_shared_model(shared, "reference", "bert-multilabel", self.tmp)
        for model in (no_tokenizer, DEFAULT_MODEL):
            for ids in ("", " , "):
                with self.subTest(model=model, ids=ids):
                    proc = self.run_cli("classify", "-m", model, "--input-ids", ids, rc=None)
                    self.assert_one_line_error(proc, 1, "--input-ids: no ids given")
        proc = self.run_cli("classify", "--input-ids", "101,102", "--token-type-ids", "", rc=None)
        self.assert_one_line_error(proc, 1, "--token-type-ids: no ids given")

    # -- item 17: label names that would break a row -------------------------------------------

    def relabelled_model(self, source, names):
        """The checkpoint `source` with `names` as its label names, converted."""
        checkpoint = os.path.join(self.tmp, "relabelled")
        shutil.rmtree(checkpoint, ignore_errors=True)
        shutil.copytree(source, checkpoint)
        config_path = os.path.join(checkpoint, "config.json")
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
        config["id2label"] = {str(k): name for k, name in enumerate(names)}
        config["label2id"] = {name: k for k, name in enumerate(names)}
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        out = os.path.join(self.tmp, "relabelled.bertcls")
        proc = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "convert_checkpoint.py"), checkpoint,
                               "-o", out], capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return out

    def test_tabs_and_newlines_in_label_names_are_escaped(self):
        model = self.relabelled_model(os.path.join(self.need_shared(), "models", "emotion-bert-L2-H128"), ODD_LABELS)
        texts, labels = self.reference_lines(40)
        escaped = list(ODD_LABELS.values())
        want = [escaped[EMOTION_LABELS.index(label)] for label in labels]
        self.assertGreater(len(set(want)), 2, "the texts should get several labels")
        path = self.write("texts.txt", "".join(text + "\n" for text in texts).encode())

        rows = self.run_cli("classify", "-m", model, *texts).stdout.decode().split("\n")[:-1]
        self.assertEqual([row.split("\t") for row in rows], [[label, row.split("\t")[1]] for row, label in zip(rows, want)])
        rows = self.run_cli("classify", "-m", model, "--lines", "-f", path).stdout.decode().split("\n")[:-1]
        self.assertEqual([row.split("\t")[0] for row in rows], want)
        self.assertTrue(all(len(row.split("\t")) == 2 for row in rows), rows)

        tsv = self.run_cli("classify", "-m", model, "--lines", "-f", path, "--format", "tsv").stdout.decode()
        tsv = [row.split("\t") for row in tsv.split("\n")[:-1]]
        self.assertEqual(tsv[0], ["label", "score"] + escaped + ["error"])
        self.assertEqual([row[0] for row in tsv[1:]], want)
        self.assertTrue(all(len(row) == len(tsv[0]) for row in tsv), tsv)

        # eval's per-label table: one row per label, the name escaped.
        gold = self.write("gold.tsv", ("text\tlabel\n" + "".join(
            f"{text}\t{EMOTION_LABELS.index(label)}\n" for text, label in zip(texts, labels))).encode())
        report = self.run_cli("eval", "-m", model, "-i", gold, "--per-label", "--gold-is-index").stdout.decode().splitlines()
        start = next(n for n, row in enumerate(report) if row.split()[:2] == ["label", "support"])
        table = report[start + 1:start + 1 + len(escaped)]
        self.assertEqual([row.split(" ")[0] for row in table], escaped)
        self.assertEqual(report[start + 1 + len(escaped):], [])

    def test_multi_label_lists_escape_commas_tabs_and_newlines(self):
        checkpoint = os.path.join(self.need_shared(), "reference", "bert-multilabel")
        names = ["neg,ative", "neu\ttral", "posi\ntive"]
        model = self.relabelled_model(checkpoint, names)
        ref = read_safetensors(os.path.join(checkpoint, "reference.safetensors"))
        ids, logits = ref["input_ids"][3][:3], ref["logits"][3]  # row 3: three tokens, no pair
        ranked = sorted(range(3), key=lambda k: -logits[k])
        args = ("classify", "-m", model, "--input-ids", ",".join(map(str, ids)), "--threshold", "0")
        header, row = self.run_cli(*args, "--format", "tsv").stdout.decode().splitlines()
        self.assertEqual(header.split("\t"), ["labels", "neg,ative", "neu\\ttral", "posi\\ntive", "error"])
        written = {"neg,ative": "neg\\,ative", "neu\ttral": "neu\\ttral", "posi\ntive": "posi\\ntive"}
        self.assertEqual(row.split("\t")[0], ",".join(written[names[k]] for k in ranked))
        text = self.run_cli(*args).stdout.decode()
        self.assertEqual(text.split("\t")[0::2], [names[k].replace("\t", "\\t").replace("\n", "\\n") for k in ranked])


if __name__ == "__main__":
    unittest.main()
