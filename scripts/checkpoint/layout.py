"""The blocked storage of the encoder's dense weights (docs/FORMAT.md, "Blocked weights"): the
layout oneDNN's AVX-512 GEMM kernels read (BA16a64b / BA16a64b2a / BA16a64b4a of the [in, out]
matrix), so bertcls runs them from the mapped file with no packing at load."""
import numpy as np

from .errors import ConversionError

LAYOUTS = ("blocked", "plain")
# Inputs that sit next to each other inside a block: the VNNI pairs (BF16) and quads (I8).
PACK = {"F32": 1, "BF16": 2, "I8": 4}


def check_layout(layout):
    if layout not in LAYOUTS:
        raise ConversionError(f"unsupported --layout {layout!r} (use {' or '.join(LAYOUTS)})")


def can_block(dtype, shape):
    out, inp = shape
    return dtype in PACK and out % 64 == 0 and inp % (16 * PACK[dtype]) == 0


def to_blocked(array, dtype):
    """[out, in] row-major -> the same values in blocked order (still shaped [out, in]): blocks of
    64 outputs (outermost) by 16 * pack inputs; in a block, groups of `pack` inputs, then the 64
    outputs, then the inputs of a group."""
    p = PACK[dtype]
    out, inp = array.shape
    blocks = array.reshape(out // 64, 64, inp // (16 * p), 16, p).transpose(0, 2, 3, 1, 4)
    return np.ascontiguousarray(blocks).reshape(out, inp)


def apply(entries, dense_names, layout):
    """Stores the dense weights in `dense_names` blocked where their sizes allow; returns the new
    entries and the names stored blocked."""
    if layout == "plain":
        return entries, []
    dense_names, blocked, result = set(dense_names), [], []
    for name, dtype, shape, produce in entries:
        if name in dense_names and can_block(dtype, shape):
            blocked.append(name)
            produce = (lambda produce=produce, dtype=dtype: to_blocked(produce(), dtype))
        result.append((name, dtype, shape, produce))
    return result, blocked
