"""`bertcls eval` end to end: the default model's accuracy on the emotion test set against the
figure recorded with transformers in ../shared/README.md, a model against itself as --reference,
the same examples in every input format, integer and header-less labels, sentence pairs, and
one-line errors (file:line) for bad inputs.

Needs the binary (env BERTCLS_BINARY, else build/bertcls), the default model and ../shared (env
BERTCLS_SHARED_DIR); tests skip with a message when these are absent."""
import csv
import io
import json
import os
import subprocess
import unittest

from tests.python.test_batch_cli import (BINARY, DEFAULT_MODEL, EMOTION_LABELS, ENV, converted_pair_model,
                                         converted_shared_model, emotion_rows, read_reference, shared_dir)
from tests.python.support import BinaryTestCase

# Recorded in ../shared/README.md for the default model on data/emotion/test.txt (transformers, fp32).
EMOTION_ACCURACY = 0.8575


def macro_f1(gold, pred):
    """Mean F1 over the labels present in gold (what eval reports)."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, pred))
        predicted, support = sum(p == label for p in pred), sum(g == label for g in gold)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores)


class EvalCliTest(BinaryTestCase):
    tmp_prefix = "bertcls-eval-"
    binary = BINARY
    model = DEFAULT_MODEL

    def need_shared(self):
        shared = shared_dir()
        if shared is None:
            self.skipTest("../shared not found (set BERTCLS_SHARED_DIR): no labelled data to evaluate")
        return shared

    def run_cli(self, *args, stdin=None, rc=0):
        proc = subprocess.run([BINARY, "eval", *args], input=stdin, capture_output=True, timeout=300, env=ENV)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc

    def eval_json(self, *args, stdin=None):
        return json.loads(self.run_cli(*args, "--json", stdin=stdin).stdout)

    def assert_one_line_error(self, rc, phrases, *args, stdin=None):
        proc = self.run_cli(*args, stdin=stdin, rc=rc)
        message = proc.stderr.decode()
        self.assertEqual(len(message.strip().splitlines()), 1, message)
        self.assertEqual(proc.stdout, b"")
        for phrase in phrases:
            self.assertIn(phrase, message)
        return message

    def small_emotion_set(self, rows=300):
        return emotion_rows(self.need_shared())[:rows]

    def test_default_model_accuracy_matches_the_recorded_figure(self):
        shared = self.need_shared()
        path = os.path.join(shared, "data", "emotion", "test.txt")
        result = self.eval_json("-i", path)
        self.assertEqual(result["examples"], 2000)
        self.assertEqual(result["format"], "semicolon")
        self.assertAlmostEqual(result["accuracy"], EMOTION_ACCURACY, delta=0.001)
        self.assertEqual(result["correct"], round(result["accuracy"] * 2000))
        # Macro-F1 of the transformers predictions recorded beside the model, computed here independently.
        reference = read_reference(os.path.join(shared, "models", "emotion-bert-L2-H128", "reference_emotion_test.tsv"))
        gold = [EMOTION_LABELS.index(label) for _, label in emotion_rows(shared)]
        self.assertAlmostEqual(result["macro_f1"], macro_f1(gold, [pred for pred, _ in reference]), delta=0.002)
        self.assertEqual(result["macro_f1_labels"], 6)
        self.assertEqual([row["label"] for row in result["per_label"]], EMOTION_LABELS)
        self.assertEqual(sum(row["support"] for row in result["per_label"]), 2000)
        self.assertNotIn("agreement", result)

        text = self.run_cli("-i", path, "--per-label").stdout.decode()
        self.assertIn(f"accuracy           {result['accuracy']:.4f}", text)
        for label in EMOTION_LABELS:
            self.assertIn("\n" + label, text)

    def test_a_model_against_itself_agrees_exactly(self):
        rows = self.small_emotion_set()
        path = self.write("self.txt", "text;label\n" + "".join(f"{t};{l}\n" for t, l in rows))
        result = self.eval_json("-i", path, "--reference", DEFAULT_MODEL, "--per-label")
        self.assertEqual(result["agreement"], 1.0)
        self.assertEqual(result["same_predictions"], len(rows))
        self.assertEqual(result["max_abs_logit_diff"], 0.0)
        self.assertEqual(result["mean_abs_logit_diff"], 0.0)
        for key in ("accuracy", "macro_f1", "correct", "per_label"):
            self.assertEqual(result["reference"][key], result[key])
        text = self.run_cli("-i", path, "--reference", DEFAULT_MODEL).stdout.decode()
        self.assertIn("agreement          1.0000 (0 of 300 predictions differ)", text)
        self.assertIn("max |logit diff|   0\n", text)

    def test_every_format_gives_the_same_result(self):
        rows = self.small_emotion_set(200)
        semicolon = self.write("set.txt", "text;label_name\n" + "".join(f"{t};{l}\n" for t, l in rows))
        tsv = self.write("set.tsv", "sentence\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in rows))
        # CSV with quoting: a comma and quotes inside the text, CRLF line ends.
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["id", "label", "text"])
        writer.writerows([i, l, t] for i, (t, l) in enumerate(rows))
        csv_path = self.write("set.csv", buffer.getvalue())
        # Label names in any case, and class indices (with --gold-is-index).
        jsonl_lines = "".join(json.dumps({"text": t, "label": [l, EMOTION_LABELS.index(l), l.upper()][i % 3]}) + "\n"
                              for i, (t, l) in enumerate(rows))
        jsonl = self.write("set.jsonl", jsonl_lines)
        headerless = self.write("set.data", "".join(f"{l}\t{t}\n" for t, l in rows))

        expected = self.eval_json("-i", semicolon)
        strip = lambda r: {k: v for k, v in r.items() if k not in ("input", "format")}
        for args in (["-i", tsv], ["-i", csv_path], ["-i", jsonl, "--gold-is-index"],
                     ["-i", jsonl, "--gold-is-index", "--batch-size", "3", "--threads", "1"],
                     ["-i", headerless, "--no-header", "--text-field", "1", "--label-field", "0"]):
            with self.subTest(args=args):
                self.assertEqual(strip(self.eval_json(*args)), strip(expected))
        from_stdin = self.eval_json("-i", "-", "--format", "jsonl", "--gold-is-index", stdin=jsonl_lines.encode())
        self.assertEqual(from_stdin["input"], "stdin")
        self.assertEqual(strip(from_stdin), strip(expected))

    def test_integer_gold_labels_on_named_labels_need_a_meaning(self):
        rows = self.small_emotion_set(100)
        names = self.write("names.tsv", "sentence\tlabel\n" + "".join(f"{t}\t{l}\n" for t, l in rows))
        numbers = self.write("numbers.tsv", "sentence\tlabel\n" +
                             "".join(f"{t}\t{EMOTION_LABELS.index(l)}\n" for t, l in rows))
        # The emotion model's labels are names: 0/1 gold labels are refused, not silently read as indices.
        first = EMOTION_LABELS.index(rows[0][1])
        self.assert_one_line_error(2, ["numbers.tsv:2:", f"gold label '{first}'", "--label-map", "--gold-is-index"],
                                   "-i", numbers)
        expected = self.eval_json("-i", names)["accuracy"]
        self.assertEqual(self.eval_json("-i", numbers, "--gold-is-index")["accuracy"], expected)
        label_map = ",".join(f"{i}={l.upper()}" for i, l in enumerate(EMOTION_LABELS))
        self.assertEqual(self.eval_json("-i", numbers, "--label-map", label_map)["accuracy"], expected)
        self.assert_one_line_error(2, ["--label-map", "'neutral' is not one of the model's labels"],
                                   "-i", numbers, "--label-map", "0=neutral")
        self.assert_one_line_error(1, ["--label-map"], "-i", numbers, "--label-map", "0")

    def test_sst2_on_the_emotion_model_is_refused(self):
        """Issue 17: GLUE's 0/1 against emotion's names used to report an accuracy (0.4335)."""
        sst2 = os.path.join(self.need_shared(), "data", "sst2", "dev.tsv")
        with open(sst2, encoding="utf-8") as f:
            first = f.read().splitlines()[1].split("\t")[-1].strip()
        self.assert_one_line_error(2, ["dev.tsv:2:", f"gold label '{first}'", "sadness, joy"], "-i", sst2)

    def test_undefined_ratios_are_null_in_json_as_in_the_table(self):
        # Only joy in the gold data: the other labels have no recall (and no F1); labels never
        # predicted have no precision.
        rows = [(t, l) for t, l in self.small_emotion_set(300) if l == "joy"][:40]
        path = self.write("joy.txt", "text;label\n" + "".join(f"{t};{l}\n" for t, l in rows))
        result = self.eval_json("-i", path)
        table = self.run_cli("-i", path, "--per-label").stdout.decode().split("\nlabel")[1].splitlines()[1:]
        cells = {line.split()[0]: line.split()[3:6] for line in table}
        nulls = 0
        for row in result["per_label"]:
            for key, cell in zip(("precision", "recall", "f1"), cells[row["label"]]):
                with self.subTest(label=row["label"], key=key):
                    self.assertEqual(row[key] is None, cell == "-", (row, cell))
                    if row[key] is not None:
                        self.assertEqual(f"{row[key]:.4f}", cell)
                    nulls += row[key] is None
        self.assertGreater(nulls, 0)
        undefined = [row for row in result["per_label"] if row["support"] == 0]
        self.assertTrue(undefined and all(row["recall"] is None and row["f1"] is None for row in undefined))

    def test_sentence_pairs(self):
        shared = self.need_shared()
        model = converted_pair_model(shared, self.tmp)
        rte = os.path.join(shared, "data", "rte", "dev.tsv")
        # GLUE's RTE writes entailment as 0; the model's labels are names, so the map is needed.
        result = self.eval_json("-m", model, "-i", rte, "--text-field", "sentence1", "--pair-field", "sentence2",
                                "--label-map", "0=entailment,1=not_entailment")
        self.assertEqual(result["examples"], 277)
        reference = read_reference(os.path.join(shared, "models", "pair-bert-L2-H64-random", "reference_rte_dev.tsv"))
        with open(rte, encoding="utf-8") as f:
            gold = [int(line.split("\t")[2]) for line in f.read().splitlines()[1:]]
        expected = sum(pred == g for (pred, _), g in zip(reference, gold)) / len(gold)
        self.assertAlmostEqual(result["accuracy"], expected, delta=1.5 / len(gold))

    def test_bad_inputs_are_one_line_errors(self):
        good = self.write("good.txt", "text;label\ni am happy;joy\n")
        self.assert_one_line_error(2, ["unknown.txt:3:", "gold label 'neutral'", "sadness"], "-i",
                                   self.write("unknown.txt", "text;label\ni am happy;joy\ni am here;neutral\n"))
        self.assert_one_line_error(2, ["rows.txt:3:", "3 fields"], "-i",
                                   self.write("rows.txt", "text;label\ni am happy;joy\ni; am;joy\n"))
        self.assert_one_line_error(2, ["utf8.txt:2:", "UTF-8"], "-i", self.write("utf8.txt", b"text;label\nbad \xff;joy\n"))
        self.assert_one_line_error(2, ["bad.jsonl:2:", "invalid JSON"], "-i",
                                   self.write("bad.jsonl", '{"text": "a", "label": "joy"}\n{"text": \n'))
        self.assert_one_line_error(2, ["q.csv:2:", "unterminated"], "-i", self.write("q.csv", 'text,label\n"open,joy\n'))
        self.assert_one_line_error(2, ["no column 'body'"], "-i", good, "--text-field", "body")
        self.assert_one_line_error(2, ["missing.tsv", "cannot open"], "-i", os.path.join(self.tmp, "missing.tsv"))
        self.assert_one_line_error(2, ["no examples"], "-i", self.write("empty.tsv", "text\tlabel\n"))
        self.assert_one_line_error(2, ["cannot tell the format"], "-i", self.write("plain.dat", "just words\n"))
        self.assert_one_line_error(1, ["--format"], "-i", good, "--format", "xml")
        self.assert_one_line_error(1, ["column"], "-i", good, "--no-header", "--text-field", "text")
        proc = self.run_cli(rc=1)  # -i is required
        self.assertIn("--input", proc.stderr.decode())

    def test_only_single_label_models(self):
        shared = self.need_shared()
        model = converted_shared_model(shared, "reference", "bert-multilabel", self.tmp)
        good = self.write("ml.txt", "text;label\nhello;0\n")
        self.assert_one_line_error(2, ["single-label"], "-m", model, "-i", good)
        pair_model = converted_pair_model(shared, self.tmp)
        self.assert_one_line_error(2, ["labels differ"], "-i", good, "--reference", pair_model)


if __name__ == "__main__":
    unittest.main()
