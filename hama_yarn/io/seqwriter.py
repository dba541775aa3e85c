"""Hadoop SequenceFile writer (see :mod:`hama_yarn.io.sequencefile`)."""

from __future__ import annotations

import logging
import os
import struct
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import IO, Any

from hama_yarn.io.codecs import CodecError, CompressionCodec, get_codec
from hama_yarn.io.writables import (
    LONG_WRITABLE,
    TEXT,
    UnknownWritableError,
    WritableCodec,
    encode_vlong,
    get_writable,
)

from .seqcommon import (
    CompressionType,
    DEFAULT_BLOCK_SIZE,
    SYNC_HASH_SIZE,
    SYNC_INTERVAL,
    SequenceFileError,
    UnknownClassError,
    UnknownCodecError,
    _II,
    _RAW,
    _READ_CHUNK,
    _SYNC_ESCAPE_BYTES,
    _compression_type,
    _encode_header,
    _new_sync_marker,
    _open,
)

__all__ = ["SequenceFileWriter"]

logger = logging.getLogger(__name__)

# A NONE-compressed LongWritable -> Text record with a value under 128 bytes, in one pack:
# record length, key length, the key, the value's one-byte vint length (then the UTF-8 bytes).
_LONG_TEXT = struct.Struct(">iiqB")


def _record_encoder(kc: WritableCodec, vc: WritableCodec) -> Callable[[Any, Any], bytes]:
    """``(key, value) -> record bytes`` of an uncompressed record (lengths, key, value).

    The common LongWritable -> Text pair with short values is packed at once; anything else
    (and every value those fast paths refuse) goes through the codecs, which raise their errors.
    """
    kenc, venc = kc.encode, vc.encode
    pack = _II.pack

    def generic(key: Any, value: Any) -> bytes:
        kb = kenc(key)
        vb = venc(value)
        klen = len(kb)
        return pack(klen + len(vb), klen) + kb + vb

    if kc.java_class != LONG_WRITABLE or vc.java_class != TEXT:
        return generic
    long_text = _LONG_TEXT.pack

    def long_text_record(key: Any, value: Any) -> bytes:
        if type(value) is str:
            raw = value.encode("utf-8")
            n = len(raw)
            if n < 128:
                try:
                    return long_text(9 + n, 8, key, n) + raw
                except struct.error:
                    pass  # not an int64: the codec says why
        return generic(key, value)

    return long_text_record


def _compress_block(codec: CompressionCodec, nrec: int, raw: list[bytes]) -> bytes:
    """A BLOCK-compressed block after its sync marker: record count, then each buffer's
    compressed length and bytes (key lengths, keys, value lengths, values)."""
    parts = [encode_vlong(nrec)]
    for data in raw:
        comp = codec.compress(data)
        parts.append(encode_vlong(len(comp)))
        parts.append(comp)
    return b"".join(parts)


# Blocks compressed or compressing at once (BLOCK): the writer's memory is this many blocks more.
_MAX_BLOCKS_IN_FLIGHT = 2


# Writer


