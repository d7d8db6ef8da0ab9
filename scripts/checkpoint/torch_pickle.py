"""pytorch_model.bin without torch: the zip format (torch >= 1.6) and the legacy format.

A .bin is a pickle, and unpickling can call any importable function. The unpickler here
resolves only the handful of globals a plain state dict uses, to local stand-ins that just
record tensor metadata; every other global is refused by name before anything is called, so
nothing from the file is ever executed. Storage bytes are read afterwards, with their sizes
checked against the file first.
"""
import collections
import io
import pickle
import struct
import zipfile

import numpy as np

from .errors import ConversionError
from .safetensors_io import map_file
from .tensor import DTYPES, Tensor, itemsize, numel

STORAGE_DTYPES = {
    "DoubleStorage": "F64", "FloatStorage": "F32", "HalfStorage": "F16",
    "BFloat16Storage": "BF16", "LongStorage": "I64", "IntStorage": "I32",
    "ShortStorage": "I16", "CharStorage": "I8", "ByteStorage": "U8", "BoolStorage": "BOOL",
}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C   # torch/serialization.py MAGIC_NUMBER
MAX_PICKLE = 64 << 20                    # a state dict's pickle is kilobytes; this is generous
MAX_COMPRESSION = 100                    # torch stores members uncompressed (ratio 1)


class StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


class StorageRef:
    """A storage named by a persistent id: where its bytes are, filled in by the format reader."""

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


class TensorRef:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride


def _is_index_tuple(x):
    return isinstance(x, tuple) and all(type(v) is int and v >= 0 for v in x)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    """Stand-in for torch._utils._rebuild_tensor(_v2): validates, and records; the ignored
    arguments are requires_grad, backward hooks and metadata, which inference does not need."""
    if not isinstance(storage, StorageRef):
        raise ConversionError("_rebuild_tensor_v2 called without a storage")
    if not (type(storage_offset) is int and storage_offset >= 0 and _is_index_tuple(size)
            and _is_index_tuple(stride) and len(size) == len(stride)):
        raise ConversionError("_rebuild_tensor_v2 called with an invalid offset, size or stride")
    if numel(size) and storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) >= storage.numel:
        raise ConversionError(f"a tensor of size {list(size)} reaches past the end of storage {storage.key}")
    return TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, *_ignored):
    return data


ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): StorageType(dtype) for name, dtype in STORAGE_DTYPES.items()},
}


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, persistent_load=None):
        super().__init__(file)
        self._persistent_load = persistent_load

    def find_class(self, module, name):
        # Every GLOBAL, STACK_GLOBAL, INST and OBJ opcode goes through here.
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ConversionError(f"refusing to load global {module}.{name}: a plain state dict "
                                  "does not need it, and loading it could run code") from None

    def persistent_load(self, pid):
        if self._persistent_load is None:
            raise ConversionError("unexpected persistent id in pickle")
        return self._persistent_load(pid)


def _storage_pid(pid, size):
    """Checks a ('storage', type, key, location, numel, ...) persistent id of the given size."""
    if not (isinstance(pid, tuple) and len(pid) == size and pid[0] == "storage"
            and isinstance(pid[1], StorageType) and isinstance(pid[2], str)
            and type(pid[4]) is int and pid[4] >= 0):
        raise ConversionError(f"unexpected persistent id {str(pid)[:80]}")
    return pid


def _load_pickle(stream, persistent_load=None):
    return RestrictedUnpickler(stream, persistent_load).load()


def _state_dict(obj, path):
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise ConversionError(f"{path}: does not hold a state dict (a dict of tensors)")
    return {k: v for k, v in obj.items() if isinstance(v, TensorRef)}


def _to_tensors(refs, read_storage, path):
    """Tensor objects whose read() slices the storage bytes (shared by views and tied weights)."""
    def reader(ref):
        def read():
            data = np.frombuffer(read_storage(ref.storage), DTYPES[ref.storage.dtype])
            step = data.itemsize
            view = np.lib.stride_tricks.as_strided(  # bounds checked in _rebuild_tensor
                data[ref.offset:], ref.shape, [s * step for s in ref.stride], writeable=False)
            return np.ascontiguousarray(view)
        return read
    return {name: Tensor(ref.storage.dtype, ref.shape, reader(ref), path) for name, ref in refs.items()}


def read_torch_bin(path):
    """{name: Tensor} for a pytorch_model.bin in either format."""
    try:
        if zipfile.is_zipfile(path):
            return _read_zip(path)
        return _read_legacy(path)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, OverflowError, MemoryError, struct.error, zipfile.BadZipFile) as e:
        # Garbage input: describe it rather than show a traceback.
        raise ConversionError(f"{path}: not a readable PyTorch checkpoint ({type(e).__name__}: {e})") from None


