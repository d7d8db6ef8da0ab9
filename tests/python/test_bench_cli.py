"""`bertcls bench` end to end on the default model: the JSON object's figures against the
workload it was given (record and token counts, throughput recomputed from the timed passes,
the model file's size read from disk), records cut to the model's limit, and one-line errors
naming file:line for bad workloads.

Needs the binary (env BERTCLS_BINARY, else build/bertcls) and the default model; tests skip with
a message when these are absent."""
import json
import os
import statistics
import subprocess
import unittest

from tests.python.support import BinaryTestCase, read_bertcls
from tests.python.test_batch_cli import BINARY, DEFAULT_MODEL, ENV


class BenchCliTest(BinaryTestCase):
    tmp_prefix = "bertcls-bench-"
    binary = BINARY
    model = DEFAULT_MODEL

    def config(self):
        return json.loads(read_bertcls(self.model).metadata["config"])

    def write_workload(self, name, lines):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:  # "\udcff" is byte 0xff
            f.write("\n".join(lines) + "\n")
        return path

    def bench(self, *args):
        return subprocess.run([self.binary, "bench", "-m", self.model, "--threads", "1", *args],
                              capture_output=True, text=True, timeout=120, env=ENV)

    def test_json_figures_match_the_workload(self):
        config = self.config()
        limit, vocab = config["max_length"], config["vocab_size"]
        lengths = [3, 17, 1, 60, limit + 40, 9]  # one record longer than the model's limit
        records = [json.dumps({"input_ids": [(7 * i + n) % vocab for i in range(n)]}) for n in lengths]
        workload = self.write_workload("workload.jsonl", records[:2] + [""] + records[2:])  # a blank line
        proc = self.bench("-i", workload, "--seq-len", "16", "--runs", "4", "--warmup", "1", "--reps", "3", "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)

        self.assertEqual(out["sequences"], len(lengths))
        self.assertEqual(out["tokens"], sum(min(n, limit) for n in lengths))
        passes = out["throughput_passes_s"]
        self.assertEqual(len(passes), 3)
        median = statistics.median(passes)
        self.assertAlmostEqual(out["throughput_seq_s"], len(lengths) / median, delta=1e-6 * out["throughput_seq_s"])
        self.assertAlmostEqual(out["tokens_s"], out["tokens"] / median, delta=1e-6 * out["tokens_s"])
        latency = out["latency_ms"]
        self.assertEqual(latency["runs"], 4)
        self.assertLessEqual(latency["min"], latency["median"])
        self.assertLessEqual(latency["median"], latency["p90"])
        file_mb = os.path.getsize(self.model) / 2**20
        self.assertAlmostEqual(out["model_file_mb"], file_mb, places=6)
        self.assertGreater(out["peak_rss_mb"], 0)
        self.assertGreaterEqual(out["load_ms"], 0)
        if "model_in_2mib_pages_mb" in out:  # where the kernel reports it
            self.assertGreaterEqual(out["model_in_2mib_pages_mb"], 0)
            self.assertLessEqual(out["model_in_2mib_pages_mb"], file_mb + 2)

    def test_bad_workloads_name_file_and_line(self):
        vocab = self.config()["vocab_size"]
        good = json.dumps({"input_ids": [1, 2, 3]})
        cases = {
            "truncated.jsonl": ('{"input_ids": [1, 2', "expected"),
            "no_ids.jsonl": ('{"text": "hello"}', "input_ids"),
            "empty_ids.jsonl": ('{"input_ids": []}', "empty"),
            # ids must be int32 integers, not silently narrowed: 2**32 + 1 would become 1
            "beyond_int32.jsonl": (json.dumps({"input_ids": [1, 2**32 + 1, 3]}), "out of range"),
            "fractional_id.jsonl": ('{"input_ids": [1, 1.5, 3]}', "not an integer"),
            "invalid_utf8.jsonl": ('{"input_ids": [1, 2], "note": "\udcff"}', "UTF-8"),
            "out_of_vocab.jsonl": (json.dumps({"input_ids": [1, vocab, 3]}), "outside the vocabulary"),
            "negative_id.jsonl": (json.dumps({"input_ids": [1, -5, 3]}), "outside the vocabulary"),
        }
        for name, (bad_line, phrase) in cases.items():
            with self.subTest(name):
                path = self.write_workload(name, [good, good, bad_line, good])
                proc = self.bench("-i", path, "--reps", "1")
                self.assertEqual(proc.returncode, 2, proc.stdout)
                lines = proc.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn(f"{path}:3:", lines[0])
                self.assertIn(phrase, lines[0])

    def test_missing_workload_and_empty_workload(self):
        missing = os.path.join(self.tmp, "no-such.jsonl")
        proc = self.bench("-i", missing)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(missing, proc.stderr)
        empty = self.write_workload("empty.jsonl", [""])
        proc = self.bench("-i", empty)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no records", proc.stderr)


if __name__ == "__main__":
    unittest.main()
