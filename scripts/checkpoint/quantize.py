"""Weight dtypes of the four dense encoder weights (docs/FORMAT.md, "Weight dtypes"):
which weights a --dtype / --keep-f32 choice converts, and the bf16 / int8 conversions.

Everything else in the file (biases, LayerNorms, embeddings and their projection, the head)
stays F32 whatever the dtype.
"""
import numpy as np

from .canonical import DENSE_PARTS, dense_weight_names
from .errors import ConversionError

WEIGHT_DTYPES = ("f32", "bf16", "int8")
SCALE_SUFFIX = "_scale"                      # int8: "<weight name>_scale", F32 [out]
INT8_MAX = 127                               # symmetric: q in [-127, 127], never -128


def parse_keep_f32(text):
    """--keep-f32 "a,b" -> ["a", "b"] (spaces around names are ignored; None -> [])."""
    if text is None:
        return []
    names = [name.strip() for name in text.split(",")]
    if any(not name for name in names):
        raise ConversionError(f"--keep-f32 {text!r} has an empty name")
    return names


def check_dtype(dtype):
    if dtype not in WEIGHT_DTYPES:
        raise ConversionError(f"unknown --dtype {dtype!r} (expected {', '.join(WEIGHT_DTYPES)})")


def plan(config, dtype, keep_f32=()):
    """(converted, kept): the dense weight names stored as `dtype`, and those left F32, each in
    canonical order. A --keep-f32 entry is a full weight name or a dotted prefix of one
    ("layers.1", "layers.1.ffn.output"); one that matches no dense weight is an error. With
    dtype f32 nothing is converted (the names are still checked)."""
    check_dtype(dtype)
    names = dense_weight_names(config)
    keep = set()
    for entry in keep_f32:
        matches = [n for n in names if n == entry or n.startswith(entry + ".")]
        if not matches:
            raise ConversionError(
                f"--keep-f32 name {entry!r} matches no quantizable weight (those are "
                f"layers.{{g}}.{{{','.join(DENSE_PARTS)}}}.weight for g < {config['num_layer_weights']})")
        keep.update(matches)
    if dtype == "f32":
        return [], names
    return [n for n in names if n not in keep], [n for n in names if n in keep]


def to_bf16(values):
    """float32 -> bf16 bits (uint16): round to nearest, ties to even, on the upper half of the
    f32 bits. A NaN stays a NaN (sign and upper payload kept, quiet bit set) instead of being
    rounded into an infinity or carried into the sign."""
    u = np.ascontiguousarray(values, "<f4").view("<u4")
    rounded = (u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    nan = (u & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000)
    quiet = (u >> np.uint32(16)) | np.uint32(0x0040)
    return np.where(nan, quiet, rounded).astype("<u2")


def int8_scales(values, name):
    """Per output row n of a [out, in] weight: max_k |w[n, k]| / 127 as float32, and 1.0 for a
    row of zeros, or of values so tiny (below 127 times the smallest subnormal) that the
    division underflows to 0: their q are all 0, and every scale is positive and finite."""
    w = np.asarray(values, "<f4")
    if not np.all(np.isfinite(w)):
        raise ConversionError(f"cannot convert {name} to int8: it has non-finite values")
    absmax = np.max(np.abs(w), axis=1)
    scales = absmax / np.float32(INT8_MAX)
    scales[scales == 0] = 1.0
    return scales.astype("<f4")


def to_int8(values, name):
    """q[n, k] = clip(rint(w[n, k] / s[n]), -127, 127) as int8, s = int8_scales(values)."""
    w = np.asarray(values, "<f4")
    scales = int8_scales(w, name)
    q = np.rint(w / scales[:, None])
    return np.clip(q, -INT8_MAX, INT8_MAX).astype("i1")


def apply(entries, dtype, converted):
    """Reorders the writer's F32 (name, dtype, shape, produce) entries for a file whose
    `converted` weights are stored as `dtype`: F32 tensors first, in canonical order, with each
    int8 weight's _scale tensor in the place the weight had; then the converted weights (BF16 or
    I8) in canonical order. Tokenizer blobs are appended after this by the caller."""
    converted = set(converted)
    f32, low = [], []
    for name, file_dtype, shape, produce in entries:
        if name not in converted:
            f32.append((name, file_dtype, shape, produce))
        elif dtype == "bf16":
            low.append((name, "BF16", shape, lambda produce=produce: to_bf16(produce())))
        else:
            f32.append((name + SCALE_SUFFIX, "F32", shape[:1],
                        lambda produce=produce, name=name: int8_scales(produce(), name)))
            low.append((name, "I8", shape, lambda produce=produce, name=name: to_int8(produce(), name)))
    return f32 + low
