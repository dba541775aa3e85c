"""Decoding all keys (or values) of a BLOCK-compressed SequenceFile block at once.

A block holds its keys back to back in one buffer and their lengths in another, and
likewise its values.  :func:`decode_column` turns such a buffer into the list of
Python values the Writable codec would give one by one, without a codec call per
record, for the common small-record classes:

* fixed-width numbers (``IntWritable``, ``LongWritable``, ``FloatWritable``,
  ``DoubleWritable``): every length must be the class's width; one numpy conversion;
* ``Text`` whose strings are all ASCII and shorter than 128 bytes (a one-byte length):
  one ``decode`` of the buffer, then a slice per string.

Anything else (or a buffer that breaks those conditions) returns None, and the reader
decodes the block record by record, with its exact error reporting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .writables import (
    DoubleWritableCodec,
    FloatWritableCodec,
    IntWritableCodec,
    LongWritableCodec,
    TextCodec,
    WritableCodec,
)

__all__ = ["decode_column"]

_FIXED: dict[type, tuple[str, int]] = {
    IntWritableCodec: (">i4", 4),
    LongWritableCodec: (">i8", 8),
    FloatWritableCodec: (">f4", 4),
    DoubleWritableCodec: (">f8", 8),
}


def decode_column(codec: WritableCodec, buf: bytes, lengths: list[int]) -> list[Any] | None:
    """The values *codec* would decode from *buf*, serialized back to back with byte *lengths*, or None.

    Only the stock codecs of the classes in the module docstring are handled (exactly
    those types: a subclass or another registered codec may decode differently).
    *buf* must be exactly ``sum(lengths)`` bytes (the reader checks that first).
    """
    n = len(lengths)
    if n == 0:
        return []
    fixed = _FIXED.get(type(codec))
    if fixed is not None:
        dtype, width = fixed
        if lengths.count(width) != n or len(buf) != width * n:
            return None
        out: list[Any] = np.frombuffer(buf, dtype=dtype).tolist()
        return out
    if type(codec) is TextCodec:
        if not buf.isascii():
            return None
        lens = np.asarray(lengths, dtype=np.int64)
        if int(lens.min()) < 1 or int(lens.max()) > 128:
            return None
        ends = np.cumsum(lens)
        starts = ends - lens
        if not np.array_equal(np.frombuffer(buf, dtype=np.uint8)[starts], lens - 1):
            return None  # a length prefix that is not the string's one-byte length
        s = buf.decode("ascii")
        return [s[a:b] for a, b in zip((starts + 1).tolist(), ends.tolist())]
    return None
