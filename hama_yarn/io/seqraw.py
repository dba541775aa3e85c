"""Raw record blocks of a SequenceFile split, for bulk (numpy) decoders.

:func:`record_blocks` hands out the records of one split of an uncompressed
SequenceFile as blocks of undecoded bytes: each :class:`RecordBlock` holds whole
records back to back (``int32 record length, int32 key length, key bytes, value
bytes``, big-endian as Hadoop writes them; sync escapes removed) and the offset of
every record in it.  It follows the split rule of :meth:`SequenceFileReader.iter_split`
(records from the first sync marker at or after the split start up to the first sync
marker at or after its end), so the blocks hold exactly the records that method
yields, in order, and it checks the framing as the reader does (sync markers, record
and key lengths, truncation: :class:`~hama_yarn.io.seqcommon.SequenceFileError`
naming file and offset).  Only the framing is walked record by record; keys and
values are left to the caller, who decodes them in bulk (e.g. the graph loader's
``Text -> TextArrayWritable`` path, :mod:`hama_yarn.graph.seqload`) or one by one
with :meth:`RecordBlock.records` (the Writable registry) for anything else.

RECORD- and BLOCK-compressed files are not handed out raw: :func:`record_blocks`
returns None and the caller reads them with the record reader.  The peer exposes
its split this way as ``PeerImpl.sequencefile_blocks`` (a hama-yarn extension).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .seqcommon import (
    SYNC_ESCAPE,
    SYNC_SIZE,
    BadSyncMarkerError,
    CompressionType,
    CorruptRecordError,
    RecordLengthError,
    TruncatedFileError,
)
from .sequencefile import SequenceFileReader
from .writables import WritableError, get_writable

log = logging.getLogger(__name__)

__all__ = ["RecordBlock", "record_blocks", "DEFAULT_BLOCK_BYTES"]

#: Default bytes of records per block.
DEFAULT_BLOCK_BYTES = 1 << 20

_I = struct.Struct(">i")
_II = struct.Struct(">ii")


@dataclass
class RecordBlock:
    """Whole records of one split, undecoded, or (for files not read raw) decoded.

    Attributes
    ----------
    url : str
        The file.
    offset : int
        File offset of the first record (or of the sync marker before it).
    key_class, value_class : str
        The file's Writable classes.
    data : bytes or None
        Records back to back, each ``>i4 record length, >i4 key length, key, value``;
        None when the block was decoded by the record reader (compressed files).
    starts : ndarray of int64 or None
        Offset of each record in *data*.
    decoded : list of (key, value) or None
        The records, when *data* is None.
    """

    url: str
    offset: int
    key_class: str
    value_class: str
    data: bytes | None = None
    starts: npt.NDArray[np.int64] | None = None
    decoded: list[tuple[Any, Any]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        if self.starts is not None:
            return len(self.starts)
        return len(self.decoded or ())

    def records(self) -> list[tuple[Any, Any]]:
        """The block's ``(key, value)`` records decoded by the Writable registry (per record).

        Raises
        ------
        CorruptRecordError
            A key or value does not decode, or does not fill its bytes exactly.
        """
        if self.decoded is not None:
            return self.decoded
        data, starts = self.data, self.starts
        assert data is not None and starts is not None
        kdec = get_writable(self.key_class).decode
        vdec = get_writable(self.value_class).decode
        out: list[tuple[Any, Any]] = []
        unpack = _II.unpack_from
        for s in starts.tolist():
            reclen, keylen = unpack(data, s)
            ks = s + 8
            vs = ks + keylen
            ve = ks + reclen
            try:
                key, o = kdec(data, ks, vs)
                value, p = vdec(data, vs, ve)
            except (WritableError, ValueError, IndexError, struct.error, UnicodeDecodeError) as exc:
                raise CorruptRecordError(f"cannot decode the record: {exc}", path=self.url) from exc
            if o != vs or p != ve:
                raise CorruptRecordError(
                    f"the key or value does not fill its {keylen} / {reclen - keylen} bytes", path=self.url)
            out.append((key, value))
        return out


def record_blocks(reader: SequenceFileReader, start: int, length: int, url: str = "",
                  size: int = DEFAULT_BLOCK_BYTES) -> Iterator[RecordBlock] | None:
    """The records of the split ``[start, start + length)`` of *reader*'s file as raw blocks.

    Parameters
    ----------
    reader : SequenceFileReader
        An open reader (header read) whose file supports ``seek``/``tell``; this
        function reads its file directly (its record position is not kept).
    start, length : int
        The split's byte range, as for :meth:`SequenceFileReader.iter_split`.
    url : str
        The file's name in blocks and errors (default: ``reader.path``).
    size : int
        About this many bytes of records per block (a bigger record makes a bigger block).

    Returns
    -------
    Iterator of RecordBlock, or None
        None for RECORD/BLOCK-compressed files and files of unknown size.
    """
    if reader.compression is not CompressionType.NONE or reader.file_size is None:
        return None
    if start < 0 or length < 0:
        raise ValueError("split start and length must be non-negative")
    return _blocks(reader, start, start + length, url or str(reader.path), max(int(size), 64))


def _blocks(reader: SequenceFileReader, start: int, end: int, url: str, size: int) -> Iterator[RecordBlock]:
    file_size = int(reader.file_size or 0)
    reader.seek(reader.header_end)
    if start > reader.header_end:
        reader.sync(start)
    pos = reader.tell()  # file offset of buf[0]
    if pos >= end or pos >= file_size:
        return
    marker = reader.sync_marker
    f: Any = reader._f  # the reader's own file (its record position is not used afterwards)
    f.seek(pos)
    buf = b""
    kc, vc = reader.key_class, reader.value_class
    grow = 0
    while True:
        want = max(size, grow) - len(buf)
        if want > 0:
            more = _read(f, min(want, file_size - pos - len(buf)))
            buf = buf + more if buf else more
        n = len(buf)
        eof = pos + n >= file_size
        i, starts, cuts, stop = _walk(buf, pos, end, file_size, marker, url)
        if starts:
            yield _block(url, pos, kc, vc, buf, i, starts, cuts)
        if stop or (eof and i == n):
            return
        if i == 0:  # an incomplete record (or sync marker) at the buffer start
            if eof:
                raise TruncatedFileError(f"file ends inside a record header ({n} bytes left)", path=url, offset=pos)
            grow = _record_size(buf)
            continue
        grow = 0
        pos += i
        buf = buf[i:]


def _record_size(buf: bytes) -> int:
    """Bytes needed for the record or sync marker at the start of *buf* (a lower bound if unknown)."""
    if len(buf) < 8:
        return SYNC_SIZE
    reclen = _I.unpack_from(buf, 0)[0]
    return SYNC_SIZE if reclen == SYNC_ESCAPE else 8 + reclen


def _walk(buf: bytes, pos: int, end: int, file_size: int, marker: bytes,
          url: str) -> tuple[int, list[int], list[int], bool]:
    """Walk the complete records of *buf* (file offset *pos*).

    Returns the offset after the last complete record or sync marker, the records'
    offsets, the offsets of the sync escapes passed and whether the split ended (a
    sync marker at or after *end*).
    """
    unpack = _II.unpack_from
    n = len(buf)
    i = 0
    starts: list[int] = []
    cuts: list[int] = []
    append = starts.append
    while i + 8 <= n:
        reclen, keylen = unpack(buf, i)
        if reclen == SYNC_ESCAPE:
            if pos + i >= end:
                return i, starts, cuts, True
            if i + SYNC_SIZE > n:
                break
            if buf[i + 4:i + SYNC_SIZE] != marker:
                raise BadSyncMarkerError(
                    "sync escape not followed by this file's sync marker (file is corrupt)", path=url, offset=pos + i)
            cuts.append(i)
            i += SYNC_SIZE
            continue
        if keylen < 0 or reclen < keylen:
            raise RecordLengthError(f"bad record lengths: record length {reclen}, key length {keylen}",
                                    path=url, offset=pos + i)
        e = i + 8 + reclen
        if e > n:
            if pos + e > file_size:
                raise TruncatedFileError(
                    f"file ends inside a record of {reclen} bytes ({file_size - pos - i - 8} present)",
                    path=url, offset=pos + i)
            break
        append(i)
        i = e
    if i + 4 <= n and pos + i >= end and _I.unpack_from(buf, i)[0] == SYNC_ESCAPE:
        return i, starts, cuts, True
    return i, starts, cuts, False


def _block(url: str, pos: int, kc: str, vc: str, buf: bytes, i: int, starts: list[int],
           cuts: list[int]) -> RecordBlock:
    """The records of ``buf[:i]`` without the sync escapes at *cuts*."""
    first = starts[0]
    s = np.asarray(starts, dtype=np.int64)
    cuts = [c for c in cuts if c > first]
    if not cuts:
        data = buf[first:i] if first or i != len(buf) else buf
        s -= first
    else:
        pieces = []
        at = first
        for c in cuts:
            pieces.append(buf[at:c])
            at = c + SYNC_SIZE
        pieces.append(buf[at:i])
        data = b"".join(pieces)
        s -= first + SYNC_SIZE * np.searchsorted(np.asarray(cuts, dtype=np.int64), s)
    return RecordBlock(url, pos + first, kc, vc, data, s)


def _read(f: Any, n: int) -> bytes:
    """*n* bytes (fewer only at the end of the file): unbuffered files may return short reads."""
    if n <= 0:
        return b""
    parts = []
    got = 0
    while got < n:
        b = f.read(n - got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return parts[0] if len(parts) == 1 else b"".join(parts)
