"""Bulk decoding of graph SequenceFile records (``Text`` id -> ``TextArrayWritable``) for the vectorized loader.

:func:`adjacency_text` turns one :class:`~hama_yarn.io.seqraw.RecordBlock` of raw
records (``PeerImpl.sequencefile_blocks``) into the adjacency text ``id dst dst ...``
(one line per record) with a few numpy operations over the block's bytes, which the
text parser (:func:`~hama_yarn.graph.fastload.parse_text`) then reads: no Python
object per record or destination.  The record layout is checked exactly, so the
text holds the same tokens the record decoder would give:

* the key is a ``Text`` of 1..44 bytes: a one-byte length (a vint below 128) and
  the bytes, its key length field ``1 + length``;
* the value is an ``int32`` count and as many ``Text`` of 0..44 bytes;
* every token byte is above 44 (``-``, digits, ``:``, letters, ...), so every byte
  at or below 44 in the token area is a length byte: the length bytes must chain
  (each one points at the next) from the first key to the block end, and each record
  must hold ``1 + count`` of them.

A block that does not match (longer tokens, whitespace or control bytes inside a
token, other classes) is decoded record by record by the Writable registry
(:meth:`RecordBlock.records`) and formatted as the same lines.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io.seqraw import RecordBlock
from .fastload import MAX_DIGITS, ParsedGraph, Unsupported, decimal_tokens

log = logging.getLogger(__name__)

__all__ = ["TEXT", "TEXT_ARRAY", "adjacency_arrays", "adjacency_text", "block_text", "first_tokens"]

TEXT = "org.apache.hadoop.io.Text"
TEXT_ARRAY = "org.apache.hama.commons.io.TextArrayWritable"

#: Bytes at or below this are token lengths in the bulk layout ('-' is 45).
_LEN_MAX = 44

_WHITESPACE = "\t\n\v\f\r "

I64 = npt.NDArray[np.int64]


def _be32(d: npt.NDArray[np.uint8], at: I64) -> I64:
    """The big-endian signed int32 at each offset *at* of *d*."""
    v = (d[at].astype(np.int64) << 24) | (d[at + 1].astype(np.int64) << 16) \
        | (d[at + 2].astype(np.int64) << 8) | d[at + 3].astype(np.int64)
    out: I64 = np.where(v >= 1 << 31, v - (1 << 32), v)
    return out


_MAX_DIGITS = MAX_DIGITS


def adjacency_arrays(block: RecordBlock) -> ParsedGraph | None:
    """The raw ``Text -> TextArrayWritable`` records of *block* as a :class:`ParsedGraph`, or None.

    For ids that are all canonical non-negative decimal integers (no sign, no leading
    zero, 1..16 digits, no ``:weight``): the numbers are read from the bytes directly,
    as :func:`~hama_yarn.graph.fastload.parse_text` would read the lines of
    :func:`adjacency_text`.  None for anything else (use :func:`block_text`).
    """
    layout = _layout(block)
    if layout is None:
        return None
    t, q, sc, count, key_at = layout
    if not np.all((t <= _LEN_MAX) | ((t - np.uint8(ord("0"))) < 10)):  # digits only (uint8 wraps)
        return None
    lens8 = t[q]
    if int(lens8.min()) < 1 or int(lens8.max()) > _MAX_DIGITS:
        return None
    if np.any((t[q + 1] == ord("0")) & (lens8 > 1)):  # a leading zero
        return None
    ids = decimal_tokens(t, q + lens8, lens8)
    is_src = np.zeros(len(q), dtype=bool)
    is_src[key_at] = True
    vertices = ids[key_at]
    return ParsedGraph(vertices, np.repeat(vertices, count), ids[~is_src], None, count)


def _layout(block: RecordBlock) -> tuple[npt.NDArray[np.uint8], I64, I64, I64, I64] | None:
    """The token area of a block in the bulk layout: ``(bytes, length byte offsets, key length byte
    offsets, destination counts, index of each key among the tokens)``, or None (module docstring)."""
    if block.data is None or block.starts is None or block.key_class != TEXT or block.value_class != TEXT_ARRAY:
        return None
    s = block.starts
    n = len(s)
    if n == 0:
        return None
    d = np.frombuffer(block.data, dtype=np.uint8)
    size = len(d)
    reclen = _be32(d, s)
    keylen = _be32(d, s + 4)
    ends = np.append(s[1:], size)
    if not (np.all(keylen >= 1) and np.all(reclen >= keylen + 4) and np.all(s + 8 + reclen == ends)):
        return None
    klen = d[s + 8].astype(np.int64)
    if not (np.all(klen <= _LEN_MAX) and np.all(keylen == klen + 1)):
        return None
    c = s + 8 + keylen
    count = _be32(d, c)
    if np.any(count < 0):
        return None
    keep = np.ones(size, dtype=bool)
    keep[(s[:, None] + np.arange(8)).ravel()] = False
    keep[(c[:, None] + np.arange(4)).ravel()] = False
    t = d[keep]
    sc = s - 12 * np.arange(n, dtype=np.int64)  # each record's key length byte in t
    q = np.flatnonzero(t <= _LEN_MAX)
    if len(q) == 0 or q[0] != 0:
        return None
    nxt = q + 1 + t[q]
    if not (np.array_equal(nxt[:-1], q[1:]) and int(nxt[-1]) == len(t)):
        return None
    idx = np.searchsorted(q, sc)
    if np.any(idx >= len(q)) or not np.array_equal(q[idx], sc):
        return None
    per = np.diff(np.append(idx, len(q)))
    if not np.array_equal(per, count + 1):
        return None
    return t, q, sc, count, idx


def adjacency_text(block: RecordBlock) -> tuple[bytes, int] | None:
    """The raw ``Text -> TextArrayWritable`` records of *block* as adjacency lines, and their destinations.

    Returns ``(text, edges)``: one line ``id dst dst ...`` per record (``\\n``-separated,
    a trailing ``\\n``), *edges* the number of destinations; None when *block* is not
    raw, not of these classes, or a record is outside the bulk layout (module docstring).
    """
    if block.data is not None and block.starts is not None and len(block.starts) == 0:
        return b"", 0
    layout = _layout(block)
    if layout is None:
        return None
    t, q, sc, count, _ = layout
    t[q] = ord(" ")
    t[sc] = ord("\n")
    return t[1:].tobytes() + b"\n", int(count.sum())


def block_text(block: RecordBlock) -> tuple[bytes, int, int]:
    """Adjacency text of a block of graph records: ``(text, records, edges)``.

    Raw blocks in the bulk layout take :func:`adjacency_text`; any other block is
    decoded record by record and each record becomes ``key<TAB>dst dst ...``.

    Raises
    ------
    Unsupported
        A record that is not ``Text -> TextArrayWritable`` of strings, or a key or
        destination with whitespace (the vectorized loader then falls back).
    """
    fast = adjacency_text(block)
    if fast is not None:
        return fast[0], len(block), fast[1]
    lines: list[str] = []
    edges = 0
    for key, value in block.records():
        if type(key) is not str or type(value) not in (list, tuple):
            raise Unsupported(f"a {type(key).__name__} -> {type(value).__name__} record "
                              "(not Text -> TextArrayWritable)")
        try:
            lines.append(key + "\t" + " ".join(value) if value else key)
        except TypeError:
            raise Unsupported("a destination that is not Text") from None
        edges += len(value)
    text = "\n".join(lines)
    # separators: a line break between records, a tab and spaces among k destinations: k
    if sum(map(text.count, _WHITESPACE)) != len(lines) - 1 + edges:
        raise Unsupported("a vertex id or destination with whitespace")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Unsupported("non-ASCII text") from None
    return raw + b"\n" if raw else raw, len(lines), edges


def first_tokens(text: bytes) -> list[Any]:
    """The first token (the vertex id) of each line of *text* (for messages)."""
    return [line.split(maxsplit=1)[0] if line.strip() else "" for line in text.decode("ascii").split("\n")]