class SequenceFileWriter:
    """Write a Hadoop SequenceFile (version 6).

    Parameters
    ----------
    file : str, os.PathLike or binary file object
        A local path, an fsspec URL (``"hdfs://..."``, ``"memory://..."``),
        or an object with ``write`` (and preferably ``tell``), e.g. an fsspec
        file opened ``"wb"``.  Paths are created/truncated and closed by
        :meth:`close`; file objects are only flushed.
    key_class, value_class : str
        Java class names of the keys and values, e.g.
        ``"org.apache.hadoop.io.LongWritable"``; they must be registered in
        :mod:`hama_yarn.io.writables` unless ``raw`` is true.
    compression : {"none", "record", "block"} or CompressionType, optional
        Hadoop compression type.
    codec : str or CompressionCodec, optional
        Codec for RECORD/BLOCK compression (see
        :func:`hama_yarn.io.codecs.get_codec`); ignored for ``"none"``.
    metadata : mapping of str to str, optional
        File metadata (written sorted by key).
    sync_interval : int, optional
        Bytes between sync markers for NONE/RECORD files.
    block_size : int, optional
        Uncompressed key+value bytes that trigger a block flush (BLOCK).
    sync_marker : bytes, optional
        The 16-byte sync marker (random if omitted; fixed for tests).
    raw : bool, optional
        If true, :meth:`append` takes already-serialized key/value bytes.
    buffer_size : int, optional
        Bytes buffered before writing to the underlying file.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> with SequenceFileWriter(buf, "org.apache.hadoop.io.LongWritable",
    ...                         "org.apache.hadoop.io.Text") as w:
    ...     w.append(1, "one")
    """

    def __init__(
        self,
        file: str | os.PathLike[str] | IO[bytes] | Any,
        key_class: str,
        value_class: str,
        compression: str | CompressionType = CompressionType.NONE,
        codec: str | CompressionCodec = "default",
        metadata: Mapping[str, str] | None = None,
        sync_interval: int = SYNC_INTERVAL,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        sync_marker: bytes | None = None,
        raw: bool = False,
        buffer_size: int = _READ_CHUNK,
    ) -> None:
        self.compression = _compression_type(compression)
        self.key_class = key_class
        self.value_class = value_class
        self.metadata: dict[str, str] = dict(metadata or {})
        if sync_interval < 0:
            sync_interval = SYNC_INTERVAL  # as Hadoop's SyncIntervalOption
        self.sync_interval = sync_interval
        self.block_size = block_size
        if sync_marker is None:
            sync_marker = _new_sync_marker()
        if len(sync_marker) != SYNC_HASH_SIZE:
            raise ValueError(f"sync_marker must be {SYNC_HASH_SIZE} bytes")
        self.sync_marker = bytes(sync_marker)
        self.codec: CompressionCodec | None = None
        if self.compression is not CompressionType.NONE:
            try:
                self.codec = get_codec(codec)
            except CodecError as exc:
                raise UnknownCodecError(str(exc)) from exc
        self.raw = raw
        if raw:
            self._kc: WritableCodec = _RAW
            self._vc: WritableCodec = _RAW
        else:
            try:
                self._kc = get_writable(key_class)
                self._vc = get_writable(value_class)
            except UnknownWritableError as exc:
                raise UnknownClassError(exc.java_class) from exc
        self._buffer_size = buffer_size
        self._f, self._owned, self.path = _open(file, "wb")
        try:
            start = int(self._f.tell())
        except (AttributeError, OSError, ValueError):
            start = 0
        self._pos = start
        self._last_sync = 0
        self._next_sync = self.sync_interval  # a marker goes before the first record at or past it
        self._out: list[bytes] = []
        self._out_start = start  # file position of the first byte in _out
        self._next_check = 0  # NONE appends: the position from which _before_record() runs (only grows late)
        self._closed = False
        # BLOCK buffers
        self._klens: list[bytes] = []
        self._keys: list[bytes] = []
        self._vlens: list[bytes] = []
        self._vals: list[bytes] = []
        self._block_bytes = 0
        self._compressor: ThreadPoolExecutor | None = None  # BLOCK: compresses while records are encoded
        self._in_flight: deque[Future[bytes]] = deque()
        self.records = 0
        header = _encode_header(
            key_class,
            value_class,
            self.compression,
            self.codec.java_class if self.codec is not None else None,
            self.metadata,
            self.sync_marker,
        )
        self._emit(header)
        self._flush_out()
        if self.compression is CompressionType.NONE:
            self.append = self._none_append()  # type: ignore[method-assign, assignment]
        elif self.compression is CompressionType.BLOCK:
            self.append = self._block_append()  # type: ignore[method-assign, assignment]
        logger.debug(
            "writing SequenceFile %s (%s -> %s, %s, codec=%s)",
            self.path,
            key_class,
            value_class,
            self.compression.value,
            self.codec,
        )

    # -- output buffering -------------------------------------------------

    def _emit(self, data: bytes) -> None:
        self._out.append(data)
        self._pos += len(data)
        if self._pos - self._out_start >= self._buffer_size:
            self._flush_out()

    def _flush_out(self) -> None:
        if self._out:
            data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
            self._out.clear()
            self._f.write(data)
        self._out_start = self._pos

    def _before_record(self) -> int:
        """NONE appends, at or past ``_next_check``: a sync marker when one is due, the buffer
        written out when full; then the next position to check.  Returns the position.

        ``_next_check`` is never later than the next marker or the buffer's limit (both only
        move forward), so a value left over from before a :meth:`sync` or :meth:`flush` only
        brings this call earlier.
        """
        if self._pos >= self._next_sync:
            self._write_sync()
        if self._pos - self._out_start >= self._buffer_size:
            self._flush_out()
        self._next_check = min(self._next_sync, self._out_start + self._buffer_size)
        return self._pos

    # -- public API -------------------------------------------------------

    def append(self, key: Any, value: Any) -> None:
        """Append one record.

        Parameters
        ----------
        key : Any
            The key, as a Python value of the key class (bytes if ``raw``).
        value : Any
            The value, as a Python value of the value class (bytes if ``raw``).

        Raises
        ------
        hama_yarn.io.writables.WritableError
            If the key or value cannot be serialized as its class.
        SequenceFileError
            If the writer is closed.
        """
        if self._closed:
            raise SequenceFileError("write to a closed SequenceFileWriter", path=self.path)
        self.append_raw(self._kc.encode(key), self._vc.encode(value))

    def _none_append(self) -> Callable[[Any, Any], None]:
        """:meth:`append` of an uncompressed file: one function, the record encoded at once.

        LongWritable -> Text records with short values are packed inline (no call per record);
        the sync marker and the buffer's write-out are checked by one comparison with a
        precomputed position (``_next_check``, :meth:`_before_record`).
        """
        encode = _record_encoder(self._kc, self._vc)
        out = self._out
        emit = out.append
        closed_error = "write to a closed SequenceFileWriter"

        inline = self._kc.java_class == LONG_WRITABLE and self._vc.java_class == TEXT
        long_text = _LONG_TEXT.pack
        head_size = _LONG_TEXT.size  # record length, key length, the long, the Text's one-byte length
        struct_error = struct.error

        def append(key: Any, value: Any) -> None:
            if self._closed:
                raise SequenceFileError(closed_error, path=self.path)
            if inline and type(value) is str:
                raw = value.encode("utf-8")
                n = len(raw)
                if n < 128:
                    try:
                        head = long_text(9 + n, 8, key, n)
                    except struct_error:
                        pass  # not an int64: the codec says why
                    else:
                        self.records += 1
                        pos = self._pos
                        if pos >= self._next_check:
                            pos = self._before_record()
                        emit(head)  # the head and the text go out as two parts: no copy to join them
                        emit(raw)
                        self._pos = pos + head_size + n
                        return
            record = encode(key, value)
            self.records += 1
            pos = self._pos
            if pos >= self._next_check:
                pos = self._before_record()
            emit(record)
            self._pos = pos + len(record)

        append.__doc__ = SequenceFileWriter.append.__doc__
        return append

    def _block_append(self) -> Callable[[Any, Any], None]:
        """:meth:`append` of a BLOCK-compressed file: one function, lengths from a table.

        LongWritable -> Text records with values under 127 bytes are serialized inline.
        """
        kenc, venc = self._kc.encode, self._vc.encode
        lengths = [encode_vlong(i) for i in range(128)]
        klens, keys, vlens, vals = (self._klens.append, self._keys.append, self._vlens.append,
                                    self._vals.append)
        block_size = self.block_size
        closed_error = "write to a closed SequenceFileWriter"

        if self._kc.java_class == LONG_WRITABLE and self._vc.java_class == TEXT:
            pack_long = struct.Struct(">q").pack
            struct_error = struct.error
            len8 = lengths[8]

            def append(key: Any, value: Any) -> None:
                if self._closed:
                    raise SequenceFileError(closed_error, path=self.path)
                if type(value) is str:
                    raw = value.encode("utf-8")
                    n = len(raw)
                    if n < 127:
                        try:
                            kb = pack_long(key)
                        except struct_error:
                            pass  # not an int64: the codec says why
                        else:
                            self.records += 1
                            klens(len8)
                            keys(kb)
                            vlens(lengths[n + 1])
                            vals(lengths[n] + raw)  # Text: vint length, UTF-8 bytes
                            size = self._block_bytes + 9 + n
                            self._block_bytes = size
                            if size >= block_size:
                                self._flush_block()
                            return
                generic(key, value)
        else:

            def append(key: Any, value: Any) -> None:
                if self._closed:
                    raise SequenceFileError(closed_error, path=self.path)
                generic(key, value)

        def generic(key: Any, value: Any) -> None:
            kb = kenc(key)
            vb = venc(value)
            self.records += 1
            kn, vn = len(kb), len(vb)
            klens(lengths[kn] if kn < 128 else encode_vlong(kn))
            keys(kb)
            vlens(lengths[vn] if vn < 128 else encode_vlong(vn))
            vals(vb)
            self._block_bytes += kn + vn
            if self._block_bytes >= block_size:
                self._flush_block()

        append.__doc__ = SequenceFileWriter.append.__doc__
        return append

    def append_raw(self, key_bytes: bytes, value_bytes: bytes) -> None:
        """Append one record from serialized key and (uncompressed) value bytes.

        Parameters
        ----------
        key_bytes : bytes
            Serialized key.
        value_bytes : bytes
            Serialized value, not compressed (RECORD compression compresses it).
        """
        if self._closed:
            raise SequenceFileError("write to a closed SequenceFileWriter", path=self.path)
        self.records += 1
        comp = self.compression
        if comp is CompressionType.BLOCK:
            self._klens.append(encode_vlong(len(key_bytes)))
            self._keys.append(key_bytes)
            self._vlens.append(encode_vlong(len(value_bytes)))
            self._vals.append(value_bytes)
            self._block_bytes += len(key_bytes) + len(value_bytes)
            if self._block_bytes >= self.block_size:
                self._flush_block()
            return
        if comp is CompressionType.RECORD:
            assert self.codec is not None
            value_bytes = self.codec.compress(value_bytes)
        if self._pos >= self._next_sync:
            self._write_sync()
        klen = len(key_bytes)
        self._emit(_II.pack(klen + len(value_bytes), klen) + key_bytes + value_bytes)

    def _write_sync(self) -> None:
        if self._last_sync != self._pos:
            self._emit(_SYNC_ESCAPE_BYTES + self.sync_marker)
            self._last_sync = self._pos
            self._next_sync = self._pos + self.sync_interval

    def _flush_block(self) -> None:
        """End the current block: its four buffers go to the compressor thread.

        The codecs release the GIL while they compress (zlib, bz2, zstd, lz4, snappy), so
        the next block's records are encoded meanwhile. Blocks are written in order, each
        after its sync marker; at most ``_MAX_BLOCKS_IN_FLIGHT`` wait compressed or compressing.
        """
        nrec = len(self._keys)
        if not nrec:
            return
        codec = self.codec
        assert codec is not None
        raw = [b"".join(chunks) for chunks in (self._klens, self._keys, self._vlens, self._vals)]
        for chunks in (self._klens, self._keys, self._vlens, self._vals):
            chunks.clear()
        self._block_bytes = 0
        if self._compressor is None:
            self._compressor = ThreadPoolExecutor(1, thread_name_prefix="seqfile-compress")
        self._in_flight.append(self._compressor.submit(_compress_block, codec, nrec, raw))
        while len(self._in_flight) > _MAX_BLOCKS_IN_FLIGHT:
            self._emit_block(self._in_flight.popleft())

    def _emit_block(self, future: Future[bytes]) -> None:
        block = future.result()  # a codec error surfaces here, in the writing thread
        self._write_sync()
        self._emit(block)

    def _drain_blocks(self) -> None:
        """Write every block still with the compressor (tell, sync, flush, close need them)."""
        while self._in_flight:
            self._emit_block(self._in_flight.popleft())

    def _stop_compressor(self) -> None:
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        if self._compressor is not None:
            self._compressor.shutdown(wait=True)
            self._compressor = None

    def sync(self) -> None:
        """Write a sync marker now (BLOCK: flush the current block, which starts with one).

        Like Hadoop, no marker is written if one was just written.
        """
        if self._closed:
            raise SequenceFileError("sync on a closed SequenceFileWriter", path=self.path)
        if self.compression is CompressionType.BLOCK:
            self._flush_block()
            self._drain_blocks()
        else:
            self._write_sync()

    def flush(self) -> None:
        """Push buffered bytes to the underlying file (BLOCK: pending records stay buffered)."""
        self._drain_blocks()
        self._flush_out()
        fl = getattr(self._f, "flush", None)
        if fl is not None:
            fl()

    def tell(self) -> int:
        """Return the current length of the output, like ``Writer.getLength()``.

        Returns
        -------
        int
            Byte offset at which the next record (NONE/RECORD) or block
            (BLOCK) will start; a valid argument to
            :meth:`SequenceFileReader.seek`.
        """
        self._drain_blocks()
        return self._pos

    def close(self) -> None:
        """Flush pending records and bytes; close the file if this writer opened it."""
        if self._closed:
            return
        try:
            if self.compression is CompressionType.BLOCK:
                self._flush_block()
                self._drain_blocks()
            self._flush_out()
            if not self._owned:
                fl = getattr(self._f, "flush", None)
                if fl is not None:
                    fl()
        finally:
            self._closed = True
            self._stop_compressor()
            if self._owned:
                self._f.close()  # after a failure too: no file handle is left open

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> SequenceFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._owned:
            # Still flush what we have; a partial file helps debugging.
            try:
                self.close()
            except Exception:  # pragma: no cover - secondary failure
                logger.exception("closing %s after an error failed", self.path)
            return
        self.close()


# ---------------------------------------------------------------------------
