"""Hadoop compression codecs, byte-compatible with ``org.apache.hadoop.io.compress``.

A SequenceFile names its codec by Java class name in its header, and every
compressed unit (one value for RECORD compression, one of the four buffers of
a block for BLOCK compression) is an independent compressed stream produced by
that codec.  This module maps those class names to Python implementations:

=============================================  ==========  ==========================
Java class                                     short name  wire format
=============================================  ==========  ==========================
``org.apache.hadoop.io.compress.DefaultCodec``  ``default``  zlib stream (RFC 1950)
``org.apache.hadoop.io.compress.DeflateCodec``  ``deflate``  zlib stream (RFC 1950)
``org.apache.hadoop.io.compress.GzipCodec``     ``gzip``     gzip member(s) (RFC 1952)
``org.apache.hadoop.io.compress.BZip2Codec``    ``bzip2``    bzip2 stream (``BZh9...``)
``org.apache.hadoop.io.compress.SnappyCodec``   ``snappy``   block framing + raw snappy
``org.apache.hadoop.io.compress.Lz4Codec``      ``lz4``      block framing + raw lz4
``org.apache.hadoop.io.compress.ZStandardCodec`` ``zstd``    zstd frame(s)
=============================================  ==========  ==========================

"Block framing" is Hadoop's ``BlockCompressorStream`` layout: a sequence of
blocks, each a big-endian int32 *uncompressed* length followed by one or more
chunks of (int32 compressed length, compressed bytes) whose decompressed sizes
add up to the block's uncompressed length.  The writer emits at most
``buffer_size - overhead`` raw bytes per chunk, exactly as Hadoop sizes them
(Snappy: ``bufferSize / 6 + 32``; LZ4: ``bufferSize / 255 + 16``; default
buffer size 256 KiB), so Hadoop's decompressors, whose input buffer is
``bufferSize`` bytes, always accept our chunks.

BZip2: since HADOOP-6852 ``BZip2Codec`` writes the complete ``BZh9`` stream
(the ``BZ`` magic is written by ``BZip2CompressionOutputStream``, the rest by
``CBZip2OutputStream``), and its reader accepts streams with or without the
``BZ`` magic; we do the same.
"""

from __future__ import annotations

import bz2
import logging
import struct
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from hama_yarn.errors import HamaError
from hama_yarn.optional import MissingDependencyError, require

__all__ = [
    "CodecError",
    "CodecUnavailableError",
    "CompressionCodec",
    "DefaultCodec",
    "DeflateCodec",
    "GzipCodec",
    "BZip2Codec",
    "SnappyCodec",
    "Lz4Codec",
    "ZStandardCodec",
    "get_codec",
    "register_codec",
    "available_codecs",
]

logger = logging.getLogger(__name__)

_INT = struct.Struct(">i")


class CodecError(HamaError):
    """Compressed data could not be decompressed (or data not compressed)."""


class CodecUnavailableError(CodecError, MissingDependencyError):
    """The Python library implementing a codec is not installed (the ``compression`` extra).

    Parameters
    ----------
    codec : str
        The codec's Java class name.
    module : str
        The Python module that is missing.
    """

    def __init__(self, codec: str, module: str) -> None:
        self.codec = codec
        MissingDependencyError.__init__(self, module, "compression", f"codec {codec}")


def _require(codec: str, module: str) -> Any:
    """Import a codec's library through :func:`hama_yarn.optional.require`."""
    try:
        return require(module, "compression", f"codec {codec}")
    except MissingDependencyError as exc:
        raise CodecUnavailableError(codec, module) from exc


