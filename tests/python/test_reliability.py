"""Reliability of the bertcls CLI: limits with clear errors, hostile inputs end to end, output that
does not depend on --threads/--batch-size (and survives a slow pipe), and nothing lost or doubled
when a batch run is interrupted (--on-error fail, SIGINT, SIGTERM, SIGKILL, a full disk, a file
size limit) and then completed with --resume.

Uses only the repository: the bundled model (models/) and texts from tests/data, so it runs
without ../shared. Needs the binary (env BERTCLS_BINARY, else build/bertcls).
RELIABILITY_TRIALS=N runs N interruptions per signal instead of 2 (for docs/RELIABILITY.md).
BERTCLS_SKIP_SLOW_TESTS=1 (set by the sanitizer pass of CI, scripts/check-sanitizers.sh --ci)
skips the timing- and volume-heavy tests, marked @slow; the normal suite always runs them."""
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from tests.python.support import BinaryTestCase, slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("BERTCLS_BINARY") or os.path.join(REPO, "build", "bertcls")
MODEL = os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls")
DATA = os.path.join(REPO, "tests", "data")
REGRESSIONS = os.path.join(REPO, "tests", "fuzz", "regressions")
ENV = dict(os.environ, OMP_WAIT_POLICY="passive")
ENV.pop("BERTCLS_MODEL", None)
TRIALS = int(os.environ.get("RELIABILITY_TRIALS", "2"))
# What a sanitizer build exits with on a report (scripts/check-sanitizers.sh): never acceptable.
SANITIZER_EXIT = 86


def texts():
    """Real texts from tests/data: the tokenizer parity set (many scripts, emoji, control
    characters) and the reference model's texts."""
    out = []
    for path in (os.path.join(DATA, "tokenizers", "parity", "expected.jsonl"),
                 os.path.join(DATA, "reference", "bert-with-tokenizer", "texts.jsonl")):
        with open(path, encoding="utf-8") as f:
            out += [json.loads(line)["text"] for line in f if line.strip()]
    return out


def records(n, bad_every=0):
    """n JSONL lines with ids 0..n-1: texts, pre-tokenized records and pairs; every
    bad_every-th line is invalid JSON (an error record)."""
    pool, lines = texts(), []
    for i in range(n):
        if bad_every and i % bad_every == bad_every - 1:
            lines.append(b'{"id": %d, "text": "broken' % i)
        elif i % 11 == 5:
            lines.append(json.dumps({"id": i, "input_ids": [101] + [1000 + (i * 7 + k) % 20000 for k in range(i % 9)] + [102]}).encode())
        elif i % 7 == 3:
            lines.append(json.dumps({"id": i, "text": pool[i % len(pool)], "pair": pool[(i * 3) % len(pool)]}).encode())
        else:
            lines.append(json.dumps({"id": i, "text": pool[i % len(pool)]}, ensure_ascii=i % 2 == 0).encode())
    return b"\n".join(lines) + b"\n"


def ids_of(output):
    """The "id" of every output line (error records without one: their line number - 1)."""
    ids = []
    for line in output.splitlines():
        record = json.loads(line)
        ids.append(record["id"] if "id" in record else record["line"] - 1)
    return ids


