"""Hama's vector Writables (``org.apache.hama.commons.io``): VectorWritable,
DenseVectorWritable, SparseVectorWritable and their Python values (split out of :mod:`writables`)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .wire import _I32, ReadableStream, WritableCodec, WritableError, _read_exact, _read_java_utf, decode_java_utf, encode_java_utf

__all__ = ["NamedVector", "SparseVector", "VectorWritableCodec", "DenseVectorWritableCodec", "SparseVectorWritableCodec"]

# ---------------------------------------------------------------------------
# Vectors (Hama commons)


@dataclass(frozen=True)
class NamedVector:
    """A Hama ``NamedDoubleVector`` / ``NamedFloatVector``: a name and values.

    Parameters
    ----------
    name : str
        The vector's name.
    values : numpy.ndarray
        1-D values.
    """

    name: str
    values: npt.NDArray[Any]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NamedVector):
            return NotImplemented
        return self.name == other.name and bool(np.array_equal(self.values, other.values))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class SparseVector:
    """The content of a Hama ``SparseVectorWritable``.

    Parameters
    ----------
    size : int
        The vector's logical dimension.
    indices : numpy.ndarray
        int32 indices of the stored cells, in file order.
    values : numpy.ndarray
        float64 values of the stored cells.
    """

    size: int
    indices: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    values: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, np.float64))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SparseVector):
            return NotImplemented
        return (
            self.size == other.size
            and bool(np.array_equal(self.indices, other.indices))
            and bool(np.array_equal(self.values, other.values))
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dense(self) -> npt.NDArray[np.float64]:
        """Return the dense float64 array of length :attr:`size`.

        Returns
        -------
        numpy.ndarray
            Zeros except at :attr:`indices`.
        """
        out = np.zeros(self.size, dtype=np.float64)
        out[self.indices] = self.values
        return out


class VectorWritableCodec(WritableCodec):
    """Hama ``VectorWritable`` (float64) / ``FloatVectorWritable`` (float32).

    Format: int32 length, ``length`` values, boolean named, optional
    ``writeUTF`` name.

    Parameters
    ----------
    dtype : str
        ``">f8"`` for ``VectorWritable``, ``">f4"`` for ``FloatVectorWritable``.
    java_class : str
        The Java class name.
    """

    def __init__(self, dtype: str, java_class: str) -> None:
        self.dtype = np.dtype(dtype)
        self.native = self.dtype.newbyteorder("=")
        self.java_class = java_class

    def encode(self, value: Any) -> bytes:
        name: str | None = None
        if isinstance(value, NamedVector):
            name = value.name
            value = value.values
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise WritableError(f"{self.java_class} needs a 1-D array, got shape {arr.shape}")
        body = arr.astype(self.dtype, copy=False).tobytes()
        tail = b"\x00" if name is None else b"\x01" + encode_java_utf(name)
        return _I32.pack(arr.shape[0]) + body + tail

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        (n,) = _I32.unpack_from(buf, offset)
        if n < 0:
            raise WritableError(f"negative vector length {n}")
        start = offset + 4
        stop = start + n * self.dtype.itemsize
        if stop >= len(buf):
            raise IndexError("vector runs past the end of the buffer")
        arr = np.frombuffer(buf, dtype=self.dtype, count=n, offset=start).astype(self.native)
        named = buf[stop]
        off = stop + 1
        if named:
            name, off = decode_java_utf(buf, off)
            return NamedVector(name, arr), off
        return arr, off

    def read(self, stream: ReadableStream) -> Any:
        (n,) = _I32.unpack(_read_exact(stream, 4))
        if n < 0:
            raise WritableError(f"negative vector length {n}")
        body = _read_exact(stream, n * self.dtype.itemsize)
        arr = np.frombuffer(body, dtype=self.dtype).astype(self.native)
        if _read_exact(stream, 1)[0]:
            return NamedVector(_read_java_utf(stream), arr)
        return arr


_PAIR_DTYPE = np.dtype([("i", ">i4"), ("v", ">f8")])
#: Most zero cells a DenseVectorWritable may declare beyond its stored cells (32 MiB).
_DENSE_MAX_ZERO_FILL = 1 << 22


class DenseVectorWritableCodec(WritableCodec):
    """Hama ``DenseVectorWritable``: size, count, then (int32 index, double) pairs."""

    java_class = "org.apache.hama.commons.io.DenseVectorWritable"

    def encode(self, value: Any) -> bytes:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 1:
            raise WritableError(f"DenseVectorWritable needs a 1-D array, got shape {arr.shape}")
        n = arr.shape[0]
        pairs = np.empty(n, dtype=_PAIR_DTYPE)
        pairs["i"] = np.arange(n, dtype=np.int32)
        pairs["v"] = arr
        return _I32.pack(n) + _I32.pack(n) + pairs.tobytes()

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        size, count = struct.unpack_from(">ii", buf, offset)
        if size < 0 or count < 0:
            raise WritableError(f"bad DenseVectorWritable size {size} / count {count}")
        start = offset + 8
        stop = start + count * _PAIR_DTYPE.itemsize
        if stop > len(buf):
            raise IndexError("DenseVectorWritable runs past the end of the buffer")
        if size > count and size - count > _DENSE_MAX_ZERO_FILL:
            # Sparse-style entries are allowed, but a corrupt dimension must
            # not allocate gigabytes of zeros (Java would run out of heap).
            raise WritableError(
                f"implausible DenseVectorWritable size {size} for {count} stored cells"
            )
        pairs = np.frombuffer(buf, dtype=_PAIR_DTYPE, count=count, offset=start)
        out = np.zeros(size, dtype=np.float64)
        idx = pairs["i"].astype(np.int64)
        if count and (idx.min() < 0 or idx.max() >= size):
            raise WritableError("DenseVectorWritable index out of range")
        out[idx] = pairs["v"]
        return out, stop

    def read(self, stream: ReadableStream) -> Any:
        head = _read_exact(stream, 8)
        (count,) = _I32.unpack_from(head, 4)
        if count < 0:
            raise WritableError(f"bad DenseVectorWritable count {count}")
        return self.decode(head + _read_exact(stream, count * _PAIR_DTYPE.itemsize))[0]


class SparseVectorWritableCodec(WritableCodec):
    """Hama ``SparseVectorWritable``: size, count, then (int32 index, double) pairs."""

    java_class = "org.apache.hama.commons.io.SparseVectorWritable"

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, SparseVector):
            raise WritableError(f"SparseVectorWritable needs a SparseVector, got {type(value).__name__}")
        idx = np.asarray(value.indices)
        vals = np.asarray(value.values)
        if idx.shape != vals.shape or idx.ndim != 1:
            raise WritableError("SparseVector indices and values must be 1-D and equally long")
        n = idx.shape[0]
        pairs = np.empty(n, dtype=_PAIR_DTYPE)
        pairs["i"] = idx
        pairs["v"] = vals
        return _I32.pack(value.size) + _I32.pack(n) + pairs.tobytes()

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        size, count = struct.unpack_from(">ii", buf, offset)
        if count < 0:
            raise WritableError(f"bad SparseVectorWritable count {count}")
        start = offset + 8
        stop = start + count * _PAIR_DTYPE.itemsize
        if stop > len(buf):
            raise IndexError("SparseVectorWritable runs past the end of the buffer")
        pairs = np.frombuffer(buf, dtype=_PAIR_DTYPE, count=count, offset=start)
        return (
            SparseVector(size, pairs["i"].astype(np.int32), pairs["v"].astype(np.float64)),
            stop,
        )

    def read(self, stream: ReadableStream) -> Any:
        head = _read_exact(stream, 8)
        (count,) = _I32.unpack_from(head, 4)
        if count < 0:
            raise WritableError(f"bad SparseVectorWritable count {count}")
        return self.decode(head + _read_exact(stream, count * _PAIR_DTYPE.itemsize))[0]


