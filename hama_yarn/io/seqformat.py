"""``sequencefile`` input and output formats (Hama's ``SequenceFileInputFormat`` / ``SequenceFileOutputFormat``).

Input: splits come from :func:`hama_yarn.io.splits.plan_splits` with the minimum split
size of Hadoop's ``SequenceFileInputFormat`` (the sync interval); each byte range is
read with :meth:`SequenceFileReader.iter_split`, Hadoop's ``SequenceFileRecordReader``
rule (a record belongs to the range in which the sync marker before it starts), so
contiguous ranges yield every record exactly once.  Keys and values are decoded into
Python values by the Writable registry (:mod:`hama_yarn.io.writables`).  A MapFile
directory (``data`` + ``index``) given as an input path is read through its ``data``
file, as Hadoop does.

Output: a SequenceFile per task.  Key/value classes come from ``bsp.output.key.class``
and ``bsp.output.value.class`` (Java class names or short names such as ``Text``,
``IntWritable``), otherwise they are inferred from the first record written
(:func:`hama_yarn.io.writables.infer_writable_class`); a task that writes nothing and
has no configured classes writes an empty file of ``NullWritable`` keys and values.
Compression follows Hadoop's keys: ``bsp.output.compress`` (bool),
``bsp.output.compression.type`` (``NONE``/``RECORD``/``BLOCK``, default ``RECORD`` as
Hadoop's ``io.seqfile.compression.type``) and ``bsp.output.compression.codec``
(``default``, ``gzip``, ``bzip2``, ``snappy``, ``lz4``, ``zstd`` or a Hadoop codec
class name).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import repeat
from typing import Any

from ..config import HamaConfiguration
from ..errors import ConfigError, InputError, OutputError
from . import fs as _fs
from .codecs import CodecError, get_codec
from .formats import InputFormat, OutputFormat, RecordReader, RecordWriter, Split
from .sequencefile import (
    SYNC_INTERVAL,
    CompressionType,
    SequenceFileError,
    SequenceFileReader,
    SequenceFileWriter,
)
from .seqraw import DEFAULT_BLOCK_BYTES, RecordBlock, record_blocks
from .seqvectors import VECTOR_CLASS, read_vector_split
from .splits import plan_splits
from .writables import UnknownWritableError, get_writable, infer_writable_class, registered_writables

log = logging.getLogger(__name__)

__all__ = ["SequenceFileInputFormat", "SequenceFileOutputFormat", "writable_class_name"]

_BUFFER = 1 << 20


def writable_class_name(name: str, key: str) -> str:
    """Expand a short Writable name (``Text``, ``IntWritable``) to its registered Java class.

    Raises
    ------
    ConfigError
        Naming *key*, when no registered Writable has that name.
    """
    name = name.strip()
    try:
        get_writable(name)
        return name
    except UnknownWritableError:
        pass
    matches = [cls for cls in registered_writables() if cls.rsplit(".", 1)[-1] == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConfigError(key, f"unknown Writable class {name!r} (register it with hama_yarn.io.writables.register_writable)")
    raise ConfigError(key, f"ambiguous Writable class {name!r}: {sorted(matches)}")


class _SequenceFileReader(RecordReader):
    """Reads the byte ranges of one split from SequenceFiles."""

    def __init__(self, conf: HamaConfiguration, split: Split) -> None:
        self.conf = conf
        self.segments: list[list[Any]] = list(split.get("segments", ()))
        self.bytes_read = 0
        self._reader: SequenceFileReader | None = None

    def _open(self, url: str) -> SequenceFileReader:
        fs, path = _fs.resolve(url, self.conf)
        try:
            f: Any = _fs.open_input(fs, path, buffered=False, name=url)  # the reader buffers itself
        except FileNotFoundError as exc:
            raise InputError(f"Input path does not exist: {url}") from exc
        except OSError as exc:
            raise InputError(f"cannot open input {url}: {exc}") from exc
        try:
            reader = SequenceFileReader(f)
        except BaseException:
            f.close()
            raise
        reader.path = url  # error messages name the URL
        reader._owned = True  # close the file with the reader
        return reader

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        current = ""
        try:
            for url, start, length in self.segments:
                if url != current or self._reader is None:
                    self._close()
                    self._reader = self._open(url)
                    current = url
                # uniform unnamed VectorWritable records: parsed in bulk (numpy), then handed out row by row
                rows = read_vector_split(self._reader, int(start), int(length))
                if rows is not None:
                    nulls = repeat(None, len(rows))
                    yield from (zip(rows, nulls) if self._reader.key_class == VECTOR_CLASS else zip(nulls, rows))
                else:
                    yield from self._reader.iter_split(int(start), int(length))
                self.bytes_read += int(length)
        finally:
            self._close()

    def record_blocks(self, size: int = DEFAULT_BLOCK_BYTES) -> Iterator[RecordBlock]:
        """The split's records in blocks for bulk decoders (a hama-yarn extension).

        The same records as iterating the reader, in order: uncompressed files as raw
        bytes (:func:`hama_yarn.io.seqraw.record_blocks`, about *size* bytes a block),
        compressed ones decoded by the record reader (``RecordBlock.decoded``).
        """
        for url, start, length in self.segments:
            self._close()
            reader = self._reader = self._open(url)
            try:
                blocks = record_blocks(reader, int(start), int(length), url, size)
                if blocks is not None:
                    yield from blocks
                else:
                    yield from _decoded_blocks(reader, url, int(start), int(length))
                self.bytes_read += int(length)
            finally:
                self._close()

    def _close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def close(self) -> None:
        self._close()


def _decoded_blocks(reader: SequenceFileReader, url: str, start: int, length: int,
                    per_block: int = 8192) -> Iterator[RecordBlock]:
    batch: list[tuple[Any, Any]] = []
    for record in reader.iter_split(start, length):
        batch.append(record)
        if len(batch) >= per_block:
            yield RecordBlock(url, -1, reader.key_class, reader.value_class, decoded=batch)
            batch = []
    if batch:
        yield RecordBlock(url, -1, reader.key_class, reader.value_class, decoded=batch)


class SequenceFileInputFormat(InputFormat):
    """Hadoop SequenceFile input, split at sync markers.  Hama: ``SequenceFileInputFormat``."""

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        splits = plan_splits(_with_mapfile_data(conf), num_splits, min_split_size=SYNC_INTERVAL)
        _check_headers(conf, splits)
        return splits

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _SequenceFileReader(conf, split)


def _with_mapfile_data(conf: HamaConfiguration) -> HamaConfiguration:
    """Replace MapFile directories (``data`` + ``index``) in ``bsp.input.dir`` with their ``data`` file."""
    entries = conf.get_list("bsp.input.dir")
    changed = False
    out = []
    for entry in entries:
        url = _fs.qualify(entry, conf)
        fs, path = _fs.resolve(url, conf)
        try:
            is_map = fs.isdir(path) and fs.isfile(f"{path.rstrip('/')}/data") and fs.isfile(f"{path.rstrip('/')}/index")
        except OSError:
            is_map = False
        if is_map:
            out.append(f"{url.rstrip('/')}/data")
            changed = True
        else:
            out.append(entry)
    if not changed:
        return conf
    copy = conf.copy()
    copy.set("bsp.input.dir", ",".join(out))
    return copy


def _check_headers(conf: HamaConfiguration, splits: list[Split]) -> None:
    """Open every input file's header once at planning time, so a bad file fails the job early."""
    seen: set[str] = set()
    for split in splits:
        for url, _start, _length in split.get("segments", ()):
            if url in seen:
                continue
            seen.add(url)
            reader = _SequenceFileReader(conf, {"segments": []})._open(url)
            reader.close()


