"""DeBERTa-v2/v3 through the command line, on the repository's own fixtures (no ../shared):
the converted reference models give transformers' logits for the reference rows (token types
passed where the model has them); `bertcls info` shows the family settings config.json asked for;
a model without token types (v3) accepts a sentence pair and ignores the pair's type ids; the
converter embeds spm.model and the tokenizer built from it gives the ids transformers gave.
Needs the binary (env BERTCLS_BINARY, else build/bertcls)."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from tests.python.support import REPO, shared_dir

BINARY = os.environ.get("BERTCLS_BINARY") or os.path.join(REPO, "build", "bertcls")
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")
REFERENCE = os.path.join(REPO, "tests", "data", "reference")
TOKENIZERS = os.path.join(REPO, "tests", "data", "tokenizers")
ENV = dict(os.environ, OMP_WAIT_POLICY="passive")
MODELS = ("deberta-v3-long", "deberta-v2-separate", "deberta-c2p")


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": "<f4", "I64": "<i8"}
    return {name: np.frombuffer(raw[8 + n + info["data_offsets"][0]:8 + n + info["data_offsets"][1]],
                                dtypes[info["dtype"]]).reshape(info["shape"]) for name, info in header.items()}


class DebertaCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp_holder = tempfile.TemporaryDirectory(prefix="bertcls-deberta-")
        cls.tmp = cls.tmp_holder.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp_holder.cleanup()

    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")

    def convert(self, name, *extra, root=REFERENCE):
        out = os.path.join(self.tmp, name + "-".join(("",) + extra).replace("/", "_") + ".bertcls")
        if not os.path.exists(out):
            proc = subprocess.run([sys.executable, CONVERTER, os.path.join(root, name), "-o", out, *extra],
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return out

    def bertcls(self, *args):
        return subprocess.run([BINARY, *args], capture_output=True, text=True, env=ENV, timeout=120)

    def test_reference_rows_give_transformers_logits(self):
        for name in MODELS:
            ref = read_safetensors(os.path.join(REFERENCE, name, "reference.safetensors"))
            model = self.convert(name)
            for row in range(ref["input_ids"].shape[0]):
                real = ref["attention_mask"][row] == 1
                ids, types = ref["input_ids"][row][real], ref["token_type_ids"][row][real]
                args = ["classify", "-m", model, "--format", "json", "--input-ids", ",".join(map(str, ids))]
                if types.any():
                    args += ["--token-type-ids", ",".join(map(str, types))]
                with self.subTest(model=name, row=row):
                    proc = self.bertcls(*args)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    logits = np.array(json.loads(proc.stdout)["logits"])
                    self.assertLess(np.abs(logits - ref["logits"][row]).max(), 1e-4)

    def test_info_shows_the_family_settings(self):
        for name in MODELS:
            with open(os.path.join(REFERENCE, name, "config.json")) as f:
                hf = json.load(f)
            proc = self.bertcls("info", "-m", self.convert(name), "--json")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            settings = json.loads(proc.stdout)["family_settings"]
            pos_att_type = hf["pos_att_type"]
            if isinstance(pos_att_type, str):
                pos_att_type = pos_att_type.split("|")
            with self.subTest(model=name):
                self.assertEqual(sorted(settings["pos_att_type"]), sorted(pos_att_type))
                self.assertEqual(settings["share_att_key"], hf["share_att_key"])
                self.assertEqual(settings["position_buckets"], max(hf["position_buckets"], 0))
                self.assertEqual(settings["position_biased_input"], hf["position_biased_input"])
                self.assertEqual(settings["norm_rel_ebd"], hf["norm_rel_ebd"])
                self.assertEqual(settings["conv"] is not None, hf.get("conv_kernel_size", 0) > 0)

    def test_pairs_on_a_model_without_token_types(self):
        """deberta-v3-long has no token-type table: a pair's type ids (1 for the second text)
        are accepted and change nothing, as in transformers."""
        ref = read_safetensors(os.path.join(REFERENCE, "deberta-v3-long", "reference.safetensors"))
        ids = ref["input_ids"][1][ref["attention_mask"][1] == 1]
        types = [0] * (len(ids) // 2) + [1] * (len(ids) - len(ids) // 2)
        model = self.convert("deberta-v3-long")
        base = ["classify", "-m", model, "--format", "json", "--input-ids", ",".join(map(str, ids))]
        with_types = self.bertcls(*base, "--token-type-ids", ",".join(map(str, types)))
        self.assertEqual(with_types.returncode, 0, with_types.stderr)
        logits = np.array(json.loads(with_types.stdout)["logits"])
        self.assertLess(np.abs(logits - ref["logits"][1]).max(), 1e-4)

    def test_spm_model_is_embedded_and_tokenizes_as_transformers(self):
        """A checkpoint folder with spm.model and tokenizer_config.json (no tokenizer.json), as
        microsoft/deberta-v3-* ship: the ids of `bertcls tokenize` are transformers' (parity
        fixture, key deberta-spm)."""
        with open(os.path.join(TOKENIZERS, "parity", "expected.jsonl"), encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()][:12]
        shared = shared_dir()
        if shared is None:
            self.skipTest("../shared not found (its deberta-v3 has room for the 700-piece vocabulary)")
        model = self.convert("deberta-v3", "--tokenizer", os.path.join(TOKENIZERS, "deberta-spm-legacy"),
                             root=os.path.join(shared, "reference"))
        proc = self.bertcls("info", "-m", model, "--json")
        self.assertIn("spm.model", json.loads(proc.stdout)["tokenizer_files"])
        for record in records:
            with self.subTest(text=record["text"]):
                proc = self.bertcls("tokenize", "-m", model, record["text"])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(json.loads(proc.stdout)["input_ids"], record["deberta-spm"])


if __name__ == "__main__":
    unittest.main()