class ReliabilityTest(BinaryTestCase):
    tmp_prefix = "bertcls-reliability-"
    binary = BINARY
    model = MODEL

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expected = {}

    def run_cli(self, *args, stdin=None, stdout=subprocess.PIPE, check_rc=0, **kwargs):
        proc = subprocess.run([BINARY, *args], input=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=300,
                              env=ENV, **kwargs)
        if check_rc is not None:
            self.assertEqual(proc.returncode, check_rc, proc.stderr.decode(errors="replace"))
        self.assertNotEqual(proc.returncode, SANITIZER_EXIT, proc.stderr.decode(errors="replace"))
        return proc

    def assert_one_line_error(self, proc, rc, *phrases):
        message = proc.stderr.decode(errors="replace").strip()
        self.assertEqual(proc.returncode, rc, message)
        self.assertEqual(len(message.splitlines()), 1, message)
        self.assertTrue(message.startswith("bertcls: "), message)
        for phrase in phrases:
            self.assertIn(phrase, message)
        return message

    def batch_input(self, n=20000, bad_every=997):
        """The shared interruption input and its uninterrupted output (computed once)."""
        key = (n, bad_every)
        if key not in self.expected:
            src = self.write(f"in-{n}-{bad_every}.jsonl", records(n, bad_every))
            out = self.run_cli("batch", "-q", "-i", src, "--threads", "1", "--logits", check_rc=3 if bad_every else 0).stdout
            self.assertEqual(len(out.splitlines()), n)
            self.expected[key] = (src, out)
        return self.expected[key]

    # -- limits --------------------------------------------------------------------------

    def test_classify_refuses_texts_over_max_text_bytes(self):
        big = b"so happy today " * 100  # 1500 bytes
        proc = self.run_cli("classify", "--max-text-bytes", "1000", stdin=big, check_rc=None)
        self.assert_one_line_error(proc, 2, "stdin", "--max-text-bytes 1000")
        self.run_cli("classify", "--max-text-bytes", "1500", stdin=big)  # exactly at the limit
        proc = self.run_cli("classify", "--max-text-bytes", "1000", "short", big.decode(), check_rc=None)
        self.assert_one_line_error(proc, 2, "argument 2", "1500 bytes")
        path = self.write("big.txt", big)
        proc = self.run_cli("classify", "--max-text-bytes", "1000", "-f", path, check_rc=None)
        self.assert_one_line_error(proc, 2, path, "--max-text-bytes")
        # --lines: a long line is an error line in place; the others are classified.
        lines = b"i am glad\n" + big + b"\nso angry\n"
        proc = self.run_cli("classify", "--lines", "--format", "json", "--max-text-bytes", "1000", stdin=lines, check_rc=3)
        out = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual(len(out), 3)
        self.assertIn("label", out[0])
        self.assertEqual(out[1]["line"], 2)
        self.assertIn("--max-text-bytes 1000", out[1]["error"])
        self.assertIn("label", out[2])
        self.assertEqual(self.run_cli("classify", "--max-text-bytes", "0", "x", check_rc=None).returncode, 1)

    def test_default_text_limit_stops_an_endless_stdin(self):
        # /dev/zero never ends: the default 64 MiB limit must stop it with a clear error, quickly
        # and without reading (or holding) more than the limit.
        with open("/dev/zero", "rb") as zero:
            start = time.monotonic()
            proc = subprocess.run([BINARY, "classify"], stdin=zero, capture_output=True, timeout=120, env=ENV)
        self.assert_one_line_error(proc, 2, "stdin", "--max-text-bytes 67108864")
        self.assertLess(time.monotonic() - start, 60)

    def test_model_header_limit_and_record_limit(self):
        with open(MODEL, "rb") as f:
            head = f.read(1 << 16)
        bad = self.write("huge-header.bertcls", (65 << 20).to_bytes(8, "little") + head[8:])
        for command in (("info",), ("classify", "x"), ("batch",)):
            proc = self.run_cli(*command, "-m", bad, stdin=b"", check_rc=None)
            self.assert_one_line_error(proc, 2, bad, "64 MiB")
        proc = self.run_cli("batch", "-q", "--max-record-bytes", "40",
                            stdin=b'{"text": "short"}\n{"text": "' + b"x" * 100 + b'"}\n', check_rc=3)
        out = proc.stdout.splitlines()
        self.assertEqual(len(out), 2)
        self.assertIn("--max-record-bytes 40", json.loads(out[1])["error"])

    # -- hostile inputs end to end ---------------------------------------------------------

    def test_hostile_model_files_give_one_line_errors(self):
        folder = os.path.join(REGRESSIONS, "model_file")
        names = sorted(os.listdir(folder))
        self.assertGreater(len(names), 20)
        handled = 0
        for name in names:
            path = os.path.join(folder, name)
            for command in (("info",), ("classify", "hello world"), ("batch", "-q")):
                proc = self.run_cli(*command, "-m", path, stdin=b'{"input_ids": [2, 5, 3]}\n', check_rc=None)
                with self.subTest(model=name, command=command[0]):
                    # Loads and runs (exit 0; batch: 3 when the model refuses the record) or a
                    # one-line error naming the file (exit 2).
                    self.assertIn(proc.returncode, (0, 2, 3) if command[0] == "batch" else (0, 2), proc.stderr)
                    if proc.returncode == 2:
                        self.assert_one_line_error(proc, 2)
                    handled += 1
        print(f"\nhostile model files: {len(names)} files x 3 commands, {handled} handled", file=sys.stderr)

    def test_absurd_layer_count_is_refused_at_load(self):
        # 2^31 layers sharing one weight set: before the architecture caps this loaded and the
        # forward pass never ended.
        path = os.path.join(REGRESSIONS, "model_file", "hostile-config-num-layers-2p31")
        for command in (("info",), ("classify", "hello world"), ("batch", "-q")):
            with self.subTest(command=command[0]):
                proc = subprocess.run([BINARY, *command, "-m", path], input=b'{"input_ids": [2, 5, 3]}\n',
                                      capture_output=True, timeout=60, env=ENV)
                self.assert_one_line_error(proc, 2, path, "'num_layers' is out of range: 2147483648")

    def test_hostile_jsonl_inputs_keep_one_output_line_per_input_line(self):
        folder = os.path.join(REGRESSIONS, "jsonl")
        names = sorted(os.listdir(folder))
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()[1:]  # the first byte is the fuzz target's flags
            proc = self.run_cli("batch", "-q", "--max-record-bytes", "100000", stdin=data, check_rc=None)
            with self.subTest(input=name):
                if proc.returncode == 2:
                    # No record among the first is usable (none is an object, or none has the
                    # text field): one error, before anything is written.
                    self.assert_one_line_error(proc, 2, "stdin: ")
                    self.assertEqual(proc.stdout, b"")
                    continue
                self.assertIn(proc.returncode, (0, 3), proc.stderr)
                n_in = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
                self.assertEqual(len(proc.stdout.splitlines()), n_in)
                for line in proc.stdout.splitlines():
                    if not line:
                        continue  # a blank input line stays blank
                    try:
                        json.loads(line)
                    except RecursionError:
                        pass  # deeper than Python's own parser goes (hostile-nested-arrays)

    # -- determinism and streaming ---------------------------------------------------------

    @slow
    def test_output_is_identical_whatever_threads_batch_size_and_input_kind(self):
        data = records(5000, bad_every=613)  # more than one 4096-record window
        src = self.write("det.jsonl", data)
        common = ("batch", "-q", "--logits", "--all-scores", "--pair-field", "pair", "--id-field", "id")
        runs = {}
        for args in (("--threads", "1", "--batch-size", "1"), ("--threads", "2", "--batch-size", "64"),
                     ("--threads", "3", "--batch-size", "7", "--batch-tokens", "300"),
                     ("--threads", "2", "--batch-size", "1000", "--batch-tokens", "100000")):
            runs[args] = self.run_cli(*common, "-i", src, *args, check_rc=3).stdout
        runs["stdin"] = self.run_cli(*common, stdin=data, check_rc=3).stdout
        first = runs[("--threads", "1", "--batch-size", "1")]
        self.assertEqual(len(first.splitlines()), 5000)
        self.assertEqual(ids_of(first), list(range(5000)))
        for args, out in runs.items():
            self.assertEqual(out, first, f"output differs with {args}")

    @slow
    def test_100k_records_through_slow_pipes(self):
        """100k records written into stdin in random pieces with pauses (reads end mid-line) and
        read from a stdout pipe: count, order and every prediction as in a file run."""
        pool = [" ".join(t.split()[:6]) or "empty" for t in texts()]
        n, m = 100000, len(pool)
        lines = [json.dumps({"id": i, "text": pool[i % m]}).encode() for i in range(n)]
        reference = self.run_cli("batch", "-q", "--threads", "1",
                                 stdin=b"\n".join(lines[:m]) + b"\n").stdout.splitlines()
        suffix = [line[line.rindex(b',"prediction":'):] for line in reference]
        data = b"\n".join(lines) + b"\n"
        proc = subprocess.Popen([BINARY, "batch", "-q", "--threads", "2", "--batch-size", "13"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        rng = random.Random(11)

        def feed():
            pos = 0
            while pos < len(data):
                step = rng.choice((1, 7, 100, 4096, 65536, 300000))
                proc.stdin.write(data[pos:pos + step])
                proc.stdin.flush()
                pos += step
                if rng.random() < 0.01:
                    time.sleep(0.005)
            proc.stdin.close()

        writer = threading.Thread(target=feed)
        start = time.monotonic()
        writer.start()
        out = proc.stdout.read()
        writer.join()
        err = proc.stderr.read()
        self.assertEqual(proc.wait(timeout=300), 0, err)
        out = out.splitlines()
        self.assertEqual(len(out), n)
        for i, line in enumerate(out):
            if not (line.startswith(lines[i][:-1]) and line.endswith(suffix[i % m])):
                self.fail(f"line {i + 1}: {line[:200]!r}")
        print(f"\n100k records through slow pipes: {time.monotonic() - start:.1f} s", file=sys.stderr)

    # -- nothing lost -------------------------------------------------------------------

    def interrupt(self, sig, out, args, fraction, expected_size):
        """Starts batch -o out (appending with --resume when out exists), sends sig once the
        output holds `fraction` of the expected bytes; returns the exit status, or None when the
        run finished first."""
        resume = ("--resume",) if os.path.exists(out) else ()
        proc = subprocess.Popen([BINARY, "batch", "-q", *args, "-o", out, *resume], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threshold = fraction * expected_size
        while proc.poll() is None and (not os.path.exists(out) or os.path.getsize(out) < threshold):
            time.sleep(0.001)
        time.sleep(random.uniform(0, 0.03))
        if proc.poll() is not None:
            proc.stderr.read()
            return None
        proc.send_signal(sig)
        err = proc.stderr.read()
        rc = proc.wait(timeout=60)
        self.assertNotEqual(rc, SANITIZER_EXIT, err)
        return rc

    def check_complete(self, out, expected):
        with open(out, "rb") as f:
            got = f.read()
        ids, want = ids_of(got), ids_of(expected)
        lost = len(set(want) - set(ids))
        doubled = len(ids) - len(set(ids))
        self.assertEqual((lost, doubled), (0, 0), f"{lost} records lost, {doubled} doubled")
        self.assertEqual(got, expected)
        return lost, doubled

    @slow
    def test_signals_then_resume_lose_and_double_nothing(self):
        src, expected = self.batch_input()
        rng = random.Random(int(os.environ.get("RELIABILITY_SEED", "5")))
        random.seed(rng.random())
        settings = [("--threads", "1"), ("--threads", "2", "--batch-size", "5"), ("--batch-tokens", "500")]
        stats = {"trials": 0, "interrupted": 0, "lines_at_kill": [], "lost": 0, "doubled": 0}
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            for trial in range(TRIALS):
                out = self.path(f"sig-{int(sig)}-{trial}.jsonl")
                if os.path.exists(out):
                    os.remove(out)
                rc = self.interrupt(sig, out, ("-i", src, "--logits", *rng.choice(settings)), rng.uniform(0.02, 0.9),
                                    len(expected))
                stats["trials"] += 1
                if rc is not None:
                    self.assertEqual(rc, -sig, f"exit status after {sig.name}")
                    stats["interrupted"] += 1
                    with open(out, "rb") as f:
                        partial = f.read()
                    stats["lines_at_kill"].append(partial.count(b"\n"))
                    # What is there is a prefix of the full output, cut at most inside one line.
                    self.assertTrue(expected.startswith(partial[:partial.rfind(b"\n") + 1]))
                self.run_cli("batch", "-q", "-i", src, "--logits", *rng.choice(settings), "-o", out, "--resume", check_rc=3)
                lost, doubled = self.check_complete(out, expected)
                stats["lost"] += lost
                stats["doubled"] += doubled
        self.assertGreater(stats["interrupted"], 0, "every run finished before it could be interrupted")
        # A chain: interrupted, resumed and interrupted again, several times, then completed.
        out = self.path("chain.jsonl")
        for k, sig in enumerate((signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGKILL)):
            rc = self.interrupt(sig, out, ("-i", src, "--logits", *settings[k % 3]), 0.15 * (k + 1), len(expected))
            stats["trials"] += 1
            stats["interrupted"] += rc is not None
        self.run_cli("batch", "-q", "-i", src, "--logits", "-o", out, "--resume", check_rc=3)
        self.check_complete(out, expected)
        print(f"\ninterruptions: {stats['trials']} runs, {stats['interrupted']} interrupted (lines at the kill: "
              f"{sorted(stats['lines_at_kill'])}), lost {stats['lost']}, doubled {stats['doubled']}", file=sys.stderr)

    @slow
    def test_on_error_fail_then_fixed_input_resumes(self):
        n = 6000
        data = records(n)
        bad_line = 4500
        lines = data.splitlines()
        broken = lines[:bad_line - 1] + [b'{"id": %d, "text": "oops' % (bad_line - 1)] + lines[bad_line:]
        src = self.write("fail-in.jsonl", b"\n".join(broken) + b"\n")
        out = self.path("fail-out.jsonl")
        proc = self.run_cli("batch", "-q", "-i", src, "-o", out, "--on-error", "fail", check_rc=None)
        self.assert_one_line_error(proc, 2, f"line {bad_line}:")
        full = self.run_cli("batch", "-q", stdin=data).stdout
        with open(out, "rb") as f:
            partial = f.read()
        self.assertEqual(partial, b"".join(line + b"\n" for line in full.splitlines()[:bad_line - 1]))
        # Resuming the same input stops at the same line again, writing nothing twice.
        self.run_cli("batch", "-q", "-i", src, "-o", out, "--on-error", "fail", "--resume", check_rc=2)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), partial)
        # With the line fixed, --resume completes it.
        self.write("fail-in.jsonl", data)
        self.run_cli("batch", "-q", "-i", src, "-o", out, "--on-error", "fail", "--resume")
        self.check_complete(out, full)

    @slow
    def test_file_size_limit_is_a_clear_error_and_resume_completes(self):
        src, expected = self.batch_input()
        out = self.path("fsize.jsonl")
        limit = 300001  # inside a line of the first window's write

        def limit_file_size():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        proc = self.run_cli("batch", "-q", "-i", src, "--logits", "-o", out, preexec_fn=limit_file_size, check_rc=None)
        self.assert_one_line_error(proc, 2, out, "write error", "File too large")
        self.assertEqual(os.path.getsize(out), limit)
        self.run_cli("batch", "-q", "-i", src, "--logits", "-o", out, "--resume", check_rc=3)
        self.check_complete(out, expected)
        # Through stdout, as `bertcls batch > file` under `ulimit -f`.
        with open(self.path("fsize-stdout.jsonl"), "wb") as f:
            proc = self.run_cli("batch", "-q", "-i", src, stdout=f, preexec_fn=limit_file_size, check_rc=None)
        self.assert_one_line_error(proc, 2, "stdout: write error", "File too large")

    def test_full_device_is_a_clear_error_for_every_command(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        src = self.write("small.jsonl", records(50))
        cases = [("batch", "-q", "-i", src), ("classify", "i feel great"), ("classify", "--format", "json", "a", "b"),
                 ("classify", "--lines", "-f", src), ("tokenize", "hello world"), ("info",)]
        for args in cases:
            with open("/dev/full", "wb") as full:
                proc = self.run_cli(*args, stdout=full, check_rc=None)
            with self.subTest(command=args):
                self.assert_one_line_error(proc, 2, "stdout", "No space left on device")

    @slow
    def test_full_disk_then_resume_completes(self):
        if os.geteuid() != 0 or not shutil.which("mount"):
            self.skipTest("needs root to mount a small tmpfs")
        src, expected = self.batch_input()
        mnt = tempfile.mkdtemp(prefix="bertcls-tmpfs-", dir=self.tmp)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], capture_output=True).returncode != 0:
            self.skipTest("cannot mount tmpfs here")
        self.addCleanup(subprocess.run, ["umount", mnt], capture_output=True)
        out = os.path.join(mnt, "out.jsonl")
        proc = self.run_cli("batch", "-q", "-i", src, "--logits", "-o", out, check_rc=None)
        self.assert_one_line_error(proc, 2, out, "No space left on device")
        self.assertGreater(os.path.getsize(out), 0)
        # Space is freed (the tmpfs grows), and --resume completes the same file.
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
        self.run_cli("batch", "-q", "-i", src, "--logits", "-o", out, "--resume", check_rc=3)
        self.check_complete(out, expected)


if __name__ == "__main__":
    unittest.main()
