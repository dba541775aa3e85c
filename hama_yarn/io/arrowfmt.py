"""Columnar formats: ``parquet`` and ``arrow`` (Arrow IPC file) input, ``parquet`` and ``arrow`` output.

Needs pyarrow (``pip install 'hama-yarn[arrow]'``).

Splitting reuses the byte-range plans of :mod:`hama_yarn.io.splits` (so
``bsp.input.split.by.block``, ``bsp.min.split.size`` and ``bsp.max.split.size`` apply),
with a unit rule that makes any tiling read every row exactly once:

* Parquet: a **row group** belongs to the range that holds its first byte (the offset
  of its first column chunk);
* Arrow IPC: **record batch** ``i`` of ``n`` in a file of ``size`` bytes belongs to the
  range that holds byte ``i * size // n`` (the footer does not expose batch offsets
  cheaply; this spreads batches over the file's byte ranges in order).

Records: ``read_next()`` gives ``(row_number_in_file, {column: value})``;
``peer.read_batch()`` gives ``pyarrow.RecordBatch`` objects of at most
``hama.arrow.batch.size`` rows, the numpy-friendly path.  ``hama.arrow.columns``
(comma-separated) selects the columns read.

Output (``parquet``, ``arrow``): ``part-NNNNN.parquet`` / ``part-NNNNN.arrow`` per task,
committed on success like text.  ``peer.write(None, batch)`` writes a RecordBatch or
Table as it is; ``write(key, {col: value})`` a row (``key`` becomes column ``key`` unless
None); any other ``write(key, value)`` a row of columns ``key`` and ``value``.  Rows are
buffered and written in batches of ``hama.arrow.batch.size``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError, InputError, OutputError
from . import fs as _fs
from .formats import InputFormat, OutputFormat, RecordReader, RecordWriter, Split
from .splits import plan_splits

log = logging.getLogger(__name__)

__all__ = [
    "ParquetInputFormat",
    "ArrowInputFormat",
    "ParquetOutputFormat",
    "ArrowOutputFormat",
    "BatchReader",
    "require_pyarrow",
]

COLUMNS_KEY = "hama.arrow.columns"
BATCH_KEY = "hama.arrow.batch.size"
DEFAULT_BATCH = 65536


def require_pyarrow(feature: str = "Parquet/Arrow I/O") -> Any:
    """Import pyarrow, or fail naming *feature* and ``pip install 'hama-yarn[arrow]'``."""
    from ..optional import require

    return require("pyarrow", "arrow", feature)


def _columns(conf: HamaConfiguration) -> list[str] | None:
    cols = [c.strip() for c in (conf.get(COLUMNS_KEY) or "").split(",") if c.strip()]
    return cols or None


def _batch_size(conf: HamaConfiguration) -> int:
    try:
        n = conf.get_int(BATCH_KEY, DEFAULT_BATCH)
    except (ValueError, HamaError) as exc:
        raise ConfigError(BATCH_KEY, f"not an integer: {conf.get(BATCH_KEY)!r}") from exc
    if n < 1:
        raise ConfigError(BATCH_KEY, f"must be at least 1, got {n}")
    return n


class BatchReader(RecordReader):
    """A reader of record batches that also yields rows (``(row_number, {column: value})``).

    Subclasses implement :meth:`_batches` yielding ``(first_row_number, RecordBatch)``.
    :meth:`next_batch` and row iteration share one position: rows already read from a
    batch are not returned again by :meth:`next_batch`, and vice versa.
    """

    def __init__(self, conf: HamaConfiguration, split: Split, feature: str) -> None:
        self.pa = require_pyarrow(feature)
        self.conf = conf
        self.segments: list[list[Any]] = list(split.get("segments", ()))
        self.columns = _columns(conf)
        self.batch_size = _batch_size(conf)
        self.bytes_read = 0
        self._gen: Iterator[tuple[int, Any]] | None = None
        self._pending: Any = None  # the rest of the current batch
        self._pending_row = 0
        self._files: list[Any] = []

    def _batches(self) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def _next_raw(self) -> tuple[int, Any] | None:
        if self._gen is None:
            self._gen = self._batches()
        return next(self._gen, None)

    def next_batch(self) -> Any:
        """The next RecordBatch of this split (at most ``hama.arrow.batch.size`` rows), or None."""
        if self._pending is not None:
            batch, self._pending = self._pending, None
            return batch
        while True:
            item = self._next_raw()
            if item is None:
                return None
            if item[1].num_rows:
                return item[1]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        while True:
            if self._pending is None:
                item = self._next_raw()
                if item is None:
                    return
                self._pending_row, self._pending = item
            batch = self._pending
            rows = batch.to_pylist()
            first = self._pending_row
            for i, row in enumerate(rows):
                # keep the position exact for a next_batch() call between rows
                rest = batch.slice(i + 1)
                self._pending, self._pending_row = (rest if rest.num_rows else None), first + i + 1
                yield first + i, row

    def close(self) -> None:
        for f in self._files:
            try:
                f.close()
            except Exception:  # noqa: BLE001 - closing a reader never fails the job
                pass
        self._files = []

    def _open(self, url: str) -> Any:
        fs, path = _fs.resolve(url, self.conf)
        try:
            f = fs.open(path, "rb") if not _fs.is_local(fs) else open(path, "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise InputError(f"Input path does not exist: {url}") from exc
        self._files.append(f)
        return f

    def _by_file(self) -> dict[str, list[tuple[int, int]]]:
        """url -> its byte ranges in this split, in order of appearance."""
        out: dict[str, list[tuple[int, int]]] = {}
        for url, start, length in self.segments:
            out.setdefault(url, []).append((int(start), int(start) + int(length)))
        return out


def _owned(ranges: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in ranges)


class _ParquetReader(BatchReader):
    def __init__(self, conf: HamaConfiguration, split: Split) -> None:
        super().__init__(conf, split, "Parquet input")
        import pyarrow.parquet as pq

        self.pq = pq

    def _batches(self) -> Iterator[tuple[int, Any]]:
        for url, ranges in self._by_file().items():
            f = self._open(url)
            try:
                pf = self.pq.ParquetFile(f)
            except Exception as exc:
                raise InputError(f"{url}: not a readable Parquet file: {exc}") from exc
            meta = pf.metadata
            if self.columns:
                missing = [c for c in self.columns if c not in pf.schema_arrow.names]
                if missing:
                    raise InputError(f"{url}: no column(s) {missing} ({COLUMNS_KEY}); it has {pf.schema_arrow.names}")
            first_row = 0
            for i in range(meta.num_row_groups):
                rg = meta.row_group(i)
                if rg.num_columns and _owned(ranges, _row_group_offset(rg)):
                    self.bytes_read += sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
                    row = first_row
                    try:
                        for batch in pf.iter_batches(batch_size=self.batch_size, row_groups=[i], columns=self.columns):
                            yield row, batch
                            row += batch.num_rows
                    except HamaError:
                        raise
                    except Exception as exc:
                        raise InputError(f"{url}: row group {i} (rows from {first_row}) cannot be read: {exc}") from exc
                first_row += rg.num_rows


def _row_group_offset(rg: Any) -> int:
    col = rg.column(0)
    offsets = [o for o in (col.dictionary_page_offset, col.data_page_offset) if o is not None and o > 0]
    return min(offsets) if offsets else int(col.file_offset)


class _ArrowFileReader(BatchReader):
    def __init__(self, conf: HamaConfiguration, split: Split) -> None:
        super().__init__(conf, split, "Arrow input")
        import pyarrow.ipc as ipc

        self.ipc = ipc

    def _batches(self) -> Iterator[tuple[int, Any]]:
        for url, ranges in self._by_file().items():
            f = self._open(url)
            try:
                size = f.seek(0, 2)
                f.seek(0)
                reader = self.ipc.open_file(f)
            except Exception as exc:
                raise InputError(f"{url}: not a readable Arrow IPC file: {exc}") from exc
            n = reader.num_record_batches
            row = 0
            for i in range(n):
                try:
                    batch = reader.get_batch(i)
                except Exception as exc:
                    raise InputError(f"{url}: record batch {i} cannot be read: {exc}") from exc
                if _owned(ranges, i * size // n):
                    if self.columns:
                        try:
                            batch = batch.select(self.columns)
                        except KeyError as exc:
                            raise InputError(f"{url}: no column(s) {self.columns} ({COLUMNS_KEY}); "
                                             f"it has {batch.schema.names}") from exc
                    self.bytes_read += batch.nbytes
                    for off in range(0, max(batch.num_rows, 1), self.batch_size):
                        yield row + off, batch.slice(off, self.batch_size)
                row += batch.num_rows


class _ColumnarInput(InputFormat):
    feature = "Parquet input"

    def validate(self, conf: HamaConfiguration) -> None:
        require_pyarrow(self.feature)
        _batch_size(conf)

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        return plan_splits(conf, num_splits)


class ParquetInputFormat(_ColumnarInput):
    """Parquet files, split by row group.  Rows: ``(row_number, {column: value})``; batches via ``read_batch``."""

    feature = "Parquet input"

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _ParquetReader(conf, split)


class ArrowInputFormat(_ColumnarInput):
    """Arrow IPC (Feather v2) files, split by record batch.  Rows and batches as :class:`ParquetInputFormat`."""

    feature = "Arrow input"

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        return _ArrowFileReader(conf, split)


class _ColumnarWriter(RecordWriter):
    suffix = ".parquet"
    feature = "Parquet output"

    def __init__(self, conf: HamaConfiguration, url: str) -> None:
        self.pa = require_pyarrow(self.feature)
        self.url = url + self.suffix
        self.batch_size = _batch_size(conf)
        self._conf = conf
        self._f: Any = None  # opened at the first record: a task that writes nothing leaves no file
        self._writer: Any = None
        self._rows: list[dict[str, Any]] = []
        self.rows_written = 0

    def _open_writer(self, schema: Any) -> Any:
        raise NotImplementedError

    def _open_file(self) -> None:
        fs, path = _fs.resolve(self.url, self._conf)
        try:
            fs.makedirs(fs._parent(path), exist_ok=True)
            self._f = fs.open(path, "wb")
        except OSError as exc:
            raise OutputError(f"cannot create output file {self.url}: {exc}") from exc

    def _write_batch(self, batch: Any) -> None:
        if self._writer is None:
            self._open_file()
            self._writer = self._open_writer(batch.schema)
        elif not batch.schema.equals(self._writer_schema):
            try:
                batch = batch.cast(self._writer_schema)  # e.g. int rows after float rows
            except Exception as exc:
                raise OutputError(f"{self.url}: record schema {batch.schema} differs from the file's "
                                  f"{self._writer_schema}") from exc
        self._writer.write_batch(batch)
        self.rows_written += batch.num_rows

    @property
    def _writer_schema(self) -> Any:
        return self._writer.schema

    def _flush_rows(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            try:
                table = self.pa.Table.from_pylist(rows)
            except Exception as exc:
                raise OutputError(f"{self.url}: cannot convert records to Arrow: {exc}") from exc
            for batch in table.to_batches():
                self._write_batch(batch)

    def write(self, key: Any, value: Any) -> None:
        pa = self.pa
        if isinstance(value, pa.RecordBatch | pa.Table):
            self._flush_rows()
            for batch in value.to_batches() if isinstance(value, pa.Table) else [value]:
                self._write_batch(batch)
            return
        if isinstance(value, dict):
            row = dict(value) if key is None else {"key": key, **value}
        else:
            row = {"key": key, "value": value}
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self._flush_rows()

    def close(self) -> None:
        try:
            self._flush_rows()
            if self._writer is not None:
                self._writer.close()
        finally:
            if self._f is not None:
                self._f.close()


class _ParquetWriter(_ColumnarWriter):
    def _open_writer(self, schema: Any) -> Any:
        import pyarrow.parquet as pq

        return _PqAdapter(pq.ParquetWriter(self._f, schema))


class _PqAdapter:
    def __init__(self, w: Any) -> None:
        self.w = w
        self.schema = w.schema_arrow if hasattr(w, "schema_arrow") else w.schema

    def write_batch(self, batch: Any) -> None:
        self.w.write_batch(batch)

    def close(self) -> None:
        self.w.close()


class _ArrowWriter(_ColumnarWriter):
    suffix = ".arrow"
    feature = "Arrow output"

    def _open_writer(self, schema: Any) -> Any:
        return self.pa.ipc.new_file(self._f, schema)


class ParquetOutputFormat(OutputFormat):
    """``part-NNNNN.parquet`` per task (see the module docstring for how records map to rows)."""

    def validate(self, conf: HamaConfiguration) -> None:
        require_pyarrow("Parquet output")
        _batch_size(conf)

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        return _ParquetWriter(conf, path)


class ArrowOutputFormat(OutputFormat):
    """``part-NNNNN.arrow`` (Arrow IPC file) per task."""

    def validate(self, conf: HamaConfiguration) -> None:
        require_pyarrow("Arrow output")
        _batch_size(conf)

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        return _ArrowWriter(conf, path)


def next_batch_of(reader: Any, records: Iterator[tuple[Any, Any]], conf: HamaConfiguration) -> Any:
    """The next RecordBatch of an open *reader* (``peer.read_batch()``), or None at the end.

    A :class:`BatchReader` hands over its own batches; any other reader's *records* are
    gathered into batches of ``hama.arrow.batch.size`` rows with columns ``key`` and ``value``.
    """
    if isinstance(reader, BatchReader):
        return reader.next_batch()
    pa = require_pyarrow("peer.read_batch()")
    n = _batch_size(conf)
    keys: list[Any] = []
    values: list[Any] = []
    for key, value in records:
        keys.append(key)
        values.append(value)
        if len(keys) >= n:
            break
    if not keys:
        return None
    try:
        return pa.RecordBatch.from_pydict({"key": keys, "value": values})
    except Exception as exc:
        raise InputError(f"records cannot be converted to an Arrow batch: {exc}") from exc
