"""Test helpers, written independently of scripts/checkpoint so that the tests check the
converter against a second implementation: a bertcls reader, a safetensors writer, torch
.bin writers (hand-assembled pickles, no torch needed) and a tiny random BERT checkpoint."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONVERTER = os.path.join(REPO, "scripts", "convert_checkpoint.py")
NP_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "U8": "u1"}
STORAGES = {"F32": "FloatStorage", "F16": "HalfStorage", "BF16": "BFloat16Storage", "I64": "LongStorage"}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


# The Hugging Face classes the converter supports. ../shared also holds references of families
# still to come (DeBERTa, ModernBERT); tests leave those out with a message until they land.
SUPPORTED_ARCHITECTURES = ("BertForSequenceClassification", "DistilBertForSequenceClassification",
                           "RobertaForSequenceClassification", "XLMRobertaForSequenceClassification",
                           "AlbertForSequenceClassification", "ElectraForSequenceClassification",
                           "DebertaV2ForSequenceClassification", "ModernBertForSequenceClassification")


# Timing- and volume-heavy tests: CI's sanitizer pass (scripts/check-sanitizers.sh --ci) sets
# BERTCLS_SKIP_SLOW_TESTS=1 to stay within CI's time; the normal suite runs them in every CI run,
# and check-sanitizers.sh without --ci runs them sanitized.
slow = unittest.skipIf(os.environ.get("BERTCLS_SKIP_SLOW_TESTS") == "1",
                       "timing- and volume-heavy: skipped in CI's sanitizer pass (BERTCLS_SKIP_SLOW_TESTS=1); "
                       "the normal suite and scripts/check-sanitizers.sh without --ci run it")


def supported_checkpoint(folder):
    """Whether config.json in `folder` names an architecture the converter supports."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        architectures = json.load(f).get("architectures") or [None]
    if architectures[0] in SUPPORTED_ARCHITECTURES:
        return True
    print(f"note: {folder}: {architectures[0]} is not supported yet, not checked", file=sys.stderr)
    return False


def shared_dir():
    path = os.environ.get("BERTCLS_SHARED_DIR", os.path.join(REPO, "..", "shared"))
    return path if os.path.isdir(os.path.join(path, "reference")) else None


