"""Bulk reading of Hama ``VectorWritable`` SequenceFiles into one numpy matrix.

:func:`read_vector_split` reads the records of one split of an uncompressed SequenceFile
of ``VectorWritable -> NullWritable`` (Hama's k-means input and ``center_output.seq``) or
``NullWritable -> VectorWritable`` whose vectors all have the same dimension and no name,
with a few numpy operations over the split's bytes instead of one Python decode per record.
It follows the same split rule as :meth:`SequenceFileReader.iter_split` (records from the
first sync marker at or after the split start up to the first sync marker at or after its
end), so it returns exactly the vectors that method yields, in order.  Any other layout
(compressed files, named vectors, mixed dimensions, other classes) returns None: the caller
falls back to the record reader.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from .seqcommon import SYNC_SIZE, CompressionType
from .sequencefile import SequenceFileReader

log = logging.getLogger(__name__)

__all__ = ["read_vector_split", "VECTOR_CLASS", "NULL_CLASS"]

VECTOR_CLASS = "org.apache.hama.commons.io.VectorWritable"
NULL_CLASS = "org.apache.hadoop.io.NullWritable"

#: bytes read past the split end at a time while looking for the sync marker that ends it
_TAIL_CHUNK = 1 << 17

Matrix = npt.NDArray[np.float64]


def _layout(reader: SequenceFileReader) -> bool | None:
    """True: the key is the vector, False: the value is, None: not a bulk-readable file."""
    if reader.compression is not CompressionType.NONE or reader.file_size is None:
        return None
    if reader.key_class == VECTOR_CLASS and reader.value_class == NULL_CLASS:
        return True
    if reader.key_class == NULL_CLASS and reader.value_class == VECTOR_CLASS:
        return False
    return None


def read_vector_split(reader: SequenceFileReader, start: int, length: int) -> Matrix | None:
    """The vectors of the split ``[start, start + length)`` of *reader*'s file, as an ``n x d``
    float64 matrix (native byte order, a fresh array), or None when the file's layout is not
    one this reader handles (then nothing about *reader*'s position is promised: seek it).

    Parameters
    ----------
    reader : SequenceFileReader
        An open reader (its header read); its file must support ``seek``/``tell``.
    start, length : int
        The split's byte range, as for :meth:`SequenceFileReader.iter_split`.
    """
    key_is_vector = _layout(reader)
    if key_is_vector is None or start < 0 or length < 0:
        return None
    end = start + length
    size = int(reader.file_size or 0)
    reader.seek(reader.header_end)
    if start > reader.header_end:
        reader.sync(start)
    p0 = reader.tell()
    if p0 >= end or p0 >= size:
        return np.zeros((0, 0))
    f: Any = reader._f  # the reader's own file; its position is restored below
    try:
        saved = f.tell()
        f.seek(p0)
        data = _read_region(f, p0, end, size, b"\xff\xff\xff\xff" + reader.sync_marker)
        f.seek(saved)
    except (AttributeError, OSError, ValueError):
        return None
    return _parse(data, reader.sync_marker, key_is_vector)


def _read_region(f: Any, p0: int, end: int, size: int, escape: bytes) -> bytes:
    """The bytes from *p0* up to the first sync escape at or after *end* (or the file end)."""
    buf = bytearray()
    want = max(0, min(end, size) - p0)
    while len(buf) < want:  # an unbuffered file may return fewer bytes than asked
        got = f.read(want - len(buf))
        if not got:
            break
        buf += got
    scan = max(end - p0, 0)  # the escape that ends the split starts at or after `end`
    while p0 + len(buf) < size:
        chunk = f.read(min(_TAIL_CHUNK, size - p0 - len(buf)))
        if not chunk:
            break
        buf += chunk
        i = buf.find(escape, scan)
        if i >= 0:
            del buf[i:]
            return bytes(buf)
        scan = max(scan, len(buf) - (len(escape) - 1))
    return bytes(buf)


def _parse(data: bytes, marker: bytes, key_is_vector: bool) -> Matrix | None:
    """Records (and sync escapes) of *data* as a matrix, or None if they are not uniform vectors."""
    escape = b"\xff\xff\xff\xff" + marker
    # cut the region at its sync escapes: between two, records follow each other back to back
    pieces: list[memoryview] = []
    view = memoryview(data)
    at = 0
    while True:
        i = data.find(escape, at)
        if i < 0:
            pieces.append(view[at:])
            break
        pieces.append(view[at:i])
        at = i + SYNC_SIZE
    first = next((p for p in pieces if len(p) >= 12), None)
    if first is None:
        return None if any(len(p) for p in pieces) else np.zeros((0, 0))
    head = np.frombuffer(first, dtype=">i4", count=3)
    reclen, keylen, dim = int(head[0]), int(head[1]), int(head[2])
    if not key_is_vector:
        if keylen != 0:
            return None
        keylen = reclen
    if dim < 0 or reclen != keylen or keylen != 4 + 8 * dim + 1:
        return None
    rec = np.dtype([("rl", ">i4"), ("kl", ">i4"), ("n", ">i4"), ("v", ">f8", (dim,)), ("named", "u1")])
    blocks = []
    for p in pieces:
        if len(p) % rec.itemsize:
            return None
        if not len(p):
            continue
        r = np.frombuffer(p, dtype=rec)
        if not (np.all(r["rl"] == reclen) and np.all(r["kl"] == (keylen if key_is_vector else 0))
                and np.all(r["n"] == dim) and not r["named"].any()):
            return None
        blocks.append(r["v"])
    if not blocks:
        return np.zeros((0, dim))
    out: Matrix = np.concatenate(blocks).astype(np.float64) if len(blocks) > 1 else blocks[0].astype(np.float64)
    return out
