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

Uncompressed files get the same treatment a buffer at a time:
:func:`plain_run` finds the run of whole records in the reader's buffer, and
:func:`decode_spans` decodes their keys (or values) where they lie, so the reader's
per-record work is a header walk and a yield.
"""

from __future__ import annotations

import struct
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

__all__ = ["decode_column", "decode_run", "decode_spans", "plain_run", "spans_supported"]

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


_RECLEN = struct.Struct(">i").unpack_from


def _gather(buf: bytes, at: Any, dtype: str, width: int) -> Any:
    """The *dtype* numbers (*width* bytes each) at the byte offsets *at* of *buf*, as one array."""
    raw = np.frombuffer(buf, dtype=np.uint8)
    return raw[at[:, None] + np.arange(width)].view(dtype).ravel()

#: Fewest records worth a bulk decode (below that the per-call numpy cost dominates).
MIN_RUN = 32


def spans_supported(codec: WritableCodec) -> bool:
    """Whether :func:`decode_spans` handles *codec* (the stock fixed-width and Text codecs)."""
    return type(codec) in _FIXED or type(codec) is TextCodec


def plain_run(buf: bytes, bp: int, limit: int) -> tuple[Any, int]:
    """The whole records of an uncompressed SequenceFile in *buf* from offset *bp*.

    Takes records while one lies wholly in *buf* and starts before *limit*; stops at a sync
    escape or a negative record length (the reader's record-by-record path deals with
    those; key lengths are checked by the caller).  Records of one size (fixed-width
    keys and values) are found with one numpy check; others by walking their headers.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        The records' start offsets (int64) and the offset after the last one.
    """
    size = len(buf)
    last = min(limit - 1, size - 8)  # the last offset a record may start at
    if bp > last:
        return np.empty(0, dtype=np.int64), bp
    (first,) = _RECLEN(buf, bp)
    stride = first + 8
    if first >= 0 and bp + stride <= size:
        # Same-size records: read every predicted header at once, keep the prefix that agrees.
        # (at most ~128 KiB at a time: a sync marker, every 100 KB in Hadoop's files, ends a run)
        count = min((last - bp) // stride + 1, (size - bp) // stride, max(MIN_RUN, (1 << 17) // stride))
        at = bp + stride * np.arange(count, dtype=np.int64)
        bad = np.flatnonzero(_gather(buf, at, ">i4", 4) != first)
        good = int(bad[0]) if len(bad) else count
        if good >= MIN_RUN or good == count:
            return at[:good], bp + stride * good
    starts: list[int] = []
    add = starts.append
    reclen_at = _RECLEN
    while bp <= last:
        (reclen,) = reclen_at(buf, bp)
        end = bp + 8 + reclen
        if reclen < 0 or end > size:  # the sync escape is -1
            break
        add(bp)
        bp = end
    return np.asarray(starts, dtype=np.int64), bp


def decode_spans(codec: WritableCodec, buf: bytes, text: str, base: int, starts: Any, ends: Any) -> list[Any] | None:
    """What *codec* decodes from each ``buf[starts[i]:ends[i]]`` (one whole serialized value each), or None.

    *text* is ``buf[base:...]`` decoded as latin-1 (one character per byte), shared by the
    key and value columns.  *starts* and *ends* are int64 arrays.  None when a value breaks
    the conditions of the module docstring (the reader then decodes record by record).
    """
    n = len(starts)
    if n == 0:
        return []
    fixed = _FIXED.get(type(codec))
    if fixed is not None:
        dtype, width = fixed
        if not np.all(ends - starts == width):
            return None
        out: list[Any] = _gather(buf, starts, dtype, width).tolist()
        return out
    if type(codec) is TextCodec:
        lens = ends - starts - 1  # a one-byte length, then the bytes
        if int(lens.min()) < 0 or int(lens.max()) > 127:
            return None
        if not np.array_equal(np.frombuffer(buf, dtype=np.uint8)[starts], lens):
            return None
        lo = (starts + 1 - base).tolist()
        hi = (ends - base).tolist()
        values = [text[a:b] for a, b in zip(lo, hi)]
        if not all(map(str.isascii, values)):  # O(1) each: latin-1 above 127 is not UTF-8's reading
            return None
        return values
    return None


def decode_run(kc: WritableCodec, vc: WritableCodec, buf: bytes, starts: Any, stop: int
               ) -> tuple[bool, tuple[Any, list[Any], list[Any]] | None]:
    """Keys and values of the whole records at *starts* (from :func:`plain_run`, ending at *stop*).

    Returns
    -------
    tuple of (bool, tuple or None)
        False when a key or value is not what :func:`decode_spans` takes; the records' end
        offsets, keys and values, or None when a key length does not fit its record (the
        reader's record-by-record path names it).
    """
    rec_end = np.empty_like(starts)
    rec_end[:-1] = starts[1:]
    rec_end[-1] = stop
    ks = starts + 8
    vs = ks + _gather(buf, starts + 4, ">i4", 4)
    if not (np.all(vs >= ks) and np.all(vs <= rec_end)):
        return True, None
    lo = int(starts[0])
    text = buf[lo:stop].decode("latin-1")
    keys = decode_spans(kc, buf, text, lo, ks, vs)
    values = decode_spans(vc, buf, text, lo, vs, rec_end) if keys is not None else None
    if keys is None or values is None:
        return False, None
    return True, (rec_end, keys, values)
