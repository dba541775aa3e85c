"""Line-oriented formats: ``text``, ``keyvalue`` and ``null`` input; ``text`` and ``null`` output.

Splitting follows Hadoop's rule for text: a split is a byte range, and a line
belongs to the split in which it *starts*.  A reader whose range does not begin at
offset 0 skips the (partial) first line, and every reader finishes the line that
starts at or before its end, so no line is lost or read twice.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import zlib
from collections.abc import Iterator
from typing import IO, Any

from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError, InputError, OutputError
from . import fs as _fs
from .formats import InputFormat, OutputFormat, RecordReader, RecordWriter, Split
from .splits import byte_range_splits, list_input_files, plan_splits

log = logging.getLogger(__name__)

__all__ = [
    "TextInputFormat",
    "KeyValueTextInputFormat",
    "NullInputFormat",
    "TextOutputFormat",
    "NullOutputFormat",
    "list_input_files",
    "byte_range_splits",
    "is_compressed_text",
]

#: File name suffixes of compressed text input (read whole, never split), as Hadoop's codecs.
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".deflate")


def is_compressed_text(url: str) -> bool:
    """True if *url* names a compressed text file (Hadoop: not splittable)."""
    return url.lower().endswith(_COMPRESSED_SUFFIXES)


def _decompressing(raw: IO[bytes], url: str) -> IO[bytes]:
    lower = url.lower()
    if lower.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if lower.endswith(".bz2"):
        return bz2.BZ2File(raw, mode="rb")
    return _InflateReader(raw)  # type: ignore[return-value]


class _InflateReader:
    """A ``readline`` view of a zlib stream (Hadoop's DefaultCodec, ``.deflate``)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._z = zlib.decompressobj()
        self._buf = b""
        self._eof = False

    def readline(self) -> bytes:
        while b"\n" not in self._buf and not self._eof:
            data = self._raw.read(_BUFFER)
            if not data:
                self._buf += self._z.flush()
                self._eof = True
            else:
                self._buf += self._z.decompress(data)
        i = self._buf.find(b"\n")
        if i < 0:
            line, self._buf = self._buf, b""
        else:
            line, self._buf = self._buf[: i + 1], self._buf[i + 1 :]
        return line

    def close(self) -> None:
        self._raw.close()

_BUFFER = 1 << 20


class _LineReader(RecordReader):
    """Yields ``(offset, line)`` for the lines of a split's byte ranges."""

    def __init__(self, conf: HamaConfiguration, split: Split) -> None:
        self.conf = conf
        self.segments: list[list[Any]] = list(split.get("segments", ()))
        self.bytes_read = 0
        self._open: IO[bytes] | None = None

    def _lines(self) -> Iterator[tuple[str, int, bytes]]:
        for url, start, length in self.segments:
            end = start + length
            fs, path = _fs.resolve(url, self.conf)
            try:
                f = raw = _fs.open_input(fs, path, _BUFFER)
            except FileNotFoundError as exc:
                raise InputError(f"Input path does not exist: {url}") from exc
            compressed = is_compressed_text(url)
            if compressed:
                f = _decompressing(raw, url)
                end = 1 << 62  # the whole file is one split
            self._open = f
            try:
                pos = start
                if start:
                    f.seek(start)
                    pos += len(f.readline())  # the partial first line is the previous split's
                readline = f.readline
                while pos <= end:
                    line = readline()
                    if not line:
                        break
                    # IO_BYTES_READ: the bytes of the lines this split owns, so the splits of a file add up
                    # to its size (the skipped partial line and the line read past `end` are another split's)
                    if not compressed:
                        self.bytes_read += len(line)
                    yield url, pos, line
                    pos += len(line)
            finally:
                if compressed:
                    self.bytes_read += _consumed(raw)  # compressed input: the file's bytes, not the text's
                f.close()
                self._open = None

    def close(self) -> None:
        if self._open is not None:
            self._open.close()


def _consumed(raw: IO[bytes]) -> int:
    """How far a compressed input file was read (0 if its position is unknown)."""
    try:
        return int(raw.tell())
    except (OSError, ValueError, AttributeError):
        return 0


def _decode(url: str, offset: int, raw: bytes) -> str:
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{url}: line at byte offset {offset} is not valid UTF-8: {exc.reason}") from exc


class _TextReader(_LineReader):
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for url, pos, line in self._lines():
            yield pos, _decode(url, pos, line)

    def text_blocks(self, size: int) -> Iterator[tuple[str, int, bytes, int]]:
        """The split's lines as raw byte blocks of whole lines: ``(url, offset, block, lines)``.

        The same lines as iterating the reader (the split rule of the module
        docstring), undecoded and with their line breaks, about *size* bytes per
        block; *offset* is the first line's byte offset in its file, *lines* the
        number of lines (= records) in the block.  Compressed files are read line
        by line and grouped.  For bulk parsers (the vectorized graph loader).
        """
        for url, start, length in self.segments:
            if is_compressed_text(url):
                yield from self._grouped_lines([url, start, length], size)
                continue
            end = start + length
            fs, path = _fs.resolve(url, self.conf)
            try:
                f = _fs.open_input(fs, path, _BUFFER)
            except FileNotFoundError as exc:
                raise InputError(f"Input path does not exist: {url}") from exc
            self._open = f
            try:
                pos = start  # offset of the first byte of `carry` (a line start)
                if start:
                    f.seek(start)
                    pos += len(f.readline())  # the partial first line is the previous split's
                carry = b""
                while pos <= end:
                    data = f.read(size)
                    if not data:  # a last line without a line break
                        if carry:
                            self.bytes_read += len(carry)
                            yield url, pos, carry, 1
                        break
                    buf = carry + data if carry else data
                    cut = buf.rfind(b"\n") + 1
                    if not cut:
                        carry = buf
                        continue
                    block, carry = buf[:cut], buf[cut:]
                    k = end - pos  # lines starting at relative offset <= k are this split's
                    last = k < len(block)
                    if last:
                        block = block[:block.find(b"\n", k) + 1]
                    self.bytes_read += len(block)
                    yield url, pos, block, block.count(b"\n")
                    pos += len(block)
                    if last:
                        break
            finally:
                f.close()
                self._open = None

    def _grouped_lines(self, segment: list[Any], size: int) -> Iterator[tuple[str, int, bytes, int]]:
        saved = self.segments
        self.segments = [segment]
        try:
            block: list[bytes] = []
            first = 0
            have = 0
            for url, pos, line in self._lines():
                if not block:
                    first = pos
                if not line.endswith(b"\n"):
                    line += b"\n"
                block.append(line)
                have += len(line)
                if have >= size:
                    yield url, first, b"".join(block), len(block)
                    block, have = [], 0
            if block:
                yield segment[0], first, b"".join(block), len(block)
        finally:
            self.segments = saved


class _KeyValueReader(_LineReader):
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for url, pos, line in self._lines():
            key, _, value = _decode(url, pos, line).partition("\t")
            yield key, value


class TextInputFormat(InputFormat):
    """Key = byte offset of the line in its file (int), value = the line (str).  Hama: ``TextInputFormat``."""

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        return plan_splits(conf, num_splits, splittable=lambda url: not is_compressed_text(url))

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _TextReader(conf, split)


class KeyValueTextInputFormat(TextInputFormat):
    """Each line split at the first tab into key and value (both str); no tab: value ``""``."""

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _KeyValueReader(conf, split)


class _NoRecords(RecordReader):
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(())


class NullInputFormat(InputFormat):
    """No records, one empty split per peer.  Hama: ``NullInputFormat``."""

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        return [{"segments": []} for _ in range(num_splits)]

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _NoRecords()


def _text(obj: Any) -> bytes:
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj)
    return str(obj).encode("utf-8", "surrogateescape")