class CompressionCodec(ABC):
    """A Hadoop compression codec: whole-buffer compress / decompress.

    Subclasses set :attr:`java_class` (the name written to SequenceFile
    headers) and :attr:`short_name` (the name accepted by
    :func:`get_codec`).
    """

    java_class: ClassVar[str] = ""
    short_name: ClassVar[str] = ""
    extension: ClassVar[str] = ""

    @abstractmethod
    def compress(self, data: bytes) -> bytes:
        """Compress ``data`` into one self-contained compressed stream.

        Parameters
        ----------
        data : bytes
            Uncompressed bytes (may be empty).

        Returns
        -------
        bytes
            The compressed stream, as the Java codec's output stream would
            produce it after ``resetState(); write(data); finish()``.
        """

    @abstractmethod
    def decompress(self, data: bytes) -> bytes:
        """Decompress one compressed stream produced by this codec.

        Parameters
        ----------
        data : bytes
            Compressed bytes.

        Returns
        -------
        bytes
            The uncompressed bytes.

        Raises
        ------
        CodecError
            If ``data`` is not a valid stream for this codec.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class DefaultCodec(CompressionCodec):
    """``org.apache.hadoop.io.compress.DefaultCodec``: a zlib (RFC 1950) stream.

    Parameters
    ----------
    level : int, optional
        zlib level; Hadoop's default is ``-1`` (zlib's default, 6).
    """

    java_class = "org.apache.hadoop.io.compress.DefaultCodec"
    short_name = "default"
    extension = ".deflate"

    def __init__(self, level: int = -1) -> None:
        self.level = level

    def compress(self, data: bytes) -> bytes:
        return zlib.compress(data, self.level)

    def decompress(self, data: bytes) -> bytes:
        # Hadoop's DecompressorStream keeps going over concatenated streams.
        out: list[bytes] = []
        rest = data
        try:
            while True:
                d = zlib.decompressobj()
                out.append(d.decompress(rest))
                if not d.eof:
                    raise CodecError(f"{self.short_name}: truncated zlib stream")
                rest = d.unused_data
                if not rest:
                    break
        except zlib.error as exc:
            raise CodecError(f"{self.short_name}: corrupt zlib stream: {exc}") from exc
        return b"".join(out)


class DeflateCodec(DefaultCodec):
    """``org.apache.hadoop.io.compress.DeflateCodec`` (an alias of DefaultCodec)."""

    java_class = "org.apache.hadoop.io.compress.DeflateCodec"
    short_name = "deflate"


class GzipCodec(CompressionCodec):
    """``org.apache.hadoop.io.compress.GzipCodec``: gzip members (RFC 1952).

    Parameters
    ----------
    level : int, optional
        zlib level (default 6, as Hadoop's default).
    """

    java_class = "org.apache.hadoop.io.compress.GzipCodec"
    short_name = "gzip"
    extension = ".gz"

    def __init__(self, level: int = 6) -> None:
        self.level = level

    def compress(self, data: bytes) -> bytes:
        c = zlib.compressobj(self.level, zlib.DEFLATED, 31)
        return c.compress(data) + c.flush()

    def decompress(self, data: bytes) -> bytes:
        out: list[bytes] = []
        rest = data
        try:
            while rest:
                d = zlib.decompressobj(31)
                out.append(d.decompress(rest))
                if not d.eof:
                    raise CodecError("gzip: truncated gzip member")
                rest = d.unused_data
        except zlib.error as exc:
            raise CodecError(f"gzip: corrupt gzip stream: {exc}") from exc
        return b"".join(out)


class BZip2Codec(CompressionCodec):
    """``org.apache.hadoop.io.compress.BZip2Codec``: a full bzip2 stream.

    Parameters
    ----------
    level : int, optional
        Block size in 100k units (Hadoop always writes ``h9``).
    """

    java_class = "org.apache.hadoop.io.compress.BZip2Codec"
    short_name = "bzip2"
    extension = ".bz2"

    def __init__(self, level: int = 9) -> None:
        self.level = level

    def compress(self, data: bytes) -> bytes:
        return bz2.compress(data, self.level)

    def decompress(self, data: bytes) -> bytes:
        if not data.startswith(b"BZ"):
            # Old Hadoop writers (pre HADOOP-6852) omitted the "BZ" magic.
            data = b"BZ" + data
        out: list[bytes] = []
        rest = data
        try:
            while rest:
                d = bz2.BZ2Decompressor()
                out.append(d.decompress(rest))
                if not d.eof:
                    raise CodecError("bzip2: truncated bzip2 stream")
                rest = d.unused_data
        except (OSError, ValueError) as exc:
            raise CodecError(f"bzip2: corrupt bzip2 stream: {exc}") from exc
        return b"".join(out)


def block_compress(data: bytes, compress: Callable[[bytes], bytes], max_input: int) -> bytes:
    """Frame ``data`` like Hadoop's ``BlockCompressorStream``.

    Parameters
    ----------
    data : bytes
        Uncompressed bytes.
    compress : callable
        Raw (unframed) compressor for one chunk.
    max_input : int
        Largest number of raw bytes compressed into one chunk.

    Returns
    -------
    bytes
        ``int32 rawLen`` then ``(int32 compLen, bytes)`` chunks, per block of
        at most ``max_input`` raw bytes; an empty input yields one block with
        ``rawLen = 0`` (as Hadoop's ``finish()`` writes).
    """
    if not data:
        return _INT.pack(0)
    parts: list[bytes] = []
    pack = _INT.pack
    mv = memoryview(data)
    n = len(data)
    for off in range(0, n, max_input):
        piece = bytes(mv[off : off + max_input])
        comp = compress(piece)
        parts.append(pack(len(piece)))
        parts.append(pack(len(comp)))
        parts.append(comp)
    return b"".join(parts)


def block_decompress(
    data: bytes, decompress: Callable[[bytes, int], bytes], name: str
) -> bytes:
    """Undo Hadoop's ``BlockCompressorStream`` framing.

    Parameters
    ----------
    data : bytes
        Framed compressed bytes.
    decompress : callable
        ``decompress(chunk, max_output)`` for one raw chunk.
    name : str
        Codec name for error messages.

    Returns
    -------
    bytes
        The uncompressed bytes.

    Raises
    ------
    CodecError
        On truncated framing or a chunk that fails to decompress or
        overflows its block.
    """
    out: list[bytes] = []
    pos = 0
    n = len(data)
    unpack = _INT.unpack_from
    while pos < n:
        if pos + 4 > n:
            raise CodecError(f"{name}: truncated block header at offset {pos}")
        (raw_len,) = unpack(data, pos)
        pos += 4
        if raw_len < 0:
            raise CodecError(f"{name}: negative block length {raw_len} at offset {pos - 4}")
        if raw_len == 0:
            # Hadoop treats a zero-length block as end of stream.
            break
        got = 0
        while got < raw_len:
            if pos + 4 > n:
                raise CodecError(f"{name}: truncated chunk header at offset {pos}")
            (clen,) = unpack(data, pos)
            pos += 4
            if clen < 0 or pos + clen > n:
                raise CodecError(
                    f"{name}: chunk length {clen} at offset {pos - 4} exceeds the data"
                )
            try:
                chunk = decompress(data[pos : pos + clen], raw_len - got)
            except CodecError:
                raise
            except Exception as exc:  # library-specific error types
                raise CodecError(f"{name}: corrupt chunk at offset {pos - 4}: {exc}") from exc
            pos += clen
            got += len(chunk)
            if got > raw_len:
                raise CodecError(
                    f"{name}: block decompressed to more than its declared {raw_len} bytes"
                )
            if not chunk:
                raise CodecError(f"{name}: empty chunk at offset {pos - clen - 4}")
            out.append(chunk)
    return b"".join(out)


_DEFAULT_BLOCK_BUFFER = 256 * 1024


class _BlockFramedCodec(CompressionCodec):
    """Hadoop's ``BlockCompressorStream`` framing around a raw block compressor.

    Subclasses set ``max_input`` and implement ``_raw_compress`` / ``_raw_decompress``.
    """

    max_input: int

    def _raw_compress(self, data: bytes) -> bytes:
        raise NotImplementedError

    def _raw_decompress(self, data: bytes, limit: int) -> bytes:
        raise NotImplementedError

    def compress(self, data: bytes) -> bytes:
        return block_compress(data, self._raw_compress, self.max_input)

    def decompress(self, data: bytes) -> bytes:
        return block_decompress(data, self._raw_decompress, self.short_name)


class SnappyCodec(_BlockFramedCodec):
    """``org.apache.hadoop.io.compress.SnappyCodec``: block framing + raw snappy.

    Parameters
    ----------
    buffer_size : int, optional
        ``io.compression.codec.snappy.buffersize`` (default 256 KiB).
    """

    java_class = "org.apache.hadoop.io.compress.SnappyCodec"
    short_name = "snappy"
    extension = ".snappy"

    def __init__(self, buffer_size: int = _DEFAULT_BLOCK_BUFFER) -> None:
        self._lib: Any = _require(self.java_class, "cramjam").snappy
        self.max_input = buffer_size - (buffer_size // 6 + 32)

    def _raw_compress(self, data: bytes) -> bytes:
        return bytes(self._lib.compress_raw(data))

    def _raw_decompress(self, data: bytes, limit: int) -> bytes:
        # Check the chunk's declared length (a little-endian varint) before
        # the library sizes its output buffer from it.
        declared = shift = 0
        for b in data[:10]:
            declared |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        else:
            raise CodecError("snappy: corrupt chunk length preamble")
        if declared > limit:
            raise CodecError(f"snappy: chunk declares {declared} bytes, more than its block's {limit}")
        return bytes(self._lib.decompress_raw(data))


class Lz4Codec(_BlockFramedCodec):
    """``org.apache.hadoop.io.compress.Lz4Codec``: block framing + raw LZ4 blocks.

    Parameters
    ----------
    buffer_size : int, optional
        ``io.compression.codec.lz4.buffersize`` (default 256 KiB).
    """

    java_class = "org.apache.hadoop.io.compress.Lz4Codec"
    short_name = "lz4"
    extension = ".lz4"

    def __init__(self, buffer_size: int = _DEFAULT_BLOCK_BUFFER) -> None:
        self._lib: Any = _require(self.java_class, "lz4.block")
        self.max_input = buffer_size - (buffer_size // 255 + 16)

    def _raw_compress(self, data: bytes) -> bytes:
        return bytes(self._lib.compress(data, store_size=False))

    def _raw_decompress(self, data: bytes, limit: int) -> bytes:
        # ``limit`` comes from the (possibly corrupt) block header and sizes
        # lz4's output buffer; LZ4 cannot expand a chunk more than 255-fold.
        limit = min(limit, len(data) * 255 + 64)
        return bytes(self._lib.decompress(data, uncompressed_size=limit))


class ZStandardCodec(CompressionCodec):
    """``org.apache.hadoop.io.compress.ZStandardCodec``: plain zstd frame(s).

    Parameters
    ----------
    level : int, optional
        zstd level (Hadoop's default ``io.compression.codec.zstd.level`` is 3).
    """

    java_class = "org.apache.hadoop.io.compress.ZStandardCodec"
    short_name = "zstd"
    extension = ".zst"

    def __init__(self, level: int = 3) -> None:
        zstandard = _require(self.java_class, "zstandard")
        self._lib: Any = zstandard
        self._c: Any = zstandard.ZstdCompressor(level=level)
        self._d: Any = zstandard.ZstdDecompressor()

    def compress(self, data: bytes) -> bytes:
        return bytes(self._c.compress(data))

    def decompress(self, data: bytes) -> bytes:
        out: list[bytes] = []
        rest = data
        try:
            while rest:
                d = self._d.decompressobj()
                out.append(d.decompress(rest))
                if not d.eof:
                    raise CodecError("zstd: truncated zstd frame")
                rest = d.unused_data
        except self._lib.ZstdError as exc:
            raise CodecError(f"zstd: corrupt zstd frame: {exc}") from exc
        return b"".join(out)


_CODEC_CLASSES: dict[str, type[CompressionCodec]] = {}
_ALIASES: dict[str, str] = {}


def register_codec(codec_class: type[CompressionCodec], *aliases: str) -> None:
    """Register a codec class under its Java class name, short name and aliases.

    Parameters
    ----------
    codec_class : type of CompressionCodec
        A subclass with :attr:`~CompressionCodec.java_class` set; it must be
        constructible without arguments.
    *aliases : str
        Extra (case-insensitive) names accepted by :func:`get_codec`.
    """
    if not codec_class.java_class:
        raise ValueError(f"{codec_class.__name__} has no java_class")
    _CODEC_CLASSES[codec_class.java_class] = codec_class
    for alias in (codec_class.short_name, *aliases):
        if alias:
            _ALIASES[alias.lower()] = codec_class.java_class


register_codec(DefaultCodec, "zlib")
register_codec(DeflateCodec)
register_codec(GzipCodec, "gz")
register_codec(BZip2Codec, "bz2")
register_codec(SnappyCodec)
register_codec(Lz4Codec)
register_codec(ZStandardCodec, "zstandard")


def get_codec(name: str | CompressionCodec) -> CompressionCodec:
    """Return a codec instance for a short name or a Java class name.

    Parameters
    ----------
    name : str or CompressionCodec
        ``"default"``, ``"gzip"``, ``"bzip2"``, ``"snappy"``, ``"lz4"``,
        ``"zstd"`` (and aliases), a Java class name such as
        ``"org.apache.hadoop.io.compress.SnappyCodec"``, or an instance
        (returned unchanged).

    Returns
    -------
    CompressionCodec
        A codec instance.

    Raises
    ------
    CodecError
        If the name is unknown.
    CodecUnavailableError
        If the codec's Python library is not installed.
    """
    if isinstance(name, CompressionCodec):
        return name
    java = _ALIASES.get(name.lower(), name)
    cls = _CODEC_CLASSES.get(java)
    if cls is None:
        raise CodecError(
            f"unknown compression codec {name!r}; known: "
            + ", ".join(sorted(_CODEC_CLASSES))
        )
    return cls()


def available_codecs() -> list[str]:
    """List the short names of codecs whose Python libraries are importable.

    Returns
    -------
    list of str
        Short names, e.g. ``["bzip2", "default", "deflate", "gzip", ...]``.
    """
    names = []
    for cls in _CODEC_CLASSES.values():
        try:
            cls()
        except CodecUnavailableError:
            continue
        names.append(cls.short_name)
    return sorted(names)
