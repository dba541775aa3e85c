"""Hadoop SequenceFile reader and writer, byte-compatible with ``org.apache.hadoop.io.SequenceFile``.

File layout (version 6, what Hadoop 2/3 write)::

    header:  "SEQ" 0x06
             Text keyClassName, Text valueClassName
             boolean compressed, boolean blockCompressed
             [Text codecClassName]                 (only if compressed)
             int32 metadataCount, (Text key, Text value) * count   (sorted by key bytes)
             16-byte sync marker
    NONE / RECORD:
             records:  int32 recordLength, int32 keyLength, key bytes, value bytes
                       (RECORD: value bytes compressed on their own by the codec)
             sync:     int32 -1, 16-byte sync marker -- written before a record
                       once ``syncInterval`` bytes were written since the last one
    BLOCK:   per block: int32 -1, sync marker, VInt recordCount,
             then 4 times (VInt compressedLength, compressed bytes) for the
             key lengths (VInts), keys, value lengths (VInts) and values.

``SYNC_INTERVAL`` is Hadoop's current default, ``5 * 1024 * SYNC_SIZE`` =
102400 bytes (Hadoop 1.x used ``100 * SYNC_SIZE`` = 2000 bytes, available as
:data:`LEGACY_SYNC_INTERVAL`).  The BLOCK writer flushes a block once its
uncompressed keys + values reach ``io.seqfile.compress.blocksize`` (default
1,000,000 bytes).

Splits follow ``SequenceFileRecordReader``: a split ``[start, start+length)``
first positions at the header end, calls :meth:`SequenceFileReader.sync`
with ``start`` if ``start`` is past the header, then reads records while the
position before a record is below the split end, stopping at the first record
at or past the end that is preceded by a sync marker.  Contiguous splits
therefore cover every record exactly once.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from operator import itemgetter
from types import TracebackType
from typing import IO, Any

from hama_yarn.io.codecs import CodecError, CompressionCodec, get_codec
from hama_yarn.io.writables import (
    UnknownWritableError,
    WritableCodec,
    decode_vlong,
    get_writable,
)

from .seqcommon import (  # noqa: F401 - re-exported
    BadMagicError,
    BadSyncMarkerError,
    CompressionType,
    CorruptBlockError,
    CorruptHeaderError,
    CorruptRecordError,
    DEFAULT_BLOCK_SIZE,
    LEGACY_SYNC_INTERVAL,
    MAGIC,
    RecordLengthError,
    SYNC_ESCAPE,
    SYNC_HASH_SIZE,
    SYNC_INTERVAL,
    SYNC_SIZE,
    SequenceFileError,
    TruncatedFileError,
    UnknownClassError,
    UnknownCodecError,
    UnsupportedVersionError,
    VERSION,
    _BLOCK_COMPRESS_VERSION,
    _CUSTOM_COMPRESS_VERSION,
    _DEFAULT_DEFAULT_CODEC,
    _I32,
    _II,
    _MAX_READ,
    _RAW,
    _READ_CHUNK,
    _SYNC_ESCAPE_BYTES,
    _open,
)
from .seqbulk import MIN_RUN, decode_column, decode_run, plain_run, spans_supported
from .seqwriter import SequenceFileWriter

__all__ = [
    "SequenceFileError",
    "TruncatedFileError",
    "CorruptHeaderError",
    "BadMagicError",
    "UnsupportedVersionError",
    "UnknownClassError",
    "UnknownCodecError",
    "BadSyncMarkerError",
    "CorruptBlockError",
    "RecordLengthError",
    "CorruptRecordError",
    "CompressionType",
    "SequenceFileWriter",
    "SequenceFileReader",
    "VERSION",
    "SYNC_ESCAPE",
    "SYNC_HASH_SIZE",
    "SYNC_SIZE",
    "SYNC_INTERVAL",
    "LEGACY_SYNC_INTERVAL",
    "DEFAULT_BLOCK_SIZE",
]

logger = logging.getLogger(__name__)

# Reader


class SequenceFileReader:
    """Read a Hadoop SequenceFile (versions 4 to 6, any compression).

    Parameters
    ----------
    file : str, os.PathLike or binary file object
        A local path, an fsspec URL, or an object with ``read``/``seek``/
        ``tell`` (e.g. an fsspec file opened ``"rb"``).  Only file objects
        this reader opened are closed by :meth:`close`.
    raw : bool, optional
        If true, keys and values are returned as their serialized bytes
        (values decompressed), and unknown Writable classes are allowed.
    buffer_size : int, optional
        Size of the reads issued to the underlying file.

    Attributes
    ----------
    path : str
        File name used in error messages.
    version : int
        Header version byte.
    key_class, value_class : str
        Java class names from the header.
    compression : CompressionType
        NONE, RECORD or BLOCK.
    codec : CompressionCodec or None
        The codec (None for NONE).
    codec_class : str or None
        The codec's Java class name as written in the header.
    metadata : dict of str to str
        Header metadata.
    sync_marker : bytes
        The file's 16-byte sync marker.
    header_end : int
        Offset of the first record/block.
    sync_seen : bool
        Whether the last record read was preceded by a sync marker (Hadoop's
        ``syncSeen()``).
    last_record_position : int
        Position before the last record read (NONE/RECORD: where its sync
        marker or record starts; BLOCK: where its block starts).

    Raises
    ------
    SequenceFileError
        Subclasses for a truncated or corrupt header, bad magic, unsupported
        version, unknown class or codec.
    """

    def __init__(
        self,
        file: str | os.PathLike[str] | IO[bytes] | Any,
        *,
        raw: bool = False,
        buffer_size: int = _READ_CHUNK,
    ) -> None:
        self._f, self._owned, self.path = _open(file, "rb")
        self._chunk = max(int(buffer_size), 64)
        self._buf = b""
        self._bpos = 0
        self._bbase = 0
        self._eof = False
        self.sync_seen = False
        self.last_record_position = -1
        self._closed = False
        self._blk: tuple[int, list[int], bytes, list[int], bytes] | None = None
        self._blk_i = 0
        self._blk_ko = 0
        self._blk_vo = 0
        self._blk_dec: tuple[list[Any], list[Any]] | None = None
        try:
            self._init(raw)
        except BaseException:
            if self._owned:
                self._f.close()
            raise

    # -- low-level buffered input ----------------------------------------

    def _init(self, raw: bool) -> None:
        f = self._f
        size: int | None = None
        try:
            start = int(f.tell())
            f.seek(0, 2)
            size = int(f.tell())
            f.seek(start)
        except (AttributeError, OSError, ValueError):  # incl. io.UnsupportedOperation
            start = 0
        if start != 0:
            # A SequenceFile starts at offset 0 of its file.
            f.seek(0)
        self._bbase = 0
        self.file_size = size
        self._end = size if size is not None else (1 << 63) - 1
        self._read_header(raw)

    def _fill(self, n: int) -> int:
        """Make at least ``n`` bytes available from ``_bpos``; return how many are."""
        avail = len(self._buf) - self._bpos
        if avail >= n or self._eof:
            return avail
        if self.file_size is not None:
            # A corrupt length must not make us allocate (or read) more than
            # the file holds: one byte past its end is enough to tell.
            n = min(n, max(self.file_size - (self._bbase + self._bpos), 0) + 1)
            if avail >= n:
                return avail
        parts = [self._buf[self._bpos :]] if avail else []
        self._bbase += self._bpos
        self._bpos = 0
        # Bounded reads: without a known size, memory grows only with data that exists.
        cap = max(self._chunk, _MAX_READ)
        want = min(max(n - avail, self._chunk), cap)
        while avail < n:
            data = self._f.read(want)
            if not data:
                self._eof = True
                break
            parts.append(data)
            avail += len(data)
            want = min(max(n - avail, self._chunk), cap)
        self._buf = b"".join(parts) if len(parts) != 1 else bytes(parts[0])
        return avail

    def _need(self, n: int, what: str) -> None:
        if self._fill(n) < n:
            raise TruncatedFileError(
                f"file ends inside {what} (needed {n} bytes, "
                f"{len(self._buf) - self._bpos} left)",
                path=self.path,
                offset=self._bbase + self._bpos,
            )

    def _take(self, n: int, what: str) -> bytes:
        self._need(n, what)
        b = self._buf[self._bpos : self._bpos + n]
        self._bpos += n
        return b

    def _take_vint(self, what: str) -> int:
        self._need(1, what)
        first = self._buf[self._bpos]
        size = 1 if (first < 128 or first >= 144) else (
            (-119 - (first - 256)) if first - 256 < -120 else (-111 - (first - 256))
        )
        self._need(size, what)
        v, end = decode_vlong(self._buf, self._bpos)
        self._bpos = end
        return v

    def _take_text(self, what: str) -> str:
        at = self._bbase + self._bpos
        n = self._take_vint(what)
        if n < 0:
            raise CorruptHeaderError(f"negative length {n} for {what}", path=self.path, offset=at)
        try:
            return self._take(n, what).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorruptHeaderError(f"{what} is not UTF-8: {exc}", path=self.path, offset=at) from exc

    def _take_bool(self, what: str) -> bool:
        at = self._bbase + self._bpos
        b = self._take(1, what)[0]
        if b > 1:
            raise CorruptHeaderError(f"{what} flag is {b}, not 0 or 1", path=self.path, offset=at)
        return b == 1

    def _read_header(self, raw: bool) -> None:
        avail = self._fill(4)
        got = self._buf[:4]
        if got[:3] != MAGIC[: len(got[:3])]:
            raise BadMagicError(
                f"not a SequenceFile: starts with {bytes(got[:3])!r}, expected b'SEQ'",
                path=self.path,
                offset=0,
            )
        if avail < 4:
            raise TruncatedFileError(
                f"file is too short to be a SequenceFile ({avail} bytes)",
                path=self.path,
                offset=avail,
            )
        self._bpos = 4
        self.version = got[3]
        if not _BLOCK_COMPRESS_VERSION <= self.version <= VERSION:
            raise UnsupportedVersionError(
                f"unsupported SequenceFile version {self.version} (supported: 4 to {VERSION})",
                path=self.path,
                offset=3,
            )
        key_at = self._bbase + self._bpos
        self.key_class = self._take_text("the key class name")
        value_at = self._bbase + self._bpos
        self.value_class = self._take_text("the value class name")
        compressed = self._take_bool("the compression")
        block = self._take_bool("the block-compression")
        if block and not compressed:
            raise CorruptHeaderError(
                "block-compressed flag set on an uncompressed file",
                path=self.path,
                offset=self._bbase + self._bpos - 1,
            )
        self.compression = (
            CompressionType.BLOCK if block else CompressionType.RECORD if compressed else CompressionType.NONE
        )
        self.codec_class: str | None = None
        self.codec: CompressionCodec | None = None
        if compressed:
            codec_at = self._bbase + self._bpos
            if self.version >= _CUSTOM_COMPRESS_VERSION:
                self.codec_class = self._take_text("the codec class name")
            else:
                self.codec_class = _DEFAULT_DEFAULT_CODEC
            try:
                self.codec = get_codec(self.codec_class)
            except CodecError as exc:
                raise UnknownCodecError(
                    f"cannot use compression codec {self.codec_class!r}: {exc}",
                    path=self.path,
                    offset=codec_at,
                ) from exc
        self.metadata: dict[str, str] = {}
        if self.version >= VERSION:
            at = self._bbase + self._bpos
            self._need(4, "the metadata count")
            (count,) = _I32.unpack_from(self._buf, self._bpos)
            self._bpos += 4
            if count < 0:
                raise CorruptHeaderError(f"invalid metadata size {count}", path=self.path, offset=at)
            for _ in range(count):
                k = self._take_text("a metadata key")
                self.metadata[k] = self._take_text("a metadata value")
        self.sync_marker = self._take(SYNC_HASH_SIZE, "the header sync marker")
        self.header_end = self._bbase + self._bpos
        self.raw = raw
        if raw:
            self._kc: WritableCodec = _RAW
            self._vc: WritableCodec = _RAW
        else:
            try:
                self._kc = get_writable(self.key_class)
            except UnknownWritableError:
                raise UnknownClassError(self.key_class, path=self.path, offset=key_at) from None
            try:
                self._vc = get_writable(self.value_class)
            except UnknownWritableError:
                raise UnknownClassError(self.value_class, path=self.path, offset=value_at) from None
        logger.debug(
            "opened SequenceFile %s: v%d %s -> %s, %s, codec=%s, header_end=%d",
            self.path,
            self.version,
            self.key_class,
            self.value_class,
            self.compression.value,
            self.codec_class,
            self.header_end,
        )

    # -- positioning ------------------------------------------------------

    def tell(self) -> int:
        """Return the current byte position (Hadoop's ``getPosition()``).

        Returns
        -------
        int
            Offset of the next unread byte.
        """
        return self._bbase + self._bpos

    def seek(self, position: int) -> None:
        """Move to ``position``, which must be a record/block boundary.

        Valid positions are the header end, values of
        :meth:`SequenceFileWriter.tell`, :attr:`last_record_position`, or
        positions returned by :meth:`tell` between records.  Use
        :meth:`sync` for arbitrary positions.

        Parameters
        ----------
        position : int
            Byte offset.
        """
        if position < 0:
            raise ValueError("negative position")
        self._blk = None
        if self._bbase <= position <= self._bbase + len(self._buf):
            self._bpos = position - self._bbase
            return
        self._f.seek(position)
        self._blk = None
        self._buf = b""
        self._bbase = position
        self._bpos = 0
        self._eof = False

    def sync(self, position: int) -> None:
        """Seek to the first sync marker at or after ``position`` (Hadoop ``sync(long)``).

        If ``position`` is inside the header, seeks to the header end (and
        counts the header's sync marker as seen).  If no marker follows,
        seeks to the end of the file.

        Parameters
        ----------
        position : int
            Byte offset.
        """
        if self.file_size is not None and position + SYNC_SIZE >= self.file_size:
            self.seek(self.file_size)
            return
        if position < self.header_end:
            self.seek(self.header_end)
            self.sync_seen = True
            return
        marker = self.sync_marker
        self.seek(position + 4)
        while True:
            self._fill(SYNC_HASH_SIZE)
            idx = self._buf.find(marker, self._bpos)
            if idx >= 0:
                self.seek(self._bbase + idx - 4)
                return
            if self._eof:
                self._bpos = len(self._buf)
                return
            # Keep the last 15 bytes: a marker may straddle the buffer end.
            self._bpos = max(self._bpos, len(self._buf) - (SYNC_HASH_SIZE - 1))
            self._fill(len(self._buf) - self._bpos + 1)

    # -- record iteration -------------------------------------------------

    def _records(self, bulk: bool = True) -> Iterator[tuple[int, Any, Any]]:
        """``(position, key, value)`` from here; *bulk*: decode runs of small records at once
        (not for one record: :meth:`read_record` would decode a run per call)."""
        if self.compression is CompressionType.BLOCK:
            return self._block_records()
        return self._plain_records(bulk)

    def _plain_records(self, bulk: bool = True) -> Iterator[tuple[int, Any, Any]]:
        kdec = self._kc.decode
        vdec = self._vc.decode
        codec = self.codec if self.compression is CompressionType.RECORD else None
        marker = self.sync_marker
        unpack = _II.unpack_from
        path = self.path
        end = self._end
        bulk = bulk and codec is None and spans_supported(self._kc) and spans_supported(self._vc)
        while True:
            buf = self._buf
            bp = self._bpos
            pos = self._bbase + bp
            if pos >= end:
                return
            if bulk and len(buf) - bp >= 8 * MIN_RUN:
                bulk, run = self._plain_run(buf, bp)  # not bulk: values it does not take; record by record
                if run is not None:
                    self.sync_seen = False
                    for at, stop, key, value in run:
                        self._bpos = stop
                        self.last_record_position = at
                        yield at, key, value
                        if self._bpos != stop or self._buf is not buf:
                            break  # the caller moved the reader (seek/sync): go on from there
                    continue
            if len(buf) - bp < 8:
                avail = self._fill(8)
                buf = self._buf
                bp = self._bpos
                if avail == 0:
                    return
                if avail < 8:
                    raise TruncatedFileError(
                        f"file ends inside a record header ({avail} bytes left)", path=path, offset=pos
                    )
            reclen, keylen = unpack(buf, bp)
            if reclen == SYNC_ESCAPE:
                if len(buf) - bp < SYNC_SIZE + 8:
                    avail = self._fill(SYNC_SIZE + 8)
                    buf = self._buf
                    bp = self._bpos
                    if avail < SYNC_SIZE:
                        raise TruncatedFileError("file ends inside a sync marker", path=path, offset=pos)
                if buf[bp + 4 : bp + SYNC_SIZE] != marker:
                    raise BadSyncMarkerError(
                        "sync escape not followed by this file's sync marker (file is corrupt)",
                        path=path,
                        offset=pos,
                    )
                self.sync_seen = True
                bp += SYNC_SIZE
                self._bpos = bp
                if self._bbase + bp >= end:
                    return
                if len(buf) - bp < 8:
                    avail = self._fill(8)
                    buf = self._buf
                    bp = self._bpos
                    if avail == 0 and self.file_size is None:
                        return
                    if avail < 8:
                        raise TruncatedFileError(
                            f"file ends inside a record header ({avail} bytes left)",
                            path=path,
                            offset=self._bbase + bp,
                        )
                reclen, keylen = unpack(buf, bp)
            else:
                self.sync_seen = False
            if keylen < 0 or reclen < keylen:
                raise RecordLengthError(
                    f"bad record lengths: record length {reclen}, key length {keylen}",
                    path=path,
                    offset=self._bbase + bp,
                )
            ks = bp + 8
            ve = ks + reclen
            if ve > len(buf):
                rec_at = self._bbase + bp
                avail = self._fill(8 + reclen)
                buf = self._buf
                bp = self._bpos
                if avail < 8 + reclen:
                    raise TruncatedFileError(
                        f"file ends inside a record of {reclen} bytes ({avail - 8} present)",
                        path=path,
                        offset=rec_at,
                    )
                ks = bp + 8
                ve = ks + reclen
            vs = ks + keylen
            try:
                key, o = kdec(buf, ks, vs)
                if o != vs:
                    raise RecordLengthError(
                        f"key of class {self.key_class} used {o - ks} bytes but the record "
                        f"says the key length is {keylen}",
                        path=path,
                        offset=self._bbase + bp,
                    )
                if codec is None:
                    value, o = vdec(buf, vs, ve)
                    if o != ve:
                        raise RecordLengthError(
                            f"value of class {self.value_class} used {o - vs} bytes but the "
                            f"record says the value length is {ve - vs}",
                            path=path,
                            offset=self._bbase + bp,
                        )
                else:
                    try:
                        data = codec.decompress(buf[vs:ve])
                    except CodecError as exc:
                        raise CorruptBlockError(
                            f"compressed value does not decompress: {exc}",
                            path=path,
                            offset=self._bbase + vs,
                        ) from exc
                    value, o = vdec(data, 0, len(data))
                    if o != len(data):
                        raise RecordLengthError(
                            f"value of class {self.value_class} used {o} bytes of its "
                            f"{len(data)} decompressed bytes",
                            path=path,
                            offset=self._bbase + bp,
                        )
            except SequenceFileError:
                raise
            except (struct.error, IndexError, ValueError, UnicodeError, TypeError, RecursionError) as exc:
                raise CorruptRecordError(
                    f"cannot deserialize record ({self.key_class} -> {self.value_class}): {exc}",
                    path=path,
                    offset=self._bbase + bp,
                ) from exc
            self._bpos = ve
            self.last_record_position = pos
            yield pos, key, value

    def _plain_run(self, buf: bytes, bp: int) -> tuple[bool, Iterator[tuple[int, int, Any, Any]] | None]:
        """The whole records in *buf* from *bp*, decoded in bulk.

        Returns
        -------
        tuple of (bool, iterator or None)
            False if their keys or values are not what :mod:`~hama_yarn.io.seqbulk` decodes
            (the file is read record by record from here); the records as ``(start, end,
            key, value)`` with offsets in *buf*, or None when fewer than :data:`MIN_RUN` are
            there whole before a sync marker or the buffer's end (the record-by-record path
            takes the next one).
        """
        st, stop = plain_run(buf, bp, self._end - self._bbase)
        if len(st) < MIN_RUN:
            return True, None
        ok, run = decode_run(self._kc, self._vc, buf, st, stop)
        if run is None:
            return ok, None
        rec_end, keys, values = run
        return True, zip((st + self._bbase).tolist(), rec_end.tolist(), keys, values)

    def _read_block(self) -> tuple[int, list[int], bytes, list[int], bytes] | None:
        """Read one block at the current position; None at a clean end of file."""
        pos = self._bbase + self._bpos
        if pos >= self._end:
            return None
        avail = self._fill(SYNC_SIZE)
        if avail == 0:
            return None
        if avail < SYNC_SIZE:
            raise TruncatedFileError("file ends inside a block's sync marker", path=self.path, offset=pos)
        buf, bp = self._buf, self._bpos
        if buf[bp : bp + 4] != _SYNC_ESCAPE_BYTES or buf[bp + 4 : bp + SYNC_SIZE] != self.sync_marker:
            raise BadSyncMarkerError(
                "block does not start with this file's sync marker (file is corrupt)",
                path=self.path,
                offset=pos,
            )
        self._bpos += SYNC_SIZE
        codec = self.codec
        assert codec is not None
        count_at = self._bbase + self._bpos
        count = self._take_vint("a block's record count")
        if count < 0:
            raise CorruptBlockError(f"negative block record count {count}", path=self.path, offset=count_at)
        parts: list[bytes] = []
        names = ("key lengths", "keys", "value lengths", "values")
        for name in names:
            at = self._bbase + self._bpos
            clen = self._take_vint(f"the block's compressed {name} length")
            if clen < 0:
                raise CorruptBlockError(
                    f"negative compressed {name} length {clen}", path=self.path, offset=at
                )
            data = self._take(clen, f"the block's compressed {name}")
            try:
                parts.append(codec.decompress(data))
            except CodecError as exc:
                raise CorruptBlockError(
                    f"compressed {name} buffer does not decompress: {exc}",
                    path=self.path,
                    offset=at,
                ) from exc
        klens = self._vint_list(parts[0], count, "key lengths", pos)
        vlens = self._vint_list(parts[2], count, "value lengths", pos)
        if sum(klens) != len(parts[1]) or sum(vlens) != len(parts[3]):
            raise RecordLengthError(
                f"block key/value lengths (sum {sum(klens)} / {sum(vlens)}) do not match "
                f"the decompressed key/value buffers ({len(parts[1])} / {len(parts[3])} bytes)",
                path=self.path,
                offset=pos,
            )
        return pos, klens, parts[1], vlens, parts[3]

    def _vint_list(self, data: bytes, count: int, what: str, block_at: int) -> list[int]:
        if len(data) == count and (not data or max(data) < 128):
            return list(data)
        out: list[int] = []
        off = 0
        try:
            for _ in range(count):
                v, off = decode_vlong(data, off)
                if v < 0:
                    raise CorruptBlockError(
                        f"negative length {v} in the block's {what}", path=self.path, offset=block_at
                    )
                out.append(v)
        except IndexError:
            raise RecordLengthError(
                f"block's {what} buffer holds fewer than its {count} records",
                path=self.path,
                offset=block_at,
            ) from None
        if off != len(data):
            raise RecordLengthError(
                f"block's {what} buffer has {len(data) - off} bytes after its {count} records",
                path=self.path,
                offset=block_at,
            )
        return out

    def _decode_block(self, blk: tuple[int, list[int], bytes, list[int], bytes]) -> tuple[list[Any], list[Any]] | None:
        """All keys and values of a block by :func:`~hama_yarn.io.seqbulk.decode_column`, or None."""
        if self.raw:
            return None
        keys = decode_column(self._kc, blk[2], blk[1])
        if keys is None:
            return None
        values = decode_column(self._vc, blk[4], blk[3])
        return None if values is None else (keys, values)

    def _block_records(self) -> Iterator[tuple[int, Any, Any]]:
        kdec = self._kc.decode
        vdec = self._vc.decode
        path = self.path
        while True:
            blk = self._blk
            if blk is None:
                blk = self._read_block()
                if blk is None:
                    return
                self._blk = blk
                self._blk_i = self._blk_ko = self._blk_vo = 0
                self._blk_dec = self._decode_block(blk)
            pos, klens, keys, vlens, vals = blk
            i = self._blk_i
            if i >= len(klens):
                self._blk = None
                continue
            dec = self._blk_dec
            if dec is not None:  # the block's keys and values decoded at once (seqbulk)
                kl, vl = dec
                self.last_record_position = pos
                n = len(kl)
                while i < n:
                    self._blk_i = i + 1
                    self.sync_seen = i == 0
                    yield pos, kl[i], vl[i]
                    i += 1
                self._blk = None
                continue
            ko = self._blk_ko
            vo = self._blk_vo
            klen = klens[i]
            vlen = vlens[i]
            ke = ko + klen
            ve = vo + vlen
            try:
                key, o = kdec(keys, ko, ke)
                if o != ke:
                    raise RecordLengthError(
                        f"key of class {self.key_class} used {o - ko} bytes but the block "
                        f"says its length is {klen}",
                        path=path,
                        offset=pos,
                    )
                value, o = vdec(vals, vo, ve)
                if o != ve:
                    raise RecordLengthError(
                        f"value of class {self.value_class} used {o - vo} bytes but the "
                        f"block says its length is {vlen}",
                        path=path,
                        offset=pos,
                    )
            except SequenceFileError:
                raise
            except (struct.error, IndexError, ValueError, UnicodeError, TypeError, RecursionError) as exc:
                raise CorruptRecordError(
                    f"cannot deserialize a record of the block ({self.key_class} -> "
                    f"{self.value_class}): {exc}",
                    path=path,
                    offset=pos,
                ) from exc
            self._blk_i = i + 1
            self._blk_ko = ke
            self._blk_vo = ve
            self.sync_seen = i == 0
            self.last_record_position = pos
            yield pos, key, value

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        """Iterate ``(key, value)`` from the current position to the end."""
        return map(itemgetter(1, 2), self._records())

    def iter_with_positions(self) -> Iterator[tuple[int, Any, Any]]:
        """Iterate ``(position, key, value)`` from the current position.

        ``position`` is :attr:`last_record_position` for that record: for
        NONE/RECORD files the offset where the record (or the sync marker
        preceding it) starts, so :meth:`seek` to it re-reads the record; for
        BLOCK files the offset of the record's block.

        Returns
        -------
        Iterator of tuple of (int, Any, Any)
            Records with their positions.
        """
        return self._records()

    def iter_split(self, start: int, length: int) -> Iterator[tuple[Any, Any]]:
        """Iterate the records of the split ``[start, start + length)``.

        Follows Hadoop's ``SequenceFileRecordReader``: seek to the header
        end; if ``start`` is past it, :meth:`sync` to ``start``; then yield
        records while the position before a record is below the split end,
        and stop at the first record at or after the end that follows a
        sync marker.  Splits that tile a file yield every record exactly
        once.

        Parameters
        ----------
        start : int
            First byte of the split.
        length : int
            Split length in bytes.

        Returns
        -------
        Iterator of tuple of (Any, Any)
            The split's ``(key, value)`` records.
        """
        if start < 0 or length < 0:
            raise ValueError("split start and length must be non-negative")
        end = start + length
        self.seek(self.header_end)
        self.sync_seen = False
        if start > self.header_end:
            self.sync(start)
        if self.tell() >= end:
            return
        for pos, key, value in self._records():
            if pos >= end and self.sync_seen:
                return
            yield key, value

    def read_record(self) -> tuple[Any, Any] | None:
        """Read the next record, or return None at end of file.

        Returns
        -------
        tuple of (Any, Any) or None
            The next ``(key, value)``.
        """
        rec = next(self._records(bulk=False), None)
        if rec is None:
            return None
        return rec[1], rec[2]

    # -- lifecycle --------------------------------------------------------

    def close(self) -> None:
        """Close the file if this reader opened it."""
        if not self._closed:
            self._closed = True
            if self._owned:
                self._f.close()

    def __enter__(self) -> SequenceFileReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<SequenceFileReader {self.path} {self.key_class} -> {self.value_class} "
            f"{self.compression.value} codec={self.codec_class}>"
        )


