"""`bertcls attention` through the CLI: its attention maps and prediction against the
transformers references (tests/data/reference and ../shared/reference) at 1e-4, for every
family; the .json, .npy, .html, .svg and .png outputs agree with each other; usage errors.

Environment: BERTCLS_BINARY (the bertcls binary, required), BERTCLS_SHARED_DIR (../shared,
optional: its models are skipped with a message when absent), BERTCLS_TEST_MODEL_DIR (the
convert_test_models fixture output: <dir>/{local,shared}/<name>.bertcls). Without
BERTCLS_TEST_MODEL_DIR the models are converted into a temporary folder with
scripts/convert_checkpoint.py.
"""
import atexit
import base64
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib

import numpy as np

from tests.python.support import supported_checkpoint

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-4
_converted = {}


def binary():
    path = os.environ.get("BERTCLS_BINARY")
    if not path or not os.path.isfile(path):
        raise unittest.SkipTest("BERTCLS_BINARY is not set to the bertcls binary")
    return path


def shared_dir():
    path = os.environ.get("BERTCLS_SHARED_DIR", os.path.join(REPO, "..", "shared"))
    return path if os.path.isdir(os.path.join(path, "reference")) else None


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": "<f4", "I64": "<i8", "U8": "u1"}
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def model_file(kind, checkpoint):
    """The converted .bertcls of a checkpoint folder (kind: local or shared)."""
    name = os.path.basename(os.path.normpath(checkpoint))
    model_dir = os.environ.get("BERTCLS_TEST_MODEL_DIR")
    if model_dir:
        path = os.path.join(model_dir, kind, name + ".bertcls")
        if os.path.isfile(path):
            return path
    key = (kind, name)
    if key not in _converted:
        out_dir = tempfile.mkdtemp(prefix="bertcls-attention-models-")
        atexit.register(shutil.rmtree, out_dir, True)
        out = os.path.join(out_dir, name + ".bertcls")
        proc = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "convert_checkpoint.py"), checkpoint,
                               "-o", out], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"converting {checkpoint} failed: {proc.stderr}")
        _converted[key] = out
    return _converted[key]


def reference_checkpoints():
    """[(kind, folder)] of every checkpoint with a reference.safetensors."""
    found = [("local", d) for d in sorted(glob.glob(os.path.join(REPO, "tests", "data", "reference", "*")))
             if os.path.isfile(os.path.join(d, "reference.safetensors"))]
    shared = shared_dir()
    if shared:
        found += [("shared", d) for d in sorted(glob.glob(os.path.join(shared, "reference", "*")))
                  if os.path.isfile(os.path.join(d, "reference.safetensors")) and supported_checkpoint(d)]
    return found


