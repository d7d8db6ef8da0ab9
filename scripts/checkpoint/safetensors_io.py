"""safetensors: read a checkpoint file (validating its header first), write the bertcls file (and a
random checkpoint's)."""
import json
import mmap
import os
import struct

import numpy as np

from .errors import ConversionError
from .tensor import DTYPES, Tensor, itemsize, numel

MAX_HEADER = 100 << 20   # what the safetensors library itself accepts
ALIGNMENT = 64           # docs/FORMAT.md: the data section starts at a multiple of 64


def map_file(path):
    """The whole file as a read-only mmap (an empty file as b"", which mmap refuses)."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_safetensors(path):
    """{name: Tensor} for a .safetensors file. Every header field is checked before any value
    is read, so a hostile header fails with a message instead of a huge read or a crash."""
    buf = map_file(path)
    if len(buf) < 8:
        raise ConversionError(f"{path}: too short for a safetensors file")
    (header_len,) = struct.unpack("<Q", buf[:8])
    if header_len > min(MAX_HEADER, len(buf) - 8):
        raise ConversionError(f"{path}: header length {header_len} is larger than the file "
                              f"or the {MAX_HEADER >> 20} MiB limit")
    try:
        header = json.loads(bytes(buf[8:8 + header_len]))
    except (UnicodeDecodeError, ValueError) as e:
        raise ConversionError(f"{path}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ConversionError(f"{path}: header is not a JSON object")
    header.pop("__metadata__", None)
    data_start, data_size = 8 + header_len, len(buf) - 8 - header_len

    tensors, ranges = {}, []
    for name, info in header.items():
        dtype, shape, begin, end = _check_entry(path, name, info, data_size)
        ranges.append((begin, end, name))
        tensors[name] = Tensor(dtype, shape, _reader(buf, data_start + begin, dtype, shape), path)
    ranges.sort()
    for (_, end_a, a), (begin_b, _, b) in zip(ranges, ranges[1:]):
        if begin_b < end_a:
            raise ConversionError(f"{path}: tensors {a} and {b} overlap")
    return tensors


def _check_entry(path, name, info, data_size):
    def bad(why):
        return ConversionError(f"{path}: tensor {name}: {why}")

    def is_uint(x):
        return type(x) is int and x >= 0   # not bool, not float

    if not isinstance(info, dict):
        raise bad("entry is not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in DTYPES:
        raise bad(f"unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(map(is_uint, shape)):
        raise bad(f"invalid shape {shape!r}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(is_uint, offsets))):
        raise bad(f"invalid data_offsets {offsets!r}")
    begin, end = offsets
    if not begin <= end <= data_size:
        raise bad(f"data_offsets {offsets} outside the {data_size}-byte data section")
    if end - begin != numel(shape) * itemsize(dtype):
        raise bad(f"data_offsets {offsets} do not hold a {dtype} tensor of shape {shape}")
    return dtype, shape, begin, end


def _reader(buf, offset, dtype, shape):
    # frombuffer on the mmap: no copy until the caller converts or concatenates.
    return lambda: np.frombuffer(buf, DTYPES[dtype], numel(shape), offset).reshape(shape)


def write_checkpoint(path, tensors):
    """A Hugging Face-style model.safetensors from {name: float32 array}, for the scripts that
    make random checkpoints."""
    write_bertcls(path, {"format": "pt"},
                  [(name, "F32", array.shape, lambda array=array: array) for name, array in tensors.items()])


def write_bertcls(path, metadata, entries):
    """Writes a safetensors file with the given string metadata. entries: (name, dtype, shape,
    produce) in data order, produce() returning the values as an array of that dtype and shape.
    The buffer has no holes; the JSON header is padded with spaces so the data starts at a
    multiple of ALIGNMENT. The file appears atomically: it is written to a temporary name in
    the target folder, synced and renamed at the end, and the temporary is removed on any
    failure."""
    header, offset = {"__metadata__": metadata}, 0
    for name, dtype, shape, _ in entries:
        size = numel(shape) * itemsize(dtype)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % ALIGNMENT)

    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for name, dtype, shape, produce in entries:
                values = np.ascontiguousarray(produce(), dtype=DTYPES[dtype])
                if values.shape != tuple(shape):
                    raise AssertionError(f"{name}: produced shape {values.shape}, declared {shape}")
                f.write(values.data)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it visible
            # Drop the file from the page cache: written, it is cached in 4 KiB pages, and
            # bertcls maps the weights from there. Read back cold, it comes in 2 MiB folios
            # (large folios: ext4 since Linux 6.16, XFS, tmpfs), which bertcls maps with one TLB
            # entry per 2 MiB; the GEMMs stream every weight once per batch, 2-9% faster so.
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
