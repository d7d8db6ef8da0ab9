"""Scale-out of `bertcls batch` (README "Scale out"): `--shard K/N` (alone and under GNU parallel)
and scripts/bertcls-dask on a real Dask cluster on 127.0.0.1 (a dask-scheduler and two
dask-worker processes started and stopped here), with a worker SIGKILLed mid-run, the driver
killed and resumed, and workers that cannot find the model or the binary. Every output is
compared byte for byte with one plain `bertcls batch` run of the same input and options.

Needs the binary (env BERTCLS_BINARY, else build/bertcls), the bundled model, python3-distributed
and GNU parallel (scripts/install-deps.sh installs both); each test skips with a message when what
it needs is absent. The Dask tests are timing- and volume-heavy: the sanitizer pass of CI
(BERTCLS_SKIP_SLOW_TESTS=1) skips them; they run unsanitized in every CI run."""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest

from tests.python.support import BinaryTestCase, slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("BERTCLS_BINARY") or os.path.join(REPO, "build", "bertcls")
MODEL = os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls")
DRIVER = os.path.join(REPO, "scripts", "bertcls-dask")
PYTHON = "/usr/bin/python3"
ENV = dict(os.environ, OMP_WAIT_POLICY="passive")
# Every process started here ends within this (seconds), whatever happens.
TIMEOUT = 300

try:
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False

WORDS = "i feel so happy today sad angry love scared surprised the a not very really tired of this wonderful".split()