class _SequenceFileWriter(RecordWriter):
    def __init__(self, conf: HamaConfiguration, url: str) -> None:
        self.conf = conf
        self.url = url
        kc = conf.get("bsp.output.key.class") or ""
        vc = conf.get("bsp.output.value.class") or ""
        self.key_class = writable_class_name(kc, "bsp.output.key.class") if kc else ""
        self.value_class = writable_class_name(vc, "bsp.output.value.class") if vc else ""
        self.compression = CompressionType.NONE
        self.codec = "default"
        if conf.get_bool("bsp.output.compress", False):
            ctype = (conf.get("bsp.output.compression.type") or "RECORD").strip().lower()
            try:
                self.compression = CompressionType(ctype)
            except ValueError:
                raise ConfigError("bsp.output.compression.type", f"expected NONE, RECORD or BLOCK, got {ctype!r}") from None
            self.codec = conf.get("bsp.output.compression.codec") or "default"
            if self.compression is not CompressionType.NONE:
                try:
                    get_codec(self.codec)
                except CodecError as exc:
                    raise ConfigError("bsp.output.compression.codec", str(exc)) from exc
        fs, path = _fs.resolve_output(url, conf)
        try:
            fs.makedirs(fs._parent(path), exist_ok=True)
            self._f = fs.open(path, "wb")
        except OSError as exc:
            raise OutputError(f"cannot create output file {url}: {exc}") from exc
        self._writer: SequenceFileWriter | None = None
        if self.key_class and self.value_class:
            self._open()

    def _open(self) -> SequenceFileWriter:
        try:
            self._writer = SequenceFileWriter(self._f, self.key_class, self.value_class, self.compression, self.codec)
        except SequenceFileError as exc:
            raise OutputError(f"{self.url}: {exc}") from exc
        self._writer.path = self.url
        return self._writer

    def write(self, key: Any, value: Any) -> None:
        w = self._writer
        if w is None:
            if not self.key_class:
                self.key_class = infer_writable_class(key)
            if not self.value_class:
                self.value_class = infer_writable_class(value)
            log.debug("%s: inferred %s -> %s", self.url, self.key_class, self.value_class)
            w = self._open()
        w.append(key, value)

    def close(self) -> None:
        try:
            if self._writer is None:
                self.key_class = self.key_class or "org.apache.hadoop.io.NullWritable"
                self.value_class = self.value_class or "org.apache.hadoop.io.NullWritable"
                self._open()
            assert self._writer is not None
            self._writer.close()
        finally:
            self._f.close()


class SequenceFileOutputFormat(OutputFormat):
    """One Hadoop SequenceFile per task.  Hama: ``SequenceFileOutputFormat``."""

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        return _SequenceFileWriter(conf, path)
