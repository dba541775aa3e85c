"""Typed keys, values and messages on the binary Pipes wire, as Hama's Java side writes them.

Hama's ``BinaryProtocol.writeObject``/``UplinkReader.readObject`` put ``IntWritable`` and
``VIntWritable`` as a VInt, ``LongWritable``/``VLongWritable`` as a VLong, ``FloatWritable`` and
``DoubleWritable`` as 4/8-byte big-endian IEEE, ``BooleanWritable`` as one byte, ``NullWritable``
as nothing, and everything else (``Text``, ``BytesWritable``, ``PipesVectorWritable``,
``PipesKeyValueWritable``, unknown classes) as a string (VInt length + UTF-8).  The class of each
slot comes from the job (``bsp.input.key.class``, ``bsp.output.value.class``,
``bsp.message.class`` ...) or from ``SEQFILE_OPEN``; an unset class means a string, which keeps
string-only children (the C library, Hama's Submitter defaults) working.

Hama's ``PipesVectorWritable`` and ``PipesKeyValueWritable`` SequenceFile codecs (their string
form) are registered in :mod:`hama_yarn.io.writables`.
"""

from __future__ import annotations

import struct
from typing import Any, Protocol


__all__ = ["STRING", "VINT", "FLOAT", "DOUBLE", "BOOL", "NULL", "wire_kind", "put", "get", "sort_key",
           "PIPES_VECTOR", "PIPES_KEY_VALUE"]

STRING, VINT, FLOAT, DOUBLE, BOOL, NULL = "string", "vint", "float", "double", "bool", "null"
PIPES_VECTOR = "org.apache.hama.commons.io.PipesVectorWritable"
PIPES_KEY_VALUE = "org.apache.hama.commons.io.PipesKeyValueWritable"
_KINDS = {"IntWritable": VINT, "VIntWritable": VINT, "LongWritable": VINT, "VLongWritable": VINT,
          "FloatWritable": FLOAT, "DoubleWritable": DOUBLE, "BooleanWritable": BOOL, "NullWritable": NULL}
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")


class _Channel(Protocol):
    def vint(self, value: int) -> None: ...
    def string(self, value: str) -> None: ...
    def raw(self, data: bytes) -> None: ...
    def read_vint(self) -> int: ...
    def read_string(self) -> str: ...
    def read_raw(self, n: int) -> bytes: ...


def wire_kind(java_class: str | None) -> str:
    """How a value of Writable *java_class* travels (a string when unset or unknown)."""
    if not java_class:
        return STRING
    return _KINDS.get(java_class.rsplit(".", 1)[-1], STRING)


def as_text(value: Any) -> str:
    """The string form of *value* (Hama's ``toString``; vectors as ``v1, v2``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)) or hasattr(value, "ravel"):
        items = value.ravel().tolist() if hasattr(value, "ravel") else list(value)
        return ", ".join(repr(float(v)) for v in items)
    return str(value)


def put(chan: _Channel, kind: str, value: Any) -> None:
    """Queue *value* as a slot of *kind*."""
    if kind == STRING:
        chan.string(as_text(value))
    elif kind == VINT:
        chan.vint(int(value) if not isinstance(value, str) else int(value.strip()))
    elif kind == DOUBLE:
        chan.raw(_F64.pack(float(value)))
    elif kind == FLOAT:
        chan.raw(_F32.pack(float(value)))
    elif kind == BOOL:
        chan.raw(b"\x01" if (value.lower() == "true" if isinstance(value, str) else value) else b"\x00")
    # NULL: nothing


def get(chan: _Channel, kind: str) -> Any:
    """Read a slot of *kind*."""
    if kind == STRING:
        return chan.read_string()
    if kind == VINT:
        return chan.read_vint()
    if kind == DOUBLE:
        return _F64.unpack(chan.read_raw(8))[0]
    if kind == FLOAT:
        return _F32.unpack(chan.read_raw(4))[0]
    if kind == BOOL:
        return chan.read_raw(1) != b"\x00"
    return None


def sort_key(message: Any) -> tuple[int, float, str]:
    """Order of Hama's ``SortedMemoryQueue``: numbers by value; ``PipesKeyValueWritable`` strings
    (``<d>key<d>value``) by a numeric key, then the text."""
    if isinstance(message, (int, float)) and not isinstance(message, bool):
        return (0, float(message), "")
    text = as_text(message)
    key = text
    if len(text) > 1:
        parts = text[1:].split(text[0], 1)
        if len(parts) == 2:
            key = parts[0]
    try:
        return (0, float(key), text)
    except ValueError:
        return (1, 0.0, text)
