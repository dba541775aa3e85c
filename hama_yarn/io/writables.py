"""Hadoop ``Writable`` serialization for plain Python values, byte-identical to Java.

Each Java Writable class is represented by a *codec* object (a
:class:`WritableCodec`) that turns a Python value into the exact bytes the
Java class's ``write(DataOutput)`` produces, and back.  Codecs are looked up
by Java class name in a registry (:func:`get_writable`,
:func:`register_writable`), which is how :mod:`hama_yarn.io.sequencefile`
resolves the key/value class names stored in a SequenceFile header.

Python value mapping
--------------------
============================================  ==================================
Java class                                    Python value
============================================  ==================================
``org.apache.hadoop.io.Text``                 ``str``
``org.apache.hadoop.io.BytesWritable``        ``bytes``
``org.apache.hadoop.io.IntWritable``          ``int`` (int32)
``org.apache.hadoop.io.LongWritable``         ``int`` (int64)
``org.apache.hadoop.io.VIntWritable``         ``int`` (int32, zero-compressed)
``org.apache.hadoop.io.VLongWritable``        ``int`` (int64, zero-compressed)
``org.apache.hadoop.io.FloatWritable``        ``float`` (float32)
``org.apache.hadoop.io.DoubleWritable``       ``float``
``org.apache.hadoop.io.BooleanWritable``      ``bool``
``org.apache.hadoop.io.NullWritable``         ``None``
``org.apache.hadoop.io.MapWritable``          ``dict``
``org.apache.hama.commons.io.TextArrayWritable``   ``list[str]``
``org.apache.hama.commons.io.FloatArrayWritable``  ``list[float]``
``org.apache.hama.commons.io.StringArrayWritable`` ``list[str]`` (``writeUTF``)
``org.apache.hama.commons.io.VectorWritable``      ``numpy.ndarray`` (float64) or
                                                   :class:`NamedVector`
``org.apache.hama.commons.io.FloatVectorWritable`` ``numpy.ndarray`` (float32) or
                                                   :class:`NamedVector`
``org.apache.hama.commons.io.DenseVectorWritable`` ``numpy.ndarray`` (float64)
``org.apache.hama.commons.io.SparseVectorWritable`` :class:`SparseVector`
============================================  ==================================

Formats (all integers big-endian, as ``java.io.DataOutput``):

* ``Text``: Hadoop VInt byte length, then UTF-8 bytes.
* ``BytesWritable``: int32 length, then the bytes.
* VInt / VLong: ``WritableUtils.writeVLong`` zero-compressed encoding; see
  :func:`encode_vlong`.
* ``ArrayWritable`` subclasses: int32 count, then each element's bytes (the
  element class is fixed by the subclass and not written).
* ``MapWritable`` (``AbstractMapWritable.write`` + ``MapWritable.write``):
  byte ``n`` = number of non-predefined classes, then ``n`` times (byte id,
  ``writeUTF`` class name); int32 entry count; per entry byte key-class id,
  key bytes, byte value-class id, value bytes.  Predefined ids are
  ``ArrayWritable=-127`` ... ``VLongWritable=-113`` (see
  :data:`MAP_WRITABLE_PREDEFINED_IDS`); new classes get ids 1, 2, ...
* Hama ``VectorWritable``: int32 length, ``length`` doubles, boolean "named",
  and if named the name as ``writeUTF``.  ``FloatVectorWritable`` is the same
  with floats.
* Hama ``DenseVectorWritable``: int32 size, int32 count, then ``count`` times
  (int32 index, double value); the Java writer always writes ``count = size``
  and index ``i`` for slot ``i``.
* Hama ``SparseVectorWritable``: int32 size, int32 count, then ``count``
  times (int32 index, double value).
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .vectors import (
    DenseVectorWritableCodec,
    NamedVector,
    SparseVector,
    SparseVectorWritableCodec,
    VectorWritableCodec,
)
from .wire import (
    _I32,
    _VLONG_MAX,
    _VLONG_MIN,
    ReadableStream,
    UnknownWritableError,
    WritableCodec,
    WritableError,
    WritableStream,
    _read_exact,
    _read_java_utf,
    decode_java_utf,
    decode_vlong,
    encode_java_utf,
    encode_vlong,
    read_vlong,
    vlong_size,
    write_vlong,
)

__all__ = [
    "WritableError",
    "UnknownWritableError",
    "ReadableStream",
    "WritableStream",
    "WritableCodec",
    "NamedVector",
    "SparseVector",
    "Typed",
    "TEXT",
    "BYTES_WRITABLE",
    "INT_WRITABLE",
    "LONG_WRITABLE",
    "VINT_WRITABLE",
    "VLONG_WRITABLE",
    "FLOAT_WRITABLE",
    "DOUBLE_WRITABLE",
    "BOOLEAN_WRITABLE",
    "NULL_WRITABLE",
    "ARRAY_WRITABLE",
    "MAP_WRITABLE",
    "TEXT_ARRAY_WRITABLE",
    "FLOAT_ARRAY_WRITABLE",
    "STRING_ARRAY_WRITABLE",
    "VECTOR_WRITABLE",
    "FLOAT_VECTOR_WRITABLE",
    "DENSE_VECTOR_WRITABLE",
    "SPARSE_VECTOR_WRITABLE",
    "MAP_WRITABLE_PREDEFINED_IDS",
    "encode_vlong",
    "decode_vlong",
    "vlong_size",
    "write_vlong",
    "read_vlong",
    "encode_java_utf",
    "decode_java_utf",
    "TextCodec",
    "BytesWritableCodec",
    "IntWritableCodec",
    "LongWritableCodec",
    "VIntWritableCodec",
    "VLongWritableCodec",
    "FloatWritableCodec",
    "DoubleWritableCodec",
    "BooleanWritableCodec",
    "NullWritableCodec",
    "ArrayWritableCodec",
    "StringArrayWritableCodec",
    "MapWritableCodec",
    "VectorWritableCodec",
    "DenseVectorWritableCodec",
    "SparseVectorWritableCodec",
    "register_writable",
    "get_writable",
    "registered_writables",
    "infer_writable_class",
    "serialize",
    "deserialize",
]

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Scalar codecs

_I64 = struct.Struct(">q")
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1


class TextCodec(WritableCodec):
    """``org.apache.hadoop.io.Text``: VInt byte length + UTF-8.

    Decoding replaces malformed UTF-8 with U+FFFD, as ``Text.toString()``
    does.
    """

    java_class = "org.apache.hadoop.io.Text"

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise WritableError(f"Text needs a str, got {type(value).__name__}")
        raw = value.encode("utf-8")
        n = len(raw)
        if n < 128:
            return bytes((n,)) + raw
        return encode_vlong(n) + raw

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        n = buf[offset]
        if n < 128:
            start = offset + 1
        else:
            n, start = decode_vlong(buf, offset)
            if n < 0:
                raise WritableError(f"negative Text length {n}")
        stop = start + n
        if stop > len(buf):
            raise IndexError("Text runs past the end of the buffer")
        return buf[start:stop].decode("utf-8", "replace"), stop

    def read(self, stream: ReadableStream) -> Any:
        n = read_vlong(stream)
        if n < 0:
            raise WritableError(f"negative Text length {n}")
        return _read_exact(stream, n).decode("utf-8", "replace")


class BytesWritableCodec(WritableCodec):
    """``org.apache.hadoop.io.BytesWritable``: int32 length + bytes."""

    java_class = "org.apache.hadoop.io.BytesWritable"

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise WritableError(f"BytesWritable needs bytes, got {type(value).__name__}")
        return _I32.pack(len(value)) + bytes(value)

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        (n,) = _I32.unpack_from(buf, offset)
        start = offset + 4
        stop = start + n
        if n < 0 or stop > len(buf):
            raise WritableError(f"bad BytesWritable length {n}")
        return buf[start:stop], stop

    def read(self, stream: ReadableStream) -> Any:
        (n,) = _I32.unpack(_read_exact(stream, 4))
        if n < 0:
            raise WritableError(f"negative BytesWritable length {n}")
        return _read_exact(stream, n)

    def write(self, stream: WritableStream, value: Any) -> None:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise WritableError(f"BytesWritable needs bytes, got {type(value).__name__}")
        stream.write(_I32.pack(len(value)))
        stream.write(bytes(value))


class _FixedCodec(WritableCodec):
    """A fixed-width value packed with one precompiled Struct."""

    _struct: struct.Struct

    def read(self, stream: ReadableStream) -> Any:
        return self.decode(_read_exact(stream, self._struct.size), 0)[0]


def _check_int(value: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise WritableError(f"{what} needs an int, got {type(value).__name__}")
    v = int(value)
    if not lo <= v <= hi:
        raise WritableError(f"{v} out of range for {what}")
    return v


class IntWritableCodec(_FixedCodec):
    """``org.apache.hadoop.io.IntWritable``: big-endian int32."""

    java_class = "org.apache.hadoop.io.IntWritable"
    _struct = _I32

    def encode(self, value: Any) -> bytes:
        return _I32.pack(_check_int(value, _I32_MIN, _I32_MAX, "IntWritable"))

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return _I32.unpack_from(buf, offset)[0], offset + 4


class LongWritableCodec(_FixedCodec):
    """``org.apache.hadoop.io.LongWritable``: big-endian int64."""

    java_class = "org.apache.hadoop.io.LongWritable"
    _struct = _I64

    def encode(self, value: Any) -> bytes:
        try:
            return _I64.pack(value)
        except struct.error:
            return _I64.pack(_check_int(value, _VLONG_MIN, _VLONG_MAX, "LongWritable"))

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return _I64.unpack_from(buf, offset)[0], offset + 8


class VLongWritableCodec(WritableCodec):
    """``org.apache.hadoop.io.VLongWritable``: zero-compressed int64."""

    java_class = "org.apache.hadoop.io.VLongWritable"

    def encode(self, value: Any) -> bytes:
        return encode_vlong(_check_int(value, _VLONG_MIN, _VLONG_MAX, "VLongWritable"))

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return decode_vlong(buf, offset)

    def read(self, stream: ReadableStream) -> Any:
        return read_vlong(stream)


class VIntWritableCodec(VLongWritableCodec):
    """``org.apache.hadoop.io.VIntWritable``: zero-compressed int32."""

    java_class = "org.apache.hadoop.io.VIntWritable"

    def encode(self, value: Any) -> bytes:
        return encode_vlong(_check_int(value, _I32_MIN, _I32_MAX, "VIntWritable"))

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        v, off = decode_vlong(buf, offset)
        if not _I32_MIN <= v <= _I32_MAX:
            raise WritableError("value too long to fit in integer")
        return v, off

    def read(self, stream: ReadableStream) -> Any:
        v = read_vlong(stream)
        if not _I32_MIN <= v <= _I32_MAX:
            raise WritableError("value too long to fit in integer")
        return v


class FloatWritableCodec(_FixedCodec):
    """``org.apache.hadoop.io.FloatWritable``: big-endian IEEE float32."""

    java_class = "org.apache.hadoop.io.FloatWritable"
    _struct = _F32

    def encode(self, value: Any) -> bytes:
        try:
            return _F32.pack(value)
        except (struct.error, OverflowError) as exc:
            raise WritableError(f"FloatWritable cannot hold {value!r}: {exc}") from exc

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return _F32.unpack_from(buf, offset)[0], offset + 4


class DoubleWritableCodec(_FixedCodec):
    """``org.apache.hadoop.io.DoubleWritable``: big-endian IEEE float64."""

    java_class = "org.apache.hadoop.io.DoubleWritable"
    _struct = _F64

    def encode(self, value: Any) -> bytes:
        try:
            return _F64.pack(value)
        except struct.error as exc:
            raise WritableError(f"DoubleWritable cannot hold {value!r}: {exc}") from exc

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return _F64.unpack_from(buf, offset)[0], offset + 8


class BooleanWritableCodec(WritableCodec):
    """``org.apache.hadoop.io.BooleanWritable``: one byte, 0 or 1."""

    java_class = "org.apache.hadoop.io.BooleanWritable"

    def encode(self, value: Any) -> bytes:
        return b"\x01" if value else b"\x00"

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return buf[offset] != 0, offset + 1

    def read(self, stream: ReadableStream) -> Any:
        return _read_exact(stream, 1)[0] != 0


class NullWritableCodec(WritableCodec):
    """``org.apache.hadoop.io.NullWritable``: zero bytes, value ``None``."""

    java_class = "org.apache.hadoop.io.NullWritable"

    def encode(self, value: Any) -> bytes:
        if value is not None:
            raise WritableError(f"NullWritable holds only None, got {type(value).__name__}")
        return b""

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        return None, offset

    def read(self, stream: ReadableStream) -> Any:
        return None


# ---------------------------------------------------------------------------
# Arrays


class ArrayWritableCodec(WritableCodec):
    """An ``ArrayWritable`` subclass: int32 count, then each element.

    Parameters
    ----------
    element_class : str
        Java class name of the elements (e.g. ``org.apache.hadoop.io.Text``);
        resolved lazily in the registry.
    java_class : str, optional
        The concrete subclass name (Java's plain ``ArrayWritable`` cannot be
        instantiated by a SequenceFile reader, so files name a subclass).
    """

    def __init__(self, element_class: str, java_class: str = "org.apache.hadoop.io.ArrayWritable") -> None:
        self.element_class = element_class
        self.java_class = java_class

    def encode(self, value: Any) -> bytes:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise WritableError(f"{self.java_class} needs a sequence, got {type(value).__name__}")
        enc = get_writable(self.element_class).encode
        return _I32.pack(len(value)) + b"".join([enc(v) for v in value])

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        (n,) = _I32.unpack_from(buf, offset)
        if n < 0:
            raise WritableError(f"negative {self.java_class} length {n}")
        dec = get_writable(self.element_class).decode
        off = offset + 4
        out: list[Any] = []
        append = out.append
        if self.element_class == TEXT:
            # TextCodec.decode inlined for one-byte lengths (graph adjacency lists: millions of short ids)
            size = len(buf)
            for _ in range(n):
                length = buf[off]
                if length < 128:
                    start = off + 1
                    off = start + length
                    if off > size:
                        raise IndexError("Text runs past the end of the buffer")
                    append(buf[start:off].decode("utf-8", "replace"))
                else:
                    v, off = dec(buf, off, end)
                    append(v)
            return out, off
        for _ in range(n):
            v, off = dec(buf, off, end)
            append(v)
        return out, off

    def read(self, stream: ReadableStream) -> Any:
        (n,) = _I32.unpack(_read_exact(stream, 4))
        if n < 0:
            raise WritableError(f"negative {self.java_class} length {n}")
        rd = get_writable(self.element_class).read
        return [rd(stream) for _ in range(n)]


class StringArrayWritableCodec(WritableCodec):
    """Hama ``StringArrayWritable``: int32 count, then ``writeUTF`` strings."""

    java_class = "org.apache.hama.commons.io.StringArrayWritable"

    def encode(self, value: Any) -> bytes:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise WritableError(f"StringArrayWritable needs a list of str, got {type(value).__name__}")
        return _I32.pack(len(value)) + b"".join([encode_java_utf(s) for s in value])

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        (n,) = _I32.unpack_from(buf, offset)
        if n < 0:
            raise WritableError(f"negative StringArrayWritable length {n}")
        off = offset + 4
        out = []
        for _ in range(n):
            s, off = decode_java_utf(buf, off)
            out.append(s)
        return out, off

    def read(self, stream: ReadableStream) -> Any:
        (n,) = _I32.unpack(_read_exact(stream, 4))
        if n < 0:
            raise WritableError(f"negative StringArrayWritable length {n}")
        return [_read_java_utf(stream) for _ in range(n)]


# ---------------------------------------------------------------------------
# MapWritable


class Typed(NamedTuple):
    """A value paired with an explicit Java Writable class.

    Use inside a ``dict`` written as ``MapWritable`` to pick a class other
    than the one :func:`infer_writable_class` would choose, e.g.
    ``{Typed("org.apache.hadoop.io.IntWritable", 1): "one"}``.

    Parameters
    ----------
    java_class : str
        The Java class name.
    value : Any
        The Python value.
    """

    java_class: str
    value: Any


#: ``AbstractMapWritable``'s constructor-registered class ids.
MAP_WRITABLE_PREDEFINED_IDS: dict[str, int] = {
    "org.apache.hadoop.io.ArrayWritable": -127,
    "org.apache.hadoop.io.BooleanWritable": -126,
    "org.apache.hadoop.io.BytesWritable": -125,
    "org.apache.hadoop.io.FloatWritable": -124,
    "org.apache.hadoop.io.IntWritable": -123,
    "org.apache.hadoop.io.LongWritable": -122,
    "org.apache.hadoop.io.MapWritable": -121,
    "org.apache.hadoop.io.MD5Hash": -120,
    "org.apache.hadoop.io.NullWritable": -119,
    "org.apache.hadoop.io.ObjectWritable": -118,
    "org.apache.hadoop.io.SortedMapWritable": -117,
    "org.apache.hadoop.io.Text": -116,
    "org.apache.hadoop.io.TwoDArrayWritable": -115,
    "org.apache.hadoop.io.VIntWritable": -114,
    "org.apache.hadoop.io.VLongWritable": -113,
}
_PREDEFINED_BY_ID = {v: k for k, v in MAP_WRITABLE_PREDEFINED_IDS.items()}


class MapWritableCodec(WritableCodec):
    """``org.apache.hadoop.io.MapWritable``: class table + typed entries.

    Reading yields a ``dict`` of plain Python values.  Writing accepts a
    mapping whose keys and values are plain values (their class is chosen by
    :func:`infer_writable_class`) or :class:`Typed` pairs.  Entries are
    written in the mapping's iteration order; new (non-predefined) classes
    get ids 1, 2, ... in order of first appearance, as ``MapWritable.put``
    assigns them.
    """

    java_class = "org.apache.hadoop.io.MapWritable"

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, Mapping):
            raise WritableError(f"MapWritable needs a mapping, got {type(value).__name__}")
        new_ids: dict[str, int] = {}
        body: list[bytes] = [_I32.pack(len(value))]

        def class_id(cls: str) -> int:
            cid = MAP_WRITABLE_PREDEFINED_IDS.get(cls)
            if cid is None:
                cid = new_ids.get(cls)
                if cid is None:
                    if len(new_ids) >= 127:
                        raise WritableError("MapWritable supports at most 127 new classes")
                    cid = new_ids[cls] = len(new_ids) + 1
            return cid

        for k, v in value.items():
            for item in (k, v):
                if isinstance(item, Typed):
                    cls, raw = item.java_class, item.value
                else:
                    cls, raw = infer_writable_class(item), item
                body.append(bytes((class_id(cls) & 0xFF,)))
                body.append(get_writable(cls).encode(raw))
        header = [bytes((len(new_ids),))]
        for cls, cid in new_ids.items():
            header.append(bytes((cid,)))
            header.append(encode_java_utf(cls))
        return b"".join(header + body)

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        n_new = buf[offset]
        if n_new > 127:
            raise WritableError(f"bad MapWritable class-table size {n_new - 256}")
        off = offset + 1
        by_id = dict(_PREDEFINED_BY_ID)
        for _ in range(n_new):
            cid = buf[off]
            if cid > 127:
                cid -= 256
            name, off = decode_java_utf(buf, off + 1)
            by_id[cid] = name
        (count,) = _I32.unpack_from(buf, off)
        if count < 0:
            raise WritableError(f"negative MapWritable size {count}")
        off += 4
        out: dict[Any, Any] = {}
        for _ in range(count):
            kid = buf[off]
            kcls = by_id.get(kid if kid < 128 else kid - 256)
            if kcls is None:
                raise WritableError(f"MapWritable key class id {kid} is not in its class table")
            key, off = get_writable(kcls).decode(buf, off + 1, end)
            vid = buf[off]
            vcls = by_id.get(vid if vid < 128 else vid - 256)
            if vcls is None:
                raise WritableError(f"MapWritable value class id {vid} is not in its class table")
            val, off = get_writable(vcls).decode(buf, off + 1, end)
            out[key] = val
        return out, off

    def read(self, stream: ReadableStream) -> Any:
        n_new = _read_exact(stream, 1)[0]
        if n_new > 127:
            raise WritableError(f"bad MapWritable class-table size {n_new - 256}")
        by_id = dict(_PREDEFINED_BY_ID)
        for _ in range(n_new):
            cid = _read_exact(stream, 1)[0]
            by_id[cid if cid < 128 else cid - 256] = _read_java_utf(stream)
        (count,) = _I32.unpack(_read_exact(stream, 4))
        if count < 0:
            raise WritableError(f"negative MapWritable size {count}")
        out: dict[Any, Any] = {}
        for _ in range(count):
            kid = _read_exact(stream, 1)[0]
            kcls = by_id.get(kid if kid < 128 else kid - 256)
            if kcls is None:
                raise WritableError(f"MapWritable key class id {kid} is not in its class table")
            key = get_writable(kcls).read(stream)
            vid = _read_exact(stream, 1)[0]
            vcls = by_id.get(vid if vid < 128 else vid - 256)
            if vcls is None:
                raise WritableError(f"MapWritable value class id {vid} is not in its class table")
            out[key] = get_writable(vcls).read(stream)
        return out


# ---------------------------------------------------------------------------
# Registry

TEXT = "org.apache.hadoop.io.Text"
BYTES_WRITABLE = "org.apache.hadoop.io.BytesWritable"
INT_WRITABLE = "org.apache.hadoop.io.IntWritable"
LONG_WRITABLE = "org.apache.hadoop.io.LongWritable"
VINT_WRITABLE = "org.apache.hadoop.io.VIntWritable"
VLONG_WRITABLE = "org.apache.hadoop.io.VLongWritable"
FLOAT_WRITABLE = "org.apache.hadoop.io.FloatWritable"
DOUBLE_WRITABLE = "org.apache.hadoop.io.DoubleWritable"
BOOLEAN_WRITABLE = "org.apache.hadoop.io.BooleanWritable"
NULL_WRITABLE = "org.apache.hadoop.io.NullWritable"
ARRAY_WRITABLE = "org.apache.hadoop.io.ArrayWritable"
MAP_WRITABLE = "org.apache.hadoop.io.MapWritable"
TEXT_ARRAY_WRITABLE = "org.apache.hama.commons.io.TextArrayWritable"
FLOAT_ARRAY_WRITABLE = "org.apache.hama.commons.io.FloatArrayWritable"
STRING_ARRAY_WRITABLE = "org.apache.hama.commons.io.StringArrayWritable"
VECTOR_WRITABLE = "org.apache.hama.commons.io.VectorWritable"
FLOAT_VECTOR_WRITABLE = "org.apache.hama.commons.io.FloatVectorWritable"
DENSE_VECTOR_WRITABLE = "org.apache.hama.commons.io.DenseVectorWritable"
SPARSE_VECTOR_WRITABLE = "org.apache.hama.commons.io.SparseVectorWritable"

_REGISTRY: dict[str, WritableCodec] = {}
_REGISTRY_LOCK = threading.Lock()


def register_writable(java_class_name: str, codec: WritableCodec, *, replace: bool = True) -> None:
    """Register (or replace) the codec for a Java Writable class name.

    Parameters
    ----------
    java_class_name : str
        Fully qualified Java class name, e.g. ``"com.example.PointWritable"``.
    codec : WritableCodec
        Object implementing ``encode``/``decode`` or ``read``/``write``.
    replace : bool, optional
        If false, refuse to overwrite an existing registration.

    Raises
    ------
    WritableError
        If ``replace`` is false and the name is already registered.
    """
    if not isinstance(codec, WritableCodec):
        raise TypeError(f"codec must be a WritableCodec, got {type(codec).__name__}")
    with _REGISTRY_LOCK:
        if not replace and java_class_name in _REGISTRY:
            raise WritableError(f"{java_class_name} is already registered")
        _REGISTRY[java_class_name] = codec
    logger.debug("registered Writable codec %r for %s", codec, java_class_name)


def get_writable(java_class_name: str) -> WritableCodec:
    """Return the codec registered for a Java class name.

    Parameters
    ----------
    java_class_name : str
        Fully qualified Java class name.

    Returns
    -------
    WritableCodec
        The codec.

    Raises
    ------
    UnknownWritableError
        If nothing is registered under that name.
    """
    try:
        return _REGISTRY[java_class_name]
    except KeyError:
        raise UnknownWritableError(java_class_name) from None


def registered_writables() -> dict[str, WritableCodec]:
    """Return a snapshot of the registry.

    Returns
    -------
    dict of str to WritableCodec
        Java class name to codec.
    """
    with _REGISTRY_LOCK:
        return dict(_REGISTRY)


for _codec in (
    TextCodec(),
    BytesWritableCodec(),
    IntWritableCodec(),
    LongWritableCodec(),
    VIntWritableCodec(),
    VLongWritableCodec(),
    FloatWritableCodec(),
    DoubleWritableCodec(),
    BooleanWritableCodec(),
    NullWritableCodec(),
    MapWritableCodec(),
    ArrayWritableCodec(TEXT, TEXT_ARRAY_WRITABLE),
    ArrayWritableCodec(FLOAT_WRITABLE, FLOAT_ARRAY_WRITABLE),
    StringArrayWritableCodec(),
    VectorWritableCodec(">f8", VECTOR_WRITABLE),
    VectorWritableCodec(">f4", FLOAT_VECTOR_WRITABLE),
    DenseVectorWritableCodec(),
    SparseVectorWritableCodec(),
):
    register_writable(_codec.java_class, _codec)
del _codec


class PipesStringCodec(TextCodec):
    """Hama Pipes' ``PipesVectorWritable``/``PipesKeyValueWritable``: ``Text.writeString`` of their
    string form (``"v1, v2"`` / ``":key:value"``); the Python value is that ``str`` (sequences are
    joined with ``", "``)."""

    def __init__(self, java_class: str) -> None:
        self.java_class = java_class

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str) and isinstance(value, (list, tuple, np.ndarray)):
            value = ", ".join(repr(float(v)) for v in np.asarray(value, dtype=float).ravel())
        return super().encode(value)


for _name in ("org.apache.hama.commons.io.PipesVectorWritable", "org.apache.hama.commons.io.PipesKeyValueWritable"):
    register_writable(_name, PipesStringCodec(_name))
del _name


def _infer_sequence(value: Sequence[Any]) -> str:
    if all(isinstance(v, str) for v in value):
        return TEXT_ARRAY_WRITABLE
    raise WritableError(
        "cannot infer a Writable class for a list that is not all str; "
        "use Typed(...) or an explicit class name"
    )


_INFER_EXACT: dict[type, str] = {
    str: TEXT,
    bytes: BYTES_WRITABLE,
    bytearray: BYTES_WRITABLE,
    int: LONG_WRITABLE,
    float: DOUBLE_WRITABLE,
    bool: BOOLEAN_WRITABLE,
    type(None): NULL_WRITABLE,
    dict: MAP_WRITABLE,
    SparseVector: SPARSE_VECTOR_WRITABLE,
    NamedVector: VECTOR_WRITABLE,
}


def infer_writable_class(value: object) -> str:
    """Pick the default Java Writable class for a Python value.

    ``str`` -> Text, ``bytes`` -> BytesWritable, ``int`` -> LongWritable,
    ``float`` -> DoubleWritable, ``bool`` -> BooleanWritable, ``None`` ->
    NullWritable, ``dict`` -> MapWritable, 1-D float ``numpy`` array ->
    DenseVectorWritable, ``list[str]`` -> TextArrayWritable,
    :class:`SparseVector` -> SparseVectorWritable, :class:`NamedVector` ->
    VectorWritable, :class:`Typed` -> its class.

    Parameters
    ----------
    value : object
        The value.

    Returns
    -------
    str
        A Java class name registered in the registry.

    Raises
    ------
    WritableError
        If there is no default for the value's type.
    """
    cls = _INFER_EXACT.get(type(value))
    if cls is not None:
        return cls
    if isinstance(value, Typed):
        return value.java_class
    if isinstance(value, np.ndarray):
        if value.ndim == 1 and value.dtype.kind == "f":
            return DENSE_VECTOR_WRITABLE
        raise WritableError(f"no default Writable for a {value.ndim}-D {value.dtype} array")
    if isinstance(value, np.floating):
        return DOUBLE_WRITABLE
    if isinstance(value, (np.integer,)):
        return LONG_WRITABLE
    if isinstance(value, np.bool_):
        return BOOLEAN_WRITABLE
    if isinstance(value, (list, tuple)):
        return _infer_sequence(value)
    if isinstance(value, Mapping):
        return MAP_WRITABLE
    if isinstance(value, bool):
        return BOOLEAN_WRITABLE
    if isinstance(value, int):
        return LONG_WRITABLE
    if isinstance(value, float):
        return DOUBLE_WRITABLE
    if isinstance(value, str):
        return TEXT
    if isinstance(value, (bytes, bytearray, memoryview)):
        return BYTES_WRITABLE
    raise WritableError(f"no default Writable class for Python type {type(value).__name__}")


def serialize(java_class_name: str, value: Any) -> bytes:
    """Serialize ``value`` as the named Java Writable class.

    Parameters
    ----------
    java_class_name : str
        Fully qualified Java class name.
    value : Any
        The Python value.

    Returns
    -------
    bytes
        Exactly what Java's ``write(DataOutput)`` produces.
    """
    return get_writable(java_class_name).encode(value)


def deserialize(java_class_name: str, data: bytes) -> Any:
    """Deserialize a whole buffer as the named Java Writable class.

    Parameters
    ----------
    java_class_name : str
        Fully qualified Java class name.
    data : bytes
        The serialized value (exactly one value, nothing after it).

    Returns
    -------
    Any
        The Python value.

    Raises
    ------
    WritableError
        If the bytes are malformed or not fully consumed.
    """
    data = bytes(data)
    try:
        value, end = get_writable(java_class_name).decode(data, 0, len(data))
    except (struct.error, IndexError, UnicodeError) as exc:
        raise WritableError(f"malformed {java_class_name}: {exc}") from exc
    if end != len(data):
        raise WritableError(
            f"{java_class_name} used {end} of {len(data)} bytes"
        )
    return value