def output_compression(conf: HamaConfiguration) -> str | None:
    """The codec short name for compressed output (``bsp.output.compress``), or None."""
    if not conf.get_bool("bsp.output.compress", False):
        return None
    from .codecs import get_codec

    codec = conf.get("bsp.output.compression.codec") or "default"
    try:
        return get_codec(codec).java_class
    except HamaError as exc:
        raise ConfigError("bsp.output.compression.codec", str(exc)) from exc


_TEXT_CODECS = {
    "org.apache.hadoop.io.compress.DefaultCodec": ".deflate",
    "org.apache.hadoop.io.compress.GzipCodec": ".gz",
    "org.apache.hadoop.io.compress.BZip2Codec": ".bz2",
}


class _ZlibWriter:
    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._z = zlib.compressobj()

    def write(self, data: bytes) -> int:
        self._raw.write(self._z.compress(data))
        return len(data)

    def close(self) -> None:
        self._raw.write(self._z.flush())


class _TextWriter(RecordWriter):
    def __init__(self, conf: HamaConfiguration, url: str) -> None:
        codec = output_compression(conf)
        suffix = ""
        if codec is not None:
            if codec not in _TEXT_CODECS:
                raise ConfigError("bsp.output.compression.codec",
                                  f"text output supports {sorted(_TEXT_CODECS)}, not {codec}")
            suffix = _TEXT_CODECS[codec]
        url += suffix
        fs, path = _fs.resolve_output(url, conf)
        try:
            fs.makedirs(fs._parent(path), exist_ok=True)
            raw = fs.open(path, "wb")
        except OSError as exc:
            raise OutputError(f"cannot create output file {url}: {exc}") from exc
        self._f: Any = raw
        if suffix == ".gz":
            self._f = gzip.GzipFile(fileobj=raw, mode="wb")
        elif suffix == ".bz2":
            self._f = bz2.BZ2File(raw, mode="wb")
        elif suffix == ".deflate":
            self._f = _ZlibWriter(raw)
        self._raw = raw
        self.url = url

    def write(self, key: Any, value: Any) -> None:
        if key is None and value is None:
            return  # Hadoop's LineRecordWriter writes nothing for (null, null)
        if key is None:
            line = _text(value)
        elif value is None:
            line = _text(key)
        else:
            line = _text(key) + b"\t" + _text(value)
        self._f.write(line + b"\n")

    def close(self) -> None:
        self._f.close()
        if self._f is not self._raw:
            self._raw.close()  # GzipFile/BZ2File leave a passed-in file object open


class TextOutputFormat(OutputFormat):
    """``key<TAB>value`` lines; a None side and its tab are omitted.  Hama: ``TextOutputFormat``."""

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        return _TextWriter(conf, path)


class _NullWriter(RecordWriter):
    def write(self, key: Any, value: Any) -> None:
        return None

    def close(self) -> None:
        return None


class NullOutputFormat(OutputFormat):
    """Discards every record.  Hama: ``NullOutputFormat``."""

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        return _NullWriter()
