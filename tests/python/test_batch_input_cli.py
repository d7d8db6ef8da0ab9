"""`bertcls batch` (and `tokenize -i`, `classify -f`, `eval`) on the input a newcomer gives it:
-o naming the input file, a UTF-8 byte order mark, blank lines, a wrong --text-field or a TSV file,
--resume with another model or other options, and Ctrl-C while the progress line shows.

Each expectation is the same command's output on the plain input (no mark, no blank lines,
an uninterrupted run), so these tests hold whatever the model predicts."""
import json
import os
import pty
import select
import signal
import subprocess
import time
import unittest

from tests.python.support import BinaryTestCase
from tests.python.test_batch_cli import BINARY, DEFAULT_MODEL, ENV, converted_pair_model, shared_dir

BOM = b"\xef\xbb\xbf"
WORDS = "i feel so happy today but tired and a little angry about the rain which scares me".split()


def records(n, field="text"):
    """n JSONL records of varied short texts, with an id and a label, as bytes."""
    lines = []
    for i in range(n):
        text = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(3 + i % 9))
        lines.append(json.dumps({"id": i, field: text, "label": "joy"}))
    return ("\n".join(lines) + "\n").encode()


class BatchInputTest(BinaryTestCase):
    tmp_prefix = "bertcls-batch-input-"
    binary = BINARY
    model = DEFAULT_MODEL

    def run_cli(self, *args, stdin=None, check_rc=0):
        proc = subprocess.run([BINARY, *args], input=stdin, capture_output=True, timeout=300, env=ENV)
        if check_rc is not None:
            self.assertEqual(proc.returncode, check_rc, proc.stderr.decode(errors="replace"))
        return proc

    def assert_one_line_error(self, proc, rc, *phrases):
        message = proc.stderr.decode(errors="replace").strip()
        self.assertEqual(proc.returncode, rc, message)
        self.assertEqual(len(message.splitlines()), 1, message)
        for phrase in phrases:
            self.assertIn(phrase, message)
        return message

    # -- item 1: -o is the input ----------------------------------------------------------

    def test_output_that_is_the_input_is_refused_before_touching_it(self):
        data = records(20)
        src = self.write("same.jsonl", data)
        os.link(src, self.path("hard-link.jsonl"))
        os.symlink(src, self.path("sym-link.jsonl"))
        for out in ("same.jsonl", "hard-link.jsonl", "sym-link.jsonl"):
            for extra in ((), ("--resume",)):
                with self.subTest(out=out, extra=extra):
                    proc = self.run_cli("batch", "-q", "-i", src, "-o", self.path(out), *extra, check_rc=None)
                    self.assert_one_line_error(proc, 1, "is the input file")
                    self.assertEqual(self.read(src), data)
            with self.subTest(command="tokenize", out=out):
                proc = self.run_cli("tokenize", "-i", src, "-o", self.path(out), check_rc=None)
                self.assert_one_line_error(proc, 1, "is the input file")
                self.assertEqual(self.read(src), data)
        # stdin redirected from the file that -o names.
        with open(src, "rb") as f:
            proc = subprocess.run([BINARY, "batch", "-q", "-o", src], stdin=f, capture_output=True, timeout=60, env=ENV)
        self.assert_one_line_error(proc, 1, "is the input file")
        self.assertEqual(self.read(src), data)
        # Another file is fine.
        self.run_cli("batch", "-q", "-i", src, "-o", self.path("other.jsonl"))
        self.assertEqual(len(self.read(self.path("other.jsonl")).splitlines()), 20)

    # -- item 5: byte order mark ----------------------------------------------------------

    def test_byte_order_mark_is_not_part_of_the_first_line(self):
        data = records(30)
        plain, marked = self.write("plain.jsonl", data), self.write("bom.jsonl", BOM + data)
        expected = self.run_cli("batch", "-q", "-i", plain).stdout
        out = self.run_cli("batch", "-q", "-i", marked).stdout
        self.assertEqual(out, expected)
        json.loads(out.splitlines()[0])
        # --resume counts lines, not bytes: the mark shifts nothing.
        resumed = self.path("bom-out.jsonl")
        self.run_cli("batch", "-q", "-i", marked, "-o", resumed)
        with open(resumed, "r+b") as f:
            f.truncate(expected.index(b"\n", len(expected) // 2) + 1)
        self.run_cli("batch", "-q", "-i", marked, "-o", resumed, "--resume")
        self.assertEqual(self.read(resumed), expected)

        self.assertEqual(self.run_cli("tokenize", "-i", marked).stdout, self.run_cli("tokenize", "-i", plain).stdout)
        text = self.write("text.txt", b"i feel so happy today\nand a little tired\n")
        marked_text = self.write("bom-text.txt", BOM + self.read(text))
        for args in (("--format", "json", "-f"), ("--lines", "--format", "json", "-f")):
            with self.subTest(classify=args):
                self.assertEqual(self.run_cli("classify", *args, marked_text).stdout,
                                 self.run_cli("classify", *args, text).stdout)
        labelled = b'{"text": "i feel so happy today", "label": "joy"}\n{"text": "this scares me", "label": "fear"}\n'
        marked_report = self.run_cli("eval", "-i", self.write("bom-eval.jsonl", BOM + labelled)).stdout
        self.assertEqual(marked_report.replace(b"bom-eval.jsonl", b"eval.jsonl"),
                         self.run_cli("eval", "-i", self.write("eval.jsonl", labelled)).stdout)

    # -- item 8: blank lines --------------------------------------------------------------

    def test_blank_lines_stay_blank_lines_and_resume_counts_them(self):
        lines = records(40).splitlines()
        expected_records = self.run_cli("batch", "-q", stdin=b"\n".join(lines) + b"\n").stdout.splitlines()
        blanks = {0: b"", 5: b"   ", 6: b"\t", 17: b"\r", 30: b""}
        with_blanks, expected = [], []
        records_iter, expected_iter = iter(lines), iter(expected_records)
        for k in range(len(lines) + len(blanks)):
            if k in blanks:
                with_blanks.append(blanks[k])
                expected.append(b"")
            else:
                with_blanks.append(next(records_iter))
                expected.append(next(expected_iter))
        # A trailing blank line too.
        data = b"\n".join(with_blanks) + b"\n\n"
        expected_bytes = b"".join(line + b"\n" for line in expected + [b""])
        src = self.write("blanks.jsonl", data)
        out = self.path("blanks-out.jsonl")
        self.run_cli("batch", "-q", "-i", src, "-o", out)  # exit 0: blank lines are no errors
        self.assertEqual(self.read(out), expected_bytes)
        # Interrupted just after a blank line and inside the run of two, then resumed.
        for kept in (6, 7, 18):
            with open(out, "r+b") as f:
                f.truncate(len(b"".join(line + b"\n" for line in expected[:kept])))
            self.run_cli("batch", "-q", "-i", src, "-o", out, "--resume")
            self.assertEqual(self.read(out), expected_bytes, f"resumed after {kept} lines")

    def test_tokenize_keeps_blank_lines_as_empty_lines(self):
        lines = records(4).splitlines()
        plain = self.run_cli("tokenize", "-i", self.write("t.jsonl", b"\n".join(lines) + b"\n")).stdout.splitlines()
        blank = self.run_cli("tokenize", "-i", self.write("t-blank.jsonl", b"\n" + lines[0] + b"\n \t\n" +
                                                           b"\n".join(lines[1:]) + b"\n\n")).stdout
        self.assertEqual(blank, b"\n" + plain[0] + b"\n\n" + b"\n".join(plain[1:]) + b"\n\n")

    def test_tokenize_reports_bad_lines_as_batch_does(self):
        """tokenize -i reads lines with batch's reader and record parser: the same error records
        (malformed JSON, invalid UTF-8, a missing or non-string field, an over-long line) at the
        same lines, exit code 3; a pair field is optional per record."""
        lines = [b'{"text": "i feel so happy today"}', b"not json", b'{"text": "bad \xff byte"}', b"",
                 b'{"body": "no text field"}', b'{"text": 5}', b'{"text": "' + b"long " * 40 + b'"}',
                 b'{"text": "is it?", "text_pair": null}']
        src = self.write("bad-lines.jsonl", b"\n".join(lines) + b"\n")
        limit = ("--max-record-bytes", "100")
        batch = self.run_cli("batch", "-q", "-i", src, *limit, check_rc=3).stdout.splitlines()
        proc = self.run_cli("tokenize", "-i", src, *limit, check_rc=None)
        message = self.assert_one_line_error(proc, 3, "5 of 7 records failed")
        out = proc.stdout.splitlines()
        self.assertEqual(len(out), len(lines), message)
        for k, (got, want) in enumerate(zip(out, batch)):
            with self.subTest(line=k + 1):
                if k in (1, 2, 4, 5, 6):
                    self.assertEqual(got, want)  # the same error record
                    self.assertEqual(json.loads(got)["line"], k + 1)
                elif k == 3:
                    self.assertEqual(got, b"")
                else:
                    self.assertIn("input_ids", json.loads(got))
        # A file that is not JSONL, or has no --text-field: one error, as batch gives it.
        tsv = self.write("data.tsv", b"sentence\tlabel\n" + b"".join(b"text %d\t1\n" % i for i in range(20)))
        out = self.path("never-written.jsonl")
        self.assert_one_line_error(self.run_cli("tokenize", "-i", tsv, "-o", out, check_rc=None), 2, "data.tsv: not JSONL")
        self.assertFalse(os.path.exists(out))
        proc = self.run_cli("tokenize", "-i", "-", "--text-field", "nope", stdin=records(3), check_rc=None)
        self.assert_one_line_error(proc, 2, "stdin: no record among its 3 non-blank lines has field 'nope'")

    def test_eval_skips_blank_lines(self):
        labelled = [b'{"text": "i feel so happy today", "label": "joy"}', b'{"text": "this scares me", "label": "fear"}']
        plain = self.run_cli("eval", "--json", "-i", self.write("e.jsonl", b"\n".join(labelled) + b"\n")).stdout
        blank = self.run_cli("eval", "--json", "-i",
                             self.write("e-blank.jsonl", b"\n" + labelled[0] + b"\n  \n" + labelled[1] + b"\n\n")).stdout
        reports = [json.loads(report) for report in (blank, plain)]
        for report in reports:
            del report["input"]  # the file's name
        self.assertEqual(reports[0], reports[1])

    # -- item 9: wrong field, not JSONL ---------------------------------------------------

    def test_missing_text_field_everywhere_is_one_error_before_writing(self):
        src = self.write("fields.jsonl", records(150))
        out = self.write("fields-out.jsonl", b"an earlier output\n")
        proc = self.run_cli("batch", "-q", "-i", src, "-o", out, "--text-field", "nope", check_rc=None)
        self.assert_one_line_error(proc, 2, src, "no record among the first 100 non-blank lines has field 'nope'",
                                   "fields seen: id, text, label")
        self.assertEqual(self.read(out), b"an earlier output\n")
        self.assertFalse(os.path.exists(out + ".bertcls-run"))
        # A short file: all its records are looked at.
        proc = self.run_cli("batch", "-q", "--text-field", "nope", stdin=records(3), check_rc=None)
        self.assert_one_line_error(proc, 2, "stdin: no record among its 3 non-blank lines has field 'nope'")
        self.assertEqual(proc.stdout, b"")

    def test_tsv_input_is_one_error_pointing_at_eval(self):
        tsv = b"sentence\tlabel\n" + b"".join(b"text %d\t1\n" % i for i in range(200))
        proc = self.run_cli("batch", "-q", "-i", self.write("data.tsv", tsv), check_rc=None)
        self.assert_one_line_error(proc, 2, "data.tsv: not JSONL", "bertcls eval")
        self.assertEqual(proc.stdout, b"")

    def test_mixed_files_keep_per_record_errors(self):
        # The first five records lack the field, the sixth has it: per-record errors as before.
        lines = records(5, field="body").splitlines() + records(3).splitlines() + [b"not json"]
        proc = self.run_cli("batch", "-q", stdin=b"\n".join(lines) + b"\n", check_rc=3)
        out = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual(len(out), 9)
        self.assertTrue(all("missing field 'text'" in r["error"] for r in out[:5]))
        self.assertTrue(all("prediction" in r for r in out[5:8]))
        self.assertIn("error", out[8])

    # -- item 2: --resume checks the run ---------------------------------------------------

    def test_resume_refuses_another_model_or_other_output_options(self):
        src = self.write("run.jsonl", records(60))
        out = self.path("run-out.jsonl")
        common = ("-i", src, "-o", out, "--logits")
        self.run_cli("batch", "-q", *common)
        expected = self.read(out)
        self.assertTrue(os.path.isfile(out + ".bertcls-run"))
        half = expected[:expected.index(b"\n", len(expected) // 2) + 1]
        differing = [(("--all-scores",), "--all-scores"), (("--text-field", "label"), "--text-field"),
                     (("--output-field", "p"), "--output-field"), (("--max-length", "8"), "--max-length")]
        shared = shared_dir()
        if shared is not None:
            differing.append((("-m", converted_pair_model(shared, self.tmp)), "the model"))
        for extra, named in differing:
            with self.subTest(extra=extra):
                self.write("run-out.jsonl", half)
                proc = self.run_cli("batch", "-q", *common, *extra, "--resume", check_rc=None)
                self.assert_one_line_error(proc, 1, named, "--resume")
                self.assertEqual(self.read(out), half)
        # What does not change the output may differ; a copied model is the same model.
        copy = self.write("copy.bertcls", self.read(DEFAULT_MODEL))
        self.write("run-out.jsonl", half)
        self.run_cli("batch", "-q", *common, "-m", copy, "--threads", "1", "--on-error", "fail", "--resume")
        self.assertEqual(self.read(out), expected)
        self.write("run-out.jsonl", half)
        self.run_cli("batch", "-q", *common, "--batch-size", "3", "--batch-tokens", "50", "--resume")
        self.assertEqual(len(self.read(out).splitlines()), 60)

    def test_resume_without_a_run_record_goes_on_with_a_note(self):
        src = self.write("old.jsonl", records(30))
        out = self.path("old-out.jsonl")
        self.run_cli("batch", "-q", "-i", src, "-o", out)
        expected = self.read(out)
        os.remove(out + ".bertcls-run")  # as an older bertcls left it
        self.write("old-out.jsonl", expected[:expected.index(b"\n", len(expected) // 2) + 1])
        proc = self.run_cli("batch", "-q", "-i", src, "-o", out, "--resume")
        self.assertIn("note:", proc.stderr.decode())
        self.assertEqual(self.read(out), expected)
        self.assertTrue(os.path.isfile(out + ".bertcls-run"))

    # -- item 23: interrupted with the progress line showing -------------------------------

    def interrupt_with_progress(self, sig, *args):
        """Runs batch with stderr on a terminal, sends sig once the progress line shows;
        returns (exit status, what the terminal showed)."""
        src = self.path("big.jsonl")
        if not os.path.exists(src):
            self.write("big.jsonl", records(300000))
        master, slave = pty.openpty()
        proc = subprocess.Popen([BINARY, "batch", "-i", src, "--threads", "1", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave, env=ENV)
        os.close(slave)
        shown, sent = b"", False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the process is gone
                    break
                if not chunk:
                    break
                shown += chunk
            if not sent and b"records (" in shown:
                proc.send_signal(sig)
                sent = True
            if proc.poll() is not None and not ready:
                break
        os.close(master)
        rc = proc.wait(timeout=60)
        self.assertTrue(sent, "no progress line showed: " + shown.decode(errors="replace"))
        return rc, shown.decode(errors="replace")

    def test_interrupt_finishes_the_progress_line_and_says_how_to_resume(self):
        rc, shown = self.interrupt_with_progress(signal.SIGINT, "-o", self.path("big-out.jsonl"))
        self.assertEqual(rc, -signal.SIGINT, shown)
        self.assertIn("\ninterrupted: rerun the same command with --resume to continue", shown.replace("\r\n", "\n"))
        rc, shown = self.interrupt_with_progress(signal.SIGTERM)
        self.assertEqual(rc, -signal.SIGTERM, shown)
        self.assertIn("interrupted: output to stdout cannot be resumed", shown)


if __name__ == "__main__":
    unittest.main()