class BinaryTestCase(unittest.TestCase):
    """A class-wide temporary folder (cls.tmp); each test skips when `binary` is not built or
    `model` (if set) is missing."""
    tmp_prefix = "bertcls-"
    binary = None
    model = None

    @classmethod
    def setUpClass(cls):
        cls.tmp_holder = tempfile.TemporaryDirectory(prefix=cls.tmp_prefix)
        cls.tmp = cls.tmp_holder.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp_holder.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        """Writes bytes (or text, as UTF-8) to a file in the class's folder; returns its path."""
        with open(self.path(name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return self.path(name)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def setUp(self):
        if not os.access(self.binary, os.X_OK):
            self.skipTest(f"bertcls binary not found at {self.binary} (set BERTCLS_BINARY)")
        if self.model and not os.path.isfile(self.model):
            self.skipTest(f"model {self.model} not found")


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bertcls-test-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def require_shared(self):
        path = shared_dir()
        if path is None:
            self.skipTest("../shared not found (set BERTCLS_SHARED_DIR)")
        return path

    def convert(self, src, out=None, *extra):
        """Runs the converter CLI; returns (completed process, output path)."""
        out = out or self.path(os.path.basename(os.path.normpath(src)) + ".bertcls")
        proc = subprocess.run([sys.executable, CONVERTER, src, "-o", out, *extra],
                              capture_output=True, text=True, timeout=120)
        return proc, out

    def convert_ok(self, src, *extra):
        proc, out = self.convert(src, None, *extra)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return read_bertcls(out), proc

    def assert_rejected(self, src, *phrases, extra=()):
        """Exit code 2, a one-line message with every phrase, and no file (nor temporary) left."""
        out_dir = self.path("rejected-out")
        os.makedirs(out_dir, exist_ok=True)
        proc, out = self.convert(src, os.path.join(out_dir, "model.bertcls"), *extra)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        message = proc.stderr.strip()
        self.assertEqual(len(message.splitlines()), 1, message)
        self.assertTrue(message.startswith("error: "), message)
        for phrase in phrases:
            self.assertIn(phrase, message)
        self.assertEqual(os.listdir(out_dir), [])
        return message


class BertclsFile:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        (self.header_len,) = struct.unpack("<Q", self.raw[:8])
        self.header = json.loads(self.raw[8:8 + self.header_len])
        self.metadata = self.header.pop("__metadata__")
        self.config = json.loads(self.metadata["config"])
        self.data_start = 8 + self.header_len
        self.tensors = {}
        for name, info in self.header.items():
            begin, end = info["data_offsets"]
            self.tensors[name] = np.frombuffer(
                self.raw[self.data_start + begin:self.data_start + end],
                {"F32": "<f4", "U8": "u1"}[info["dtype"]]).reshape(info["shape"])
        unblock_tensors(self.tensors, self.metadata, lambda name: self.header[name]["dtype"])


BLOCK_PACK = {"F32": 1, "BF16": 2, "I8": 4}


def unblock(array, dtype):
    """Undoes the converter's blocked storage of a dense weight (docs/FORMAT.md): element
    (n, k) of the [out, in] weight sits at
    (n // 64) * in * 64 + (k // kb) * kb * 64 + ((k % kb) // p) * 64 * p + (n % 64) * p + k % p
    with p the dtype's pack and kb = 16 * p. Written from the formula, not as the converter's
    reshape, so the two check each other."""
    out, inp = array.shape
    p = BLOCK_PACK[dtype]
    kb = 16 * p
    n = np.arange(out)[:, None]
    k = np.arange(inp)[None, :]
    offset = (n // 64) * inp * 64 + (k // kb) * kb * 64 + ((k % kb) // p) * 64 * p + (n % 64) * p + k % p
    return array.reshape(-1)[offset]


def unblock_tensors(tensors, metadata, dtype_of):
    """tensors with every weight listed in metadata 'blocked_weights' back in [out, in] order."""
    for name in json.loads(metadata.get("blocked_weights", "[]")):
        tensors[name] = unblock(tensors[name], dtype_of(name))


def read_bertcls(path):
    return BertclsFile(path)


def read_safetensors_f32(path):
    """{name: float32 array} of a safetensors file holding only F32 tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    return {name: np.frombuffer(raw[8 + n + info["data_offsets"][0]:8 + n + info["data_offsets"][1]],
                                "<f4").reshape(info["shape"]) for name, info in header.items()}


def write_safetensors(path, tensors):
    """tensors: {name: array} or {name: (dtype name, array)} (BF16 as uint16 bits)."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, value in tensors.items():
        dtype, array = value if isinstance(value, tuple) else (dtype_name(value), value)
        blob = np.ascontiguousarray(array, NP_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def dtype_name(array):
    return {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int64"): "I64"}[array.dtype]


# --- torch .bin files, pickles assembled opcode by opcode (protocol 2) ---

def p_str(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def p_int(n):
    return b"J" + struct.pack("<i", n)


def p_tuple(items):
    return b"(" + b"".join(items) + b"t"


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_value(value):
    if isinstance(value, str):
        return p_str(value)
    if isinstance(value, tuple):
        return p_tuple([p_value(v) for v in value])
    return p_int(value)


def global_call(module, name, *args):
    """A pickle that calls module.name(*args) when loaded by a plain unpickler."""
    return b"\x80\x02" + p_global(module, name) + p_value(tuple(args)) + b"R."


def state_dict_pickle(tensors, legacy):
    """A torch state-dict pickle. tensors: [(name, dtype, storage key, storage numel, offset,
    shape, stride)]. Legacy persistent ids carry a sixth field (view metadata, None)."""
    out = b"\x80\x02}("
    for name, dtype, key, count, offset, shape, stride in tensors:
        pid = p_tuple([p_str("storage"), p_global("torch", STORAGES[dtype]), p_str(key), p_str("cpu"),
                       p_int(count)] + ([b"N"] if legacy else []))
        args = [pid + b"Q", p_int(offset), p_value(tuple(shape)), p_value(tuple(stride)), b"\x89",
                p_global("collections", "OrderedDict") + b")R"]
        out += p_str(name) + p_global("torch._utils", "_rebuild_tensor_v2") + p_tuple(args) + b"R"
    return out + b"u."


def storages(state):
    """One contiguous storage per tensor: (pickle entries, [(key, dtype, bytes)])."""
    entries, blobs = [], []
    for i, (name, value) in enumerate(state.items()):
        dtype, array = value if isinstance(value, tuple) else (dtype_name(value), value)
        array = np.ascontiguousarray(array, NP_DTYPES[dtype])
        stride = [int(np.prod(array.shape[d + 1:])) for d in range(array.ndim)]
        entries.append((name, dtype, str(i), array.size, 0, array.shape, stride))
        blobs.append((str(i), dtype, array.tobytes()))
    return entries, blobs


def write_torch_zip(path, state=None, pickle_bytes=None, blobs=(), compression=zipfile.ZIP_STORED):
    if state is not None:
        entries, blobs = storages(state)
        pickle_bytes = state_dict_pickle(entries, legacy=False)
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        for key, _, data in blobs:
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", b"3\n")


def legacy_prefix():
    import pickle
    sys_info = {"protocol_version": 1001, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    return b"".join(pickle.dumps(x, protocol=2) for x in (LEGACY_MAGIC, 1001, sys_info))


def write_torch_legacy(path, state=None, pickle_bytes=None, blobs=()):
    import pickle
    if state is not None:
        entries, blobs = storages(state)
        pickle_bytes = state_dict_pickle(entries, legacy=True)
    with open(path, "wb") as f:
        f.write(legacy_prefix() + pickle_bytes + pickle.dumps([key for key, _, _ in blobs], protocol=2))
        for _, dtype, data in blobs:
            f.write(struct.pack("<q", len(data) // np.dtype(NP_DTYPES[dtype]).itemsize) + data)


# --- a tiny random BERT checkpoint ---

def tiny_bert(seed=0, hidden=8, layers=2, heads=2, ffn=16, vocab=24, positions=16, labels=3, prefix="bert."):
    """(config.json dict, state dict with Hugging Face names) of a random BERT classifier.
    The state dict has a position_ids buffer, as real checkpoints often do."""
    rng = np.random.default_rng(seed)
    state = {}

    def add(name, *shape):
        state[name] = rng.standard_normal(shape).astype(np.float32)

    add(prefix + "embeddings.word_embeddings.weight", vocab, hidden)
    add(prefix + "embeddings.position_embeddings.weight", positions, hidden)
    add(prefix + "embeddings.token_type_embeddings.weight", 2, hidden)
    add(prefix + "embeddings.LayerNorm.weight", hidden)
    add(prefix + "embeddings.LayerNorm.bias", hidden)
    state[prefix + "embeddings.position_ids"] = np.arange(positions, dtype=np.int64)[None]
    for i in range(layers):
        layer = f"{prefix}encoder.layer.{i}."
        for name, out, inp in (("attention.self.query", hidden, hidden), ("attention.self.key", hidden, hidden),
                               ("attention.self.value", hidden, hidden), ("attention.output.dense", hidden, hidden),
                               ("intermediate.dense", ffn, hidden), ("output.dense", hidden, ffn)):
            add(layer + name + ".weight", out, inp)
            add(layer + name + ".bias", out)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            add(layer + name + ".weight", hidden)
            add(layer + name + ".bias", hidden)
    add(prefix + "pooler.dense.weight", hidden, hidden)
    add(prefix + "pooler.dense.bias", hidden)
    add("classifier.weight", labels, hidden)
    add("classifier.bias", labels)
    # Values whose bits a careless copy could change: -0.0 and a NaN with a payload.
    state["classifier.bias"].view(np.uint32)[-1] = 0x7FC01234
    state["classifier.bias"][0] = -0.0
    config = {
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
        "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": positions,
        "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "id2label": {str(i): f"class{i}" for i in range(labels)},
    }
    return config, state


def write_checkpoint(folder, config, state, fmt="safetensors"):
    """Writes config.json and the weights in one of the formats transformers saves
    (fmt None: config.json only)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    names = list(state)
    halves = {"-00001-of-00002": names[: len(names) // 2], "-00002-of-00002": names[len(names) // 2:]}
    if fmt is None:
        pass
    elif fmt == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), state)
    elif fmt == "bin":
        write_torch_zip(os.path.join(folder, "pytorch_model.bin"), state)
    elif fmt == "bin-legacy":
        write_torch_legacy(os.path.join(folder, "pytorch_model.bin"), state)
    elif fmt in ("safetensors-sharded", "bin-sharded"):
        base, ext, write = (("model", ".safetensors", write_safetensors) if fmt == "safetensors-sharded"
                            else ("pytorch_model", ".bin", write_torch_zip))
        weight_map = {}
        for suffix, part in halves.items():
            shard = base + suffix + ext
            write(os.path.join(folder, shard), {n: state[n] for n in part})
            weight_map.update({n: shard for n in part})
        with open(os.path.join(folder, base + ext + ".index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    else:
        raise ValueError(fmt)
    return folder