def run(*args, ok=True):
    # One thread: the models are tiny, and the tests may run beside others.
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([binary(), "attention", *args], capture_output=True, text=True, timeout=300, env=env)
    if ok and proc.returncode != 0:
        raise AssertionError(f"bertcls attention {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def load_npy(path):
    """The .npy file, parsed by hand as well as by numpy: both must agree."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:6] == b"\x93NUMPY" and raw[6:8] == b"\x01\x00", raw[:8]
    (n,) = struct.unpack("<H", raw[8:10])
    assert (10 + n) % 64 == 0, "header not 64-byte aligned"
    header = raw[10:10 + n].decode("latin1")
    assert header.endswith("\n"), header
    array = np.load(path)
    assert array.dtype == np.dtype("<f4") and array.flags.c_contiguous
    return array


def png_pixels(path):
    """(width, height, [rows of RGB(A) bytes]) of an 8-bit non-interlaced PNG, CRCs checked."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos:pos + 4])
        kind, data = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + data) == crc, f"bad CRC in {kind}"
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
        if kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0 and colour in (2, 6), ihdr
    bpp = 3 if colour == 2 else 4
    data = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = data[y * (stride + 1)]
        line = bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def read_page(path):
    """(meta, maps, data_bytes) of an .html page: its metadata, the embedded maps decoded here
    independently of the page's script ([layers][heads][T][T] float32) and the length of the
    base64 attention data in bytes."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    meta = json.loads(re.search(r'<script id="bertcls-meta" type="application/json">(.*?)</script>', page, re.S).group(1))
    data = re.search(r'<script id="bertcls-attentions" type="application/octet-stream">(.*?)</script>', page, re.S).group(1)
    raw = base64.b64decode(data)
    T, bits = meta["T"], meta["value_bits"]
    rows = len(meta["layers"]) * len(meta["heads"]) * T
    row_max = np.frombuffer(raw[:4 * rows], "<f4")
    packed = np.frombuffer(raw[4 * rows:], np.uint8)
    codes = packed if bits == 8 else np.stack([packed >> 4, packed & 15], axis=1).reshape(-1)[:rows * T]
    assert codes.size == rows * T, (codes.size, rows * T)
    maps = codes.reshape(rows, T).astype(np.float32) * (row_max / ((1 << bits) - 1))[:, None]
    return meta, maps.reshape(len(meta["layers"]), len(meta["heads"]), T, T), len(data)


def page_data_bytes(layers, heads, T, bits):
    """Base64 length of the embedded data: a float32 maximum per row, then `bits` per value."""
    rows = layers * heads * T
    return (rows * 4 + (rows * T * bits + 7) // 8 + 2) // 3 * 4


def quantization_bound(maps, bits):
    """The most a value stored at `bits` bits may differ from the float32 one: half a step of its row's largest."""
    return maps.max(axis=-1, keepdims=True) / (2 * ((1 << bits) - 1)) + 1e-7


def distinct_colours(width, bpp, rows):
    colours = set()
    for row in rows:
        for x in range(0, width * bpp, bpp):
            colours.add(row[x:x + 3])
    return colours


class TempDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bertcls-attention-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def out(self, name):
        return os.path.join(self.tmp, name)


class ReferenceParity(TempDir):
    """Every reference row through the CLI: attentions and logits within 1e-4."""

    def check_checkpoint(self, kind, checkpoint):
        model = model_file(kind, checkpoint)
        ref = read_safetensors(os.path.join(checkpoint, "reference.safetensors"))
        layers = sum(1 for k in ref if k.startswith("attentions."))
        worst_attention = worst_logit = 0.0
        for b in range(ref["input_ids"].shape[0]):
            real = np.nonzero(ref["attention_mask"][b])[0]
            ids = ",".join(str(int(i)) for i in ref["input_ids"][b][real])
            types = ",".join(str(int(i)) for i in ref["token_type_ids"][b][real])
            json_path, npy_path = self.out(f"row{b}.json"), self.out(f"row{b}.npy")
            run("-m", model, "--input-ids", ids, "--token-type-ids", types, "-o", json_path, "-o", npy_path)
            with open(json_path) as f:
                report = json.load(f)
            got = np.array(report["attentions"], dtype=np.float32)
            npy = load_npy(npy_path)
            expected = np.stack([ref[f"attentions.{l}"][b][:, real][:, :, real] for l in range(layers)])
            self.assertEqual(got.shape, expected.shape)
            self.assertEqual(npy.shape, expected.shape)
            # The two files hold the same float32 values, bit for bit.
            self.assertTrue(np.array_equal(got.view(np.uint32), npy.view(np.uint32)), "json and npy differ")
            self.assertEqual(report["input_ids"], [int(i) for i in ref["input_ids"][b][real]])
            self.assertEqual(report["layers"], list(range(layers)))
            self.assertEqual(report["heads"], list(range(expected.shape[1])))
            self.assertEqual(len(report["tokens"]), len(real))
            worst_attention = max(worst_attention, float(np.abs(got - expected).max()))
            worst_logit = max(worst_logit, float(np.abs(np.array(report["prediction"]["logits"]) - ref["logits"][b]).max()))
            with open(npy_path + ".tokens.json") as f:
                meta = json.load(f)
            self.assertEqual(meta["shape"], list(expected.shape))
            self.assertEqual(meta["tokens"], report["tokens"])
            self.assertEqual(meta["prediction"], report["prediction"])
        print(f"attention cli {kind}/{os.path.basename(checkpoint)}: attentions {worst_attention:.2e}, "
              f"logits {worst_logit:.2e}", file=sys.stderr)
        self.assertLessEqual(worst_attention, TOLERANCE)
        self.assertLessEqual(worst_logit, TOLERANCE)

    def test_local_references(self):
        checkpoints = [c for c in reference_checkpoints() if c[0] == "local"]
        self.assertTrue(checkpoints, "tests/data/reference has no checkpoints")
        for kind, checkpoint in checkpoints:
            with self.subTest(checkpoint=checkpoint):
                self.check_checkpoint(kind, checkpoint)

    def test_shared_references(self):
        if shared_dir() is None:
            self.skipTest("../shared not found (set BERTCLS_SHARED_DIR): checked tests/data references only")
        for kind, checkpoint in reference_checkpoints():
            if kind == "shared":
                with self.subTest(checkpoint=checkpoint):
                    self.check_checkpoint(kind, checkpoint)