def make_input(records, seed):
    """Short JSONL records with a byte order mark, bad lines (bad JSON, a missing or non-string
    text, an existing prediction field), blank lines and ids, so that error records, blank lines
    and line numbers all have to come out in place."""
    rng = random.Random(seed)
    out = []
    for i in range(records):
        r = rng.random()
        if r < 0.002:
            out.append('{"text": "broken')
        elif r < 0.004:
            out.append(json.dumps({"id": i, "body": "no text field"}))
        elif r < 0.006:
            out.append(json.dumps({"id": i, "text": 7}))
        elif r < 0.008:
            out.append("")
        elif r < 0.009:
            out.append(json.dumps({"id": i, "text": "x", "prediction": 1}))
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
            out.append(json.dumps({"id": i, "text": text}, ensure_ascii=False))
    return ("\ufeff" + "\n".join(out) + "\n").encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_count(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


class ScaleOutTest(BinaryTestCase):
    tmp_prefix = "bertcls-scale-out-"
    binary = BINARY
    model = MODEL

    def batch(self, *args, check_rc=None):
        proc = subprocess.run([BINARY, "batch", "-q", "-m", MODEL, *args], capture_output=True, timeout=TIMEOUT, env=ENV)
        if check_rc is not None:
            self.assertEqual(proc.returncode, check_rc, proc.stderr.decode(errors="replace"))
        return proc

    def reference(self, name, data, *options, id_field=True):
        """(input path, output bytes, exit code, stderr) of one plain bertcls batch run."""
        path = self.write(name, data)
        out = self.path(name + ".reference" + "".join(options).replace("-", "_"))
        proc = self.batch("-i", path, "-o", out, *(("--id-field", "id") if id_field else ()), *options)
        self.assertIn(proc.returncode, (0, 2, 3), proc.stderr)
        return path, self.read(out), proc.returncode, proc.stderr.decode()


class ShardTest(ScaleOutTest):
    def test_the_shards_put_together_are_the_single_run(self):
        data = make_input(3000, seed=1)
        source, expected, rc, _ = self.reference("shards.jsonl", data)
        self.assertEqual(rc, 3)  # the bad lines are error records
        for n in (1, 3, 7):
            joined, codes = b"", set()
            for k in range(n):
                out = self.path(f"shard.{n}.{k}")
                proc = self.batch("-i", source, "-o", out, "--id-field", "id", "--shard", f"{k}/{n}")
                joined += self.read(out)
                codes.add(proc.returncode)
            self.assertEqual(joined, expected, f"{n} shards")
            self.assertLessEqual(codes, {0, 3})
        # Error records carry the file's line numbers.
        errors = [json.loads(line) for line in expected.splitlines() if line.startswith(b'{"error"')]
        self.assertTrue(errors and errors[-1]["line"] > 1500, errors[-1:])

    def test_more_shards_than_lines_and_odd_line_ends(self):
        # Lines longer than a shard's bytes, a last line without '\n', blank lines, an over-long line.
        data = ('{"text":"first"}\n\n' + '{"text":"' + "long " * 400 + '"}\n{"text":"a"}\n' +
                "x" * 3000 + '\n{"text":"last"}').encode()
        source, expected, rc, _ = self.reference("odd.jsonl", data, "--max-record-bytes", "2500")
        self.assertEqual(rc, 3)
        joined = b""
        for k in range(16):
            out = self.path(f"odd.{k}")
            self.batch("-i", source, "-o", out, "--id-field", "id", "--max-record-bytes", "2500", "--shard", f"{k}/16")
            joined += self.read(out)
        self.assertEqual(joined, expected)

    def test_every_shard_checks_the_first_records_of_the_file(self):
        source = self.write("tsv.jsonl", "text\tlabel\n" + "".join(f"row {i}\t1\n" for i in range(300)))
        for k in range(3):
            proc = self.batch("-i", source, "-o", self.path(f"tsv.{k}"), "--shard", f"{k}/3", check_rc=2)
            self.assertIn("not JSONL", proc.stderr.decode())
            self.assertFalse(os.path.exists(self.path(f"tsv.{k}")))

    def test_a_shard_resumes_as_itself_only(self):
        data = make_input(2000, seed=2)
        source, expected, _, _ = self.reference("resume.jsonl", data)
        out = self.path("resume.1")
        self.batch("-i", source, "-o", out, "--id-field", "id", "--shard", "1/2")
        whole = self.read(out)
        with open(out, "wb") as f:
            f.write(whole[: len(whole) // 3])  # a run that was killed, mid-line
        self.batch("-i", source, "-o", out, "--id-field", "id", "--shard", "1/2", "--resume")
        self.assertEqual(self.read(out), whole)
        proc = self.batch("-i", source, "-o", out, "--id-field", "id", "--shard", "0/2", "--resume", check_rc=1)
        self.assertIn('--shard (was "1/2", now "0/2")', proc.stderr.decode())
        proc = self.batch("-i", source, "-o", out, "--id-field", "id", "--resume", check_rc=1)
        self.assertIn('--shard (was "1/2", now not given)', proc.stderr.decode())

    def test_bad_shards_are_usage_errors(self):
        source = self.write("usage.jsonl", '{"text":"a"}\n')
        for bad in ("2/2", "1", "a/b", "0/0", "-1/2", "1/2/3", "/2"):
            proc = self.batch("-i", source, "--shard", bad, check_rc=1)
            message = proc.stderr.decode().strip()
            self.assertEqual(len(message.splitlines()), 1, message)
            self.assertIn("--shard must be K/N", message)
        proc = subprocess.run([BINARY, "batch", "-q", "-m", MODEL, "--shard", "0/2"], input=b'{"text":"a"}\n',
                              capture_output=True, timeout=TIMEOUT, env=ENV)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("--shard needs an input file", proc.stderr.decode())
        proc = self.batch("-i", source, "--shard", "0/2", "--first-line", "3", check_rc=1)
        self.assertIn("exclude each other", proc.stderr.decode())

    def readme_example(self, first_line, source, out_prefix):
        """The README's ```bash block that starts with `first_line`, on this machine's files."""
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
            blocks = re.findall(r"```bash\n(.*?)```", f.read(), re.S)
        block = next((b for b in blocks if b.startswith(first_line)), None)
        self.assertIsNotNone(block, f"README.md has no example that starts with {first_line!r}")
        return (block.replace("/shared/model.bertcls", MODEL).replace("/shared/big.jsonl", source)
                .replace("/shared/out.", out_prefix + ".").replace("bertcls batch", BINARY + " batch"))

    def test_gnu_parallel_example(self):
        """The README's GNU parallel example, on this machine only (-S :, no ssh)."""
        if shutil.which("parallel") is None:
            self.skipTest("GNU parallel not installed (apt-get install parallel; scripts/install-deps.sh installs it)")
        source, expected, _, _ = self.reference("parallel.jsonl", make_input(4000, seed=3), id_field=False)
        folder = self.path("parallel")
        os.makedirs(folder)
        script = self.readme_example("parallel --will-cite", source, os.path.join(folder, "out"))
        self.assertIn("--sshlogin host1,host2,:", script)
        script = script.replace("--sshlogin host1,host2,:", "--sshlogin :")
        proc = subprocess.run(["bash", "-c", script], capture_output=True, timeout=TIMEOUT, env=ENV, cwd=folder)
        self.assertEqual(self.read(os.path.join(folder, "out.jsonl")), expected, proc.stderr.decode())

    def test_slurm_job_array_example(self):
        """The README's Slurm job array, each array task run here with its SLURM_ARRAY_TASK_ID."""
        source, expected, _, _ = self.reference("slurm.jsonl", make_input(3000, seed=10), id_field=False)
        prefix = self.path("slurm-out")
        script = self.readme_example("#!/bin/bash\n#SBATCH", source, prefix)
        tasks = int(re.search(r"--array=0-(\d+)", script).group(1)) + 1
        for task in range(tasks):
            proc = subprocess.run(["bash", "-c", script], capture_output=True, timeout=TIMEOUT,
                                  env=dict(ENV, SLURM_ARRAY_TASK_ID=str(task)))
            self.assertIn(proc.returncode, (0, 3), proc.stderr.decode())
        self.assertEqual(b"".join(self.read(f"{prefix}.{task}") for task in range(tasks)), expected)


def load_driver():
    """scripts/bertcls-dask as a module (it imports distributed only when it runs)."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("bertcls_dask", DRIVER)
    spec = importlib.util.spec_from_loader("bertcls_dask", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class DriverPiecesTest(unittest.TestCase):
    """How the driver cuts the input: whole lines, each once, in order, with its line number; an
    over-long line travels as its length; the piece with line 1 holds bertcls's first window."""

    def test_pieces_cover_the_input_once(self):
        import io
        driver = load_driver()
        driver.CHUNK = 7  # lines across reads
        driver.FIRST_WINDOW_LINES, driver.FIRST_WINDOW_BYTES = 5, 40
        rng = random.Random(9)
        for _ in range(2000):
            lines = [b"x" * rng.choice([0, 1, 3, 10, 25, 60]) for _ in range(rng.randint(0, 30))]
            data = (driver.BOM if rng.random() < 0.2 else b"") + b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
            total = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            skip = rng.randint(0, total)
            max_bytes = rng.choice([5, 20, 100])
            f = io.BytesIO(data)
            driver.skip_lines(f, skip, "out", "in")
            pieces = driver.Pieces(f, skip + 1, rng.randint(1, 6), rng.randint(1, 50), max_bytes)
            rebuilt, line = b"", skip + 1
            while (piece := pieces.next()) is not None:
                first, n, segments, size = piece
                self.assertEqual(first, line)
                body = b"".join(s if isinstance(s, bytes) else b"\0" * s for s in segments)
                self.assertEqual(len(body), size)
                self.assertEqual(body.count(b"\n") + (0 if body.endswith(b"\n") else 1), n)
                self.assertTrue(all(s > max_bytes for s in segments if isinstance(s, int)))
                if first == 1 and (n < 5 and pieces.next_line - 1 < total):
                    text = sum(len(x) for x in body.split(b"\n")[:n] if len(x) <= max_bytes)
                    self.assertGreaterEqual(text - (3 if data.startswith(driver.BOM) else 0), 40)
                rebuilt += body
                line += n
            self.assertEqual(line - 1, total)
            rest = b"\n".join(data.split(b"\n")[skip:]) if skip else data
            expected = b"\n".join(x if len(x) <= max_bytes else b"\0" * len(x) for x in rest.split(b"\n"))
            self.assertEqual(rebuilt, expected)
        with self.assertRaises(driver.Fatal):
            driver.skip_lines(io.BytesIO(b"a\nb\n"), 3, "out", "in")


@unittest.skipUnless(HAVE_DASK, "python3-distributed not installed (apt-get install python3-distributed; "
                                "scripts/install-deps.sh installs it)")
@slow
class DaskTest(ScaleOutTest):
    """A dask-scheduler and two single-threaded dask-worker processes on 127.0.0.1."""
    processes = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.address = f"tcp://127.0.0.1:{free_port()}"
        cls.workers = {}
        cls.scheduler = cls.spawn(["dask-scheduler", "--host", "127.0.0.1", "--port", cls.address.rsplit(":", 1)[1],
                                   "--no-dashboard"], "scheduler")
        for name in ("worker-a", "worker-b"):
            cls.start_worker(name)

    @classmethod
    def tearDownClass(cls):
        for proc in cls.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        super().tearDownClass()

    @classmethod
    def spawn(cls, command, log):
        # Its own session, so that a kill reaches the bertcls it runs as well; `timeout` bounds it.
        with open(os.path.join(cls.tmp, log + ".log"), "ab") as log_file:
            proc = subprocess.Popen(["timeout", "-s", "KILL", str(TIMEOUT * 4), *command], stdout=log_file,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                    env=dict(ENV, PATH=os.path.dirname(BINARY) + os.pathsep + ENV.get("PATH", "")))
        cls.processes.append(proc)
        return proc

    @classmethod
    def start_worker(cls, name):
        folder = os.path.join(cls.tmp, name)
        os.makedirs(folder, exist_ok=True)
        cls.workers[name] = cls.spawn(["dask-worker", cls.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                       "--host", "127.0.0.1", "--local-directory", folder, "--death-timeout", "60",
                                       "--name", name], name)

    def setUp(self):
        super().setUp()
        for name, proc in self.workers.items():
            if proc.poll() is not None:
                self.start_worker(name)
        self.wait_for_workers(2)

    def wait_for_workers(self, count):
        import warnings
        from distributed import Client
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # tornado's, inside distributed
        deadline = time.monotonic() + 60
        with Client(self.address, timeout=60, set_as_default=False) as client:
            while len(client.scheduler_info()["workers"]) < count:
                self.assertLess(time.monotonic(), deadline, f"{count} Dask workers did not start")
                time.sleep(0.2)

    def driver_command(self, source, out, *options, batch=("--id-field", "id"), where=None):
        return [PYTHON, DRIVER, *(where or ["--scheduler", self.address]), "-i", source, "-o", out,
                "--bertcls", BINARY, *options, "--", "-m", MODEL, *batch]

    def drive(self, source, out, *options, **kwargs):
        proc = subprocess.run(self.driver_command(source, out, *options, **kwargs), capture_output=True,
                              timeout=TIMEOUT, env=ENV)
        return proc.returncode, proc.stderr.decode()

    def run_until(self, command, out, lines):
        """Starts the driver and returns it once the output has `lines` lines."""
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV,
                                start_new_session=True)
        deadline = time.monotonic() + TIMEOUT
        while line_count(out) < lines:
            if proc.poll() is not None:
                self.fail("the run ended before it could be interrupted: " + proc.stderr.read().decode())
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        return proc

    def test_a_worker_killed_mid_run_loses_nothing(self):
        data = make_input(30000, seed=4)
        source, expected, rc, reference_stderr = self.reference("kill.jsonl", data)
        out = self.path("kill.out")
        proc = self.run_until(self.driver_command(source, out, "--shard-lines", "500"), out, 2000)
        victim = self.workers["worker-b"]
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and the bertcls it runs
        victim.wait(timeout=30)
        _, stderr = proc.communicate(timeout=TIMEOUT)
        self.assertEqual(proc.returncode, rc, stderr.decode())
        self.assertEqual(self.read(out), expected)
        # The same one-line summary of failed records as bertcls batch.
        self.assertEqual(stderr.decode().strip().splitlines()[-1].replace("bertcls-dask: ", "bertcls: "),
                         reference_stderr.strip().splitlines()[-1], stderr.decode())

    def test_the_driver_killed_then_resumed(self):
        data = make_input(20000, seed=5)
        source, expected, rc, _ = self.reference("resume.jsonl", data)
        out = self.path("resume.out")
        proc = self.run_until(self.driver_command(source, out, "--shard-lines", "700"), out, 3000)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
        written = self.read(out)
        self.assertTrue(expected.startswith(written))  # always a prefix of the final output
        with open(out, "ab") as f:
            f.write(b'{"id": 1, "text": "half a li')  # as if killed in the middle of a write
        code, stderr = self.drive(source, out, "--resume", "--shard-lines", "1500")
        self.assertEqual(code, rc, stderr)
        self.assertEqual(self.read(out), expected)
        self.assertIn("resumed after", stderr)
        # Resuming with options that change the output is refused, as bertcls batch refuses it.
        code, stderr = self.drive(source, out, "--resume", batch=("--id-field", "id", "--all-scores"))
        self.assertEqual(code, 1, stderr)
        self.assertIn("--all-scores (was false, now true)", stderr)
        self.assertEqual(self.read(out), expected)

    def test_same_output_for_every_shard_size_and_on_error_fail(self):
        data = make_input(6000, seed=6)
        source, expected, _, _ = self.reference("sizes.jsonl", data)
        # The shard with line 1 holds at least 4096 lines; after it, shards of 97 lines, of
        # about 60 lines (3000 bytes), and one shard.
        for options in (["--shard-lines", "97"], ["--shard-bytes", "3000"], []):
            out = self.path("sizes.out")
            code, stderr = self.drive(source, out, *options)
            self.assertEqual(code, 3, stderr)
            self.assertEqual(self.read(out), expected, options)
        # --on-error fail: the lines before the first bad one, and bertcls's message.
        _, expected_fail, rc, reference_stderr = self.reference("sizes.jsonl", data, "--on-error", "fail")
        out = self.path("fail.out")
        code, stderr = self.drive(source, out, "--shard-lines", "200", batch=("--id-field", "id", "--on-error", "fail"))
        self.assertEqual((code, rc), (2, 2), stderr)
        self.assertEqual(self.read(out), expected_fail)
        self.assertEqual(stderr.strip().replace("bertcls-dask: ", "bertcls: "), reference_stderr.strip())

    def test_a_worker_without_the_model_or_the_binary(self):
        source = self.write("missing.jsonl", make_input(100, seed=7))
        out = self.path("missing.out")
        started = time.monotonic()
        proc = subprocess.run([PYTHON, DRIVER, "--scheduler", self.address, "-i", source, "-o", out, "--bertcls",
                               BINARY, "--", "-m", "/nowhere/model.bertcls"], capture_output=True, timeout=TIMEOUT)
        message = proc.stderr.decode().strip()
        self.assertEqual(proc.returncode, 2, message)
        self.assertEqual(len(message.splitlines()), 1, message)
        self.assertIn("/nowhere/model.bertcls", message)
        self.assertIn("on worker tcp://127.0.0.1:", message)
        proc = subprocess.run([PYTHON, DRIVER, "--scheduler", self.address, "-i", source, "-o", out, "--bertcls",
                               "/nowhere/bertcls"], capture_output=True, timeout=TIMEOUT)
        message = proc.stderr.decode().strip()
        self.assertEqual(proc.returncode, 2, message)
        self.assertEqual(len(message.splitlines()), 1, message)
        self.assertIn("cannot run /nowhere/bertcls", message)
        self.assertFalse(os.path.exists(out))
        self.assertLess(time.monotonic() - started, 60)

    def test_local_cluster_with_the_model_shipped(self):
        data = make_input(3000, seed=8)
        source, expected, _, _ = self.reference("local.jsonl", data, "--all-scores")
        out = self.path("local.out")
        code, stderr = self.drive(source, out, "--ship-model", "--shard-lines", "400",
                                  batch=("--id-field", "id", "--all-scores"), where=["--local", "2"])
        self.assertEqual(code, 3, stderr)
        self.assertEqual(self.read(out), expected)

    def test_usage_errors(self):
        source = self.write("usage.jsonl", '{"text":"a"}\n')
        for options, phrase in ((["-i", source, "--local", "2", "--scheduler", self.address], "not allowed with"),
                                (["-i", source, "--local", "1", "--", "-o", "x"], "-o after -- belongs to bertcls-dask"),
                                (["-i", source, "--local", "1", "--", "--shard", "0/2"], "--shard after --"),
                                (["-i", source], "give --scheduler"),
                                (["--local", "1"], "-i INPUT must be a file")):
            proc = subprocess.run([PYTHON, DRIVER, "-o", self.path("u.out"), *options], capture_output=True,
                                  timeout=TIMEOUT)
            message = proc.stderr.decode().strip()
            self.assertEqual(proc.returncode, 1, message)
            self.assertIn(phrase, message)


if __name__ == "__main__":
    unittest.main()
