"""Line-oriented formats: ``text``, ``keyvalue`` and ``null`` input; ``text`` and ``null`` output.

Splitting follows Hadoop's rule for text: a split is a byte range, and a line
belongs to the split in which it *starts*.  A reader whose range does not begin at
offset 0 skips the (partial) first line, and every reader finishes the line that
starts at or before its end, so no line is lost or read twice.
"""

from __future__ import annotations

import glob as _glob
import logging
import math
from collections.abc import Iterator
from typing import IO, Any

from ..config import HamaConfiguration
from ..errors import InputError, OutputError
from . import fs as _fs
from .formats import InputFormat, OutputFormat, RecordReader, RecordWriter, Split

log = logging.getLogger(__name__)

__all__ = [
    "TextInputFormat",
    "KeyValueTextInputFormat",
    "NullInputFormat",
    "TextOutputFormat",
    "NullOutputFormat",
    "list_input_files",
]

_BUFFER = 1 << 20


def list_input_files(conf: HamaConfiguration) -> list[tuple[str, int]]:
    """Expand ``bsp.input.dir`` into ``(url, size)`` pairs, in a stable order.

    Comma-separated entries may be files, directories (their files, not recursive)
    or globs.  Names starting with ``_`` or ``.`` are skipped, like Hadoop.

    Raises
    ------
    InputError
        ``Input path does not exist: ...`` for a path or glob that matches nothing.
    """
    out: list[tuple[str, int]] = []
    for entry in conf.get_list("bsp.input.dir"):
        fs, path = _fs.resolve(entry, conf)
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        if _glob.has_magic(path):
            matches = sorted(fs.glob(path))
            if not matches:
                raise InputError(f"Input pattern {entry} matches 0 files")
        else:
            matches = [path]
        for m in matches:
            info = _fs.info(fs, m)
            if info["type"] == "directory":
                children = sorted(fs.ls(m, detail=True), key=lambda d: str(d["name"]))
                for child in children:
                    if child["type"] == "file" and not _fs.is_hidden(child["name"]):
                        out.append((_url(protocol, child["name"]), int(child["size"])))
            elif not _fs.is_hidden(m) or m == path:
                out.append((_url(protocol, m), int(info["size"])))
    return out


def _url(protocol: str, path: str) -> str:
    if protocol in ("file", "local"):
        return "file://" + path
    return f"{protocol}://{path}" if "://" not in path else path


def byte_range_splits(files: list[tuple[str, int]], num_splits: int) -> list[Split]:
    """Cut the concatenated *files* into exactly *num_splits* contiguous byte ranges.

    Each split is ``{"segments": [[url, start, length], ...]}``; trailing splits are
    empty when the input has fewer bytes than splits.
    """
    total = sum(size for _, size in files)
    target = max(1, math.ceil(total / num_splits)) if total else 1
    splits: list[Split] = [{"segments": []} for _ in range(num_splits)]
    current, room = 0, target
    for url, size in files:
        pos = 0
        while pos < size:
            take = min(room, size - pos)
            splits[current]["segments"].append([url, pos, take])
            pos += take
            room -= take
            if room == 0 and current < num_splits - 1:
                current, room = current + 1, target
            elif room == 0:
                room = size  # the last split takes whatever rounding left over
    return splits


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
                f = open(path, "rb", buffering=_BUFFER) if _fs.is_local(fs) else fs.open(path, "rb", block_size=_BUFFER)
            except FileNotFoundError as exc:
                raise InputError(f"Input path does not exist: {url}") from exc
            self._open = f
            try:
                pos = start
                if start:
                    f.seek(start)
                    pos += len(f.readline())
                readline = f.readline
                while pos <= end:
                    line = readline()
                    if not line:
                        break
                    yield url, pos, line
                    pos += len(line)
                self.bytes_read += pos - start
            finally:
                f.close()
                self._open = None

    def close(self) -> None:
        if self._open is not None:
            self._open.close()


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


class _KeyValueReader(_LineReader):
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for url, pos, line in self._lines():
            key, _, value = _decode(url, pos, line).partition("\t")
            yield key, value


class TextInputFormat(InputFormat):
    """Key = byte offset of the line in its file (int), value = the line (str).  Hama: ``TextInputFormat``."""

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        return byte_range_splits(list_input_files(conf), num_splits)

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


class _TextWriter(RecordWriter):
    def __init__(self, conf: HamaConfiguration, url: str) -> None:
        fs, path = _fs.resolve(url, conf)
        try:
            fs.makedirs(fs._parent(path), exist_ok=True)
            self._f = fs.open(path, "wb")
        except OSError as exc:
            raise OutputError(f"cannot create output file {url}: {exc}") from exc
        self.url = url

    def write(self, key: Any, value: Any) -> None:
        if key is None:
            line = b"" if value is None else _text(value)
        elif value is None:
            line = _text(key)
        else:
            line = _text(key) + b"\t" + _text(value)
        self._f.write(line + b"\n")

    def close(self) -> None:
        self._f.close()


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