def fixture_checkpoint(name="bert"):
    return os.path.join(REPO, "tests", "data", "reference", name)


class Selection(TempDir):
    def setUp(self):
        super().setUp()
        checkpoint = fixture_checkpoint("bert")
        self.model = model_file("local", checkpoint)
        ref = read_safetensors(os.path.join(checkpoint, "reference.safetensors"))
        real = np.nonzero(ref["attention_mask"][1])[0]
        self.ids = ",".join(str(int(i)) for i in ref["input_ids"][1][real])
        self.types = ",".join(str(int(i)) for i in ref["token_type_ids"][1][real])
        self.full = self.npy()

    def npy(self, *extra):
        path = self.out("x.npy")
        run("-m", self.model, "--input-ids", self.ids, "--token-type-ids", self.types, "-o", path, *extra)
        return load_npy(path)

    def test_one_layer_one_head(self):
        got = self.npy("--layer", "1", "--head", "2")
        self.assertEqual(got.shape, (1, 1) + self.full.shape[2:])
        self.assertTrue(np.array_equal(got[0, 0], self.full[1, 2]))

    def test_negative_layer_counts_from_the_end(self):
        self.assertTrue(np.array_equal(self.npy("--layer", "-1")[0], self.full[-1]))

    def test_mean_over_heads(self):
        got = self.npy("--head", "mean")
        self.assertEqual(got.shape[1], 1)
        np.testing.assert_allclose(got[:, 0], self.full.mean(axis=1), atol=1e-6)
        with open(self.out("x.npy.tokens.json")) as f:
            self.assertEqual(json.load(f)["heads"], ["mean"])

    def test_rows_are_distributions(self):
        np.testing.assert_allclose(self.full.sum(axis=-1), 1.0, atol=1e-5)

    def test_text_summary_lists_what_the_first_token_attends_to(self):
        proc = run("-m", self.model, "--input-ids", self.ids, "--top", "3")
        lines = proc.stdout.splitlines()
        mean = self.full.mean(axis=1)
        for layer in range(self.full.shape[0]):
            line = next(l for l in lines if l.strip().startswith(f"layer {layer} "))
            values = [float(v) for v in re.findall(r" (\d\.\d{3})(?=\s|$)", line)]
            self.assertEqual(len(values), 3, line)
            np.testing.assert_allclose(values, np.sort(mean[layer, 0])[::-1][:3], atol=6e-4)

    def test_usage_errors(self):
        base = ["-m", self.model, "--input-ids", self.ids]
        for extra in (["-o", self.out("x.txt")], ["--layer", "3"], ["--layer", "-4"], ["--head", "3"],
                      ["--head", "first"], ["--layer", "all", "-o", self.out("x.svg")],
                      ["--head", "all", "-o", self.out("x.png")], ["--top", "0"], ["--pair", "b"],
                      ["--page-bits", "5", "-o", self.out("x.html")]):
            with self.subTest(extra=extra):
                proc = run(*base, *extra, ok=False)
                self.assertEqual(proc.returncode, 1, proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)

    def test_bad_input_is_exit_2(self):
        proc = run("-m", self.model, "--input-ids", "2,100000,3", ok=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        proc = run("-m", self.model, "--input-ids", self.ids, "-o", self.out("missing-dir/x.json"), ok=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("missing-dir/x.json", proc.stderr)


class Pictures(TempDir):
    """The .svg, .png and .html outputs show the same map as the .npy."""

    def setUp(self):
        super().setUp()
        checkpoint = fixture_checkpoint("bert-with-tokenizer")
        self.model = model_file("local", checkpoint)
        self.text = "The striker scored a late goal & <won> the \"match\"."
        run("-m", self.model, self.text, "-o", self.out("all.json"))
        with open(self.out("all.json")) as f:
            self.report = json.load(f)
        self.full = np.array(self.report["attentions"], dtype=np.float32)

    def test_svg_is_well_formed_with_labels_and_cells(self):
        run("-m", self.model, self.text, "--layer", "0", "--head", "1", "-o", self.out("m.svg"))
        root = ET.parse(self.out("m.svg")).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        texts = ["".join(t.itertext()) for t in root.iter(ns + "text")]
        for token in self.report["tokens"]:
            self.assertGreaterEqual(texts.count(token), 2, token)  # both axes
        self.assertTrue(any(self.report["prediction"]["label"] in t for t in texts))
        self.assertTrue(any("layer 0" in t and "head 1" in t for t in texts))
        fills = {r.get("fill") for r in root.iter(ns + "rect")}
        self.assertGreater(len(fills), 10)

    def test_png_decodes_with_many_colours(self):
        run("-m", self.model, self.text, "-o", self.out("m.png"))
        width, height, bpp, rows = png_pixels(self.out("m.png"))
        self.assertGreater(width, 200)
        self.assertGreater(height, 200)
        self.assertGreater(len(distinct_colours(width, bpp, rows)), 20)

    def test_html_is_self_contained_and_embeds_only_the_selected_maps(self):
        run("-m", self.model, self.text, "--layer", "1", "--head", "0", "-o", self.out("p.html"))
        with open(self.out("p.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertNotRegex(page, r"https?://")
        self.assertNotRegex(page, r"<script[^>]+src=|<link[^>]+stylesheet|@import|url\((?!#)")
        self.assertIn("Content-Security-Policy", page)
        meta, maps, _ = read_page(self.out("p.html"))
        self.assertEqual(meta["tokens"], self.report["tokens"])
        self.assertEqual(meta["text"], self.text)
        self.assertEqual((meta["layers"], meta["heads"]), ([1], [0]))
        self.assertEqual((meta["initial_layer"], meta["initial_head"]), (1, 0))
        self.assertEqual(meta["prediction"]["label"], self.report["prediction"]["label"])
        self.assertEqual(maps.shape, (1, 1) + self.full.shape[2:])
        self.assertTrue(np.all(np.abs(maps - self.full[1:2, 0:1]) <= quantization_bound(self.full[1:2, 0:1], 8)))
        # The user's text is only in the JSON block and there it cannot close the script.
        self.assertNotIn("<won>", page)

        run("-m", self.model, self.text, "--layer", "0", "--head", "mean", "-o", self.out("mean.html"))
        meta, maps, _ = read_page(self.out("mean.html"))
        self.assertEqual((meta["layers"], meta["heads"], meta["initial_head"]), ([0], ["mean"], "mean"))
        mean = self.full[0:1].mean(axis=1, keepdims=True)
        self.assertTrue(np.all(np.abs(maps - mean) <= quantization_bound(mean, 8) + 1e-6))

    def test_html_embeds_every_layer_and_head_by_default_at_8_or_4_bits(self):
        L, H, T = self.full.shape[:3]
        for bits in (8, 4):
            with self.subTest(bits=bits):
                run("-m", self.model, self.text, "--page-bits", str(bits), "-o", self.out("all.html"))
                meta, maps, data_bytes = read_page(self.out("all.html"))
                self.assertEqual((meta["layers"], meta["heads"]), (list(range(L)), list(range(H))))
                self.assertEqual((meta["initial_layer"], meta["initial_head"]), (L - 1, "mean"))
                self.assertTrue(np.all(np.abs(maps - self.full) <= quantization_bound(self.full, bits)))
                # The size bound: a float32 maximum per row and `bits` per value, in base64.
                values = L * H * T * T
                self.assertEqual(data_bytes, page_data_bytes(L, H, T, bits))
                print(f"attention page at {bits} bits: {data_bytes / values:.3f} bytes of data per attention value "
                      f"(T={T})", file=sys.stderr)
        # The default is 8 bits for a page this small.
        run("-m", self.model, self.text, "-o", self.out("default.html"))
        self.assertEqual(read_page(self.out("default.html"))[0]["value_bits"], 8)

    def test_a_full_bert_base_page_at_512_tokens_stays_under_30_mb(self):
        """The figure in docs/RELIABILITY.md, from the same formula the test models' pages meet exactly."""
        values = 12 * 12 * 512 * 512
        self.assertGreater(values, 16 << 20)  # past the 8-bit limit: 4 bits
        size = page_data_bytes(12, 12, 512, 4)
        self.assertLess(size, 30_000_000)
        self.assertAlmostEqual(size / values, 0.677, places=3)
        self.assertEqual(round(size / 1e6, 1), 25.6)

    def test_long_texts_say_they_were_truncated(self):
        text = " ".join(["the striker scored a late goal and won the match"] * 20)
        proc = subprocess.run([binary(), "tokenize", "-m", self.model, "--max-length", "0", text],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        total = len(json.loads(proc.stdout)["input_ids"])
        summary = run("-m", self.model, text)
        self.assertEqual(summary.stderr.strip().splitlines(), [summary.stderr.strip()])
        for out in (summary.stdout, summary.stderr):
            self.assertIn(f"the input has {total} tokens; only the first 64 (the model's limit) are shown", out)
        run("-m", self.model, text, "-o", self.out("long.json"), "-o", self.out("long.html"))
        with open(self.out("long.json")) as f:
            report = json.load(f)
        self.assertEqual(len(report["tokens"]), 64)
        self.assertEqual((report["truncated"], report["tokens_total"]), (True, total))
        meta = read_page(self.out("long.html"))[0]
        self.assertEqual((meta["truncated"], meta["tokens_total"]), (True, total))
        self.assertEqual((self.report["truncated"], self.report["tokens_total"]), (False, len(self.report["tokens"])))
        self.assertNotIn("truncated", run("-m", self.model, self.text).stdout)

    def test_text_input_matches_classify_exactly(self):
        for extra in ([], ["--pair", "Who won the match?"]):
            with self.subTest(extra=extra):
                path = self.out("c.json")
                run("-m", self.model, self.text, *extra, "-o", path)
                with open(path) as f:
                    report = json.load(f)
                proc = subprocess.run([binary(), "classify", "-m", self.model, "--format", "json", self.text, *extra],
                                      capture_output=True, text=True, timeout=120)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                classify = json.loads(proc.stdout)
                self.assertEqual(report["prediction"]["logits"], classify["logits"])
                self.assertEqual(report["prediction"]["label"], classify["label"])
                if extra:
                    self.assertIn(1, report["token_type_ids"])
                    self.assertEqual(report["pair"], extra[1])

    def test_texts_match_transformers(self):
        checkpoint = fixture_checkpoint("bert-with-tokenizer")
        with open(os.path.join(checkpoint, "texts.jsonl"), encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        for n, record in enumerate(records):
            if not record["text"]:
                continue  # an empty argument means "read stdin"
            args = ["-m", self.model, record["text"], "-o", self.out("t.json")]
            if record["text_pair"] is not None:
                args[3:3] = ["--pair", record["text_pair"]]
            with self.subTest(n=n):
                run(*args)
                with open(self.out("t.json")) as f:
                    report = json.load(f)
                self.assertEqual(report["input_ids"], record["input_ids"])
                self.assertEqual(report["token_type_ids"], record["token_type_ids"])
                np.testing.assert_allclose(report["prediction"]["logits"], record["logits"], atol=TOLERANCE)


if __name__ == "__main__":
    unittest.main()
