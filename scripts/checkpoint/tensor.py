"""Lazily read tensors, and the single place where source dtypes become float32."""
import numpy as np

from .errors import ConversionError

# safetensors dtype name -> little-endian numpy dtype. BF16 has no numpy type: kept as raw u16.
DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?",
}


def itemsize(dtype):
    return np.dtype(DTYPES[dtype]).itemsize


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Tensor:
    """Shape and dtype known up front; the values are read only when needed, so converting
    a large checkpoint never holds more than the tensors of one output entry in memory."""

    def __init__(self, dtype, shape, read, origin):
        self.dtype = dtype            # a DTYPES key
        self.shape = tuple(shape)
        self._read = read             # () -> numpy array of DTYPES[dtype] with self.shape
        self.origin = origin          # file the tensor lives in, for error messages

    def require_float(self, name):
        if self.dtype not in ("F32", "F16", "BF16"):
            raise ConversionError(
                f"tensor {name} in {self.origin} has dtype {self.dtype}; expected F32, F16 or BF16")

    def float32(self, name):
        """The values as little-endian float32, bit-exact: f16 widens exactly, and bf16 is
        the upper half of an f32, so shifting its bits left by 16 reproduces it exactly."""
        self.require_float(name)
        values = self._read()
        if values.shape != self.shape:  # a reader bug, never the input's fault
            raise AssertionError(f"{name}: read shape {values.shape}, declared {self.shape}")
        if self.dtype == "BF16":
            return (values.astype("<u4") << 16).view("<f4")
        return values.astype("<f4", copy=False)