def _read_zip(path):
    archive = zipfile.ZipFile(path)
    pickles = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise ConversionError(f"{path}: expected one <name>/data.pkl in the zip, found {len(pickles)}")
    prefix = pickles[0][:-len("data.pkl")]
    byteorder = prefix + "byteorder"
    if byteorder in archive.namelist() and _read_member(archive, byteorder, 16) != b"little":
        raise ConversionError(f"{path}: big-endian checkpoints are not supported")

    storages = {}

    def persistent_load(pid):
        _, storage_type, key, _location, count = _storage_pid(pid, 5)
        return storages.setdefault(key, StorageRef(key, storage_type.dtype, count))

    data_pkl = _read_member(archive, pickles[0], MAX_PICKLE)
    refs = _state_dict(_load_pickle(io.BytesIO(data_pkl), persistent_load), path)

    def storage_member(storage):
        return f"{prefix}data/{storage.key}", storage.numel * itemsize(storage.dtype)
    for storage in storages.values():  # every size checked before any tensor is read
        _member_info(archive, *storage_member(storage), exact=True)
    return _to_tensors(refs, lambda storage: _read_member(archive, *storage_member(storage), exact=True), path)


def _member_info(archive, name, limit, exact=False):
    """A zip member's header, checked: it may not claim more than `limit` bytes (exactly
    `limit` when exact), nor more than MAX_COMPRESSION times its compressed size."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ConversionError(f"{archive.filename}: member {name} is missing") from None
    if info.file_size > limit or (exact and info.file_size != limit):
        raise ConversionError(f"{archive.filename}: member {name} claims {info.file_size} bytes, "
                              f"expected {'' if exact else 'at most '}{limit}")
    if info.file_size > max(info.compress_size, 1) * MAX_COMPRESSION:
        raise ConversionError(f"{archive.filename}: member {name} claims {info.file_size} bytes "
                              f"from {info.compress_size} compressed: refusing a likely zip bomb")
    return info


def _read_member(archive, name, limit, exact=False):
    """A zip member's bytes: the header is checked before decompressing and the read is
    capped at the size it claims, so a zip bomb is refused without using its memory."""
    info = _member_info(archive, name, limit, exact)
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ConversionError(f"{archive.filename}: member {name} is not the size its header claims")
    return data


class _BoundedReader:
    """File-like view of a buffer for the unpickler: a hostile length field can make read()
    return short, never allocate more than the file holds."""

    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def read(self, n=-1):
        end = len(self.buf) if n < 0 else min(self.pos + n, len(self.buf))
        data, self.pos = bytes(self.buf[self.pos:end]), end
        return data

    def readline(self):
        end = self.buf.find(b"\n", self.pos)
        return self.read(-1 if end < 0 else end + 1 - self.pos)


def _read_legacy(path):
    """torch's pre-1.6 format: pickles of the magic number, protocol version, system info,
    the state dict and the storage keys, then each storage as <u64 element count><bytes>."""
    buf = map_file(path)
    stream = _BoundedReader(buf)
    if _load_pickle(stream) != LEGACY_MAGIC:
        raise ConversionError(f"{path}: neither a zip nor a legacy PyTorch checkpoint")
    if _load_pickle(stream) != 1001:
        raise ConversionError(f"{path}: unsupported legacy protocol version")
    sys_info = _load_pickle(stream)
    if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
        raise ConversionError(f"{path}: big-endian checkpoints are not supported")

    storages = {}

    def persistent_load(pid):
        _, storage_type, key, _location, count, view = _storage_pid(pid, 6)
        if view is not None:  # storage views predate torch 0.4 state dicts; never seen in HF files
            raise ConversionError(f"{path}: storage views are not supported")
        return storages.setdefault(key, StorageRef(key, storage_type.dtype, count))

    refs = _state_dict(_load_pickle(stream, persistent_load), path)
    keys = _load_pickle(stream)
    if not isinstance(keys, list) or set(keys) != set(storages) or len(keys) != len(storages):
        raise ConversionError(f"{path}: storage key list does not match the state dict")

    offsets, pos = {}, stream.pos
    for key in keys:
        if pos + 8 > len(buf):
            raise ConversionError(f"{path}: truncated before storage {key}")
        (count,) = struct.unpack("<q", buf[pos:pos + 8])
        storage = storages[key]
        if count != storage.numel:
            raise ConversionError(f"{path}: storage {key} holds {count} elements, expected {storage.numel}")
        size = count * itemsize(storage.dtype)
        if pos + 8 + size > len(buf):
            raise ConversionError(f"{path}: storage {key} runs past the end of the file")
        offsets[key], pos = pos + 8, pos + 8 + size

    def read_storage(storage):
        begin = offsets[storage.key]
        return buf[begin:begin + storage.numel * itemsize(storage.dtype)]
    return _to_tensors(refs, read_storage, path)
