"""Scan one split (whole regions) of an HBase table through Thrift1, resuming after faults.

Records are ``(row, {b"family:qualifier": value})``; with
``hbase.mapreduce.scan.include.timestamp=true`` each value is ``(value, timestamp)``;
with ``hbase.mapreduce.scan.maxversions`` > 1 each value is a list of versions,
newest first.  With ``hbase.mapreduce.scan.batchsize`` a wide row comes as several
records of at most that many cells (Hadoop's ``Scan.setBatch``).

Faults: when the connection drops, the Thrift server restarts or the scanner expires
(a region split or move the server could not hide), the reader reconnects (up to
``hbase.client.retries.number`` times, pauses from ``hbase.client.pause``) and reopens
the scan just after the last row it returned -- or, in batch mode, at that row,
skipping the parts already returned -- so no row is lost or returned twice.  When the
retries are spent it fails with an error naming the table, region and address.

Thrift1 has no time-range or max-versions scan: the scan asks for cells older than
``timerange.end`` and drops cells older than ``timerange.start`` on the client (the
same result as HBase's ``setTimeRange`` for the newest version); more than one version
is fetched per column with ``getVerTs``, one call per row and column.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from ...errors import HamaError
from ..formats import RecordReader
from .connection import HBaseConnectError, HBaseError, TableNotFound, connect, is_transient, server_message, thrift_module
from .spec import ScanSpec, to_string_binary

log = logging.getLogger(__name__)

__all__ = ["HBaseRecordReader", "Record"]

Record = tuple[bytes, dict[bytes, Any]]
_MAX_TS = (1 << 63) - 1


class HBaseRecordReader(RecordReader):
    """Reads the regions of one split in order.

    Parameters
    ----------
    spec : ScanSpec
        What to scan.
    regions : list of (bytes, bytes)
        ``(start, stop)`` ranges (already clipped to the scan range), scanned in order.
    """

    def __init__(self, spec: ScanSpec, regions: list[tuple[bytes, bytes]]) -> None:
        self.spec = spec
        self.regions = regions
        self.bytes_read = 0
        self.reconnects = 0
        self._conn: Any = None
        self._hb = thrift_module()
        self._plain = spec.time_start is None and spec.max_versions == 1 and not spec.include_timestamp

    # ------------------------------------------------------------ connection
    def _client(self) -> Any:
        if self._conn is None:
            s = self.spec
            self._conn = connect(s.host, s.port, s.connect_timeout_ms, s.rpc_timeout_ms)
        return self._conn.client

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - the connection is already broken
                log.debug("closing a broken connection", exc_info=True)
        self._conn = None

    def close(self) -> None:
        self._drop()

    # ------------------------------------------------------------ scanning
    def __iter__(self) -> Iterator[Record]:
        for lo, hi in self.regions:
            yield from self._scan_range(lo, hi)

    def _tscan(self, start: bytes, stop: bytes) -> Any:
        s = self.spec
        scan = self._hb.TScan(startRow=start, stopRow=stop or None, caching=s.caching, sortColumns=False)
        if s.columns:
            scan.columns = list(s.columns)
        if s.thrift_timestamp is not None:
            scan.timestamp = s.thrift_timestamp
        if s.filter:
            scan.filterString = s.filter.encode()
        if s.batch:
            scan.batchSize = s.batch
        return scan

    def _where(self, lo: bytes, hi: bytes) -> str:
        return (f"table {self.spec.table!r} region [{to_string_binary(lo)!r}, {to_string_binary(hi)!r}) "
                f"on the HBase Thrift server {self.spec.address}")

    def _scan_range(self, lo: bytes, hi: bytes) -> Iterator[Record]:
        s = self.spec
        last_row: bytes | None = None
        parts = 0  # batch mode: records of last_row already returned
        failures = 0
        pause = s.pause_ms / 1000
        while True:
            if last_row is None:
                start, skip = lo, 0
            elif s.batch:
                start, skip = last_row, parts
            else:
                start, skip = last_row + b"\x00", 0
            scanner = None
            try:
                client = self._client()
                scanner = client.scannerOpenWithScan(s.table.encode(), self._tscan(start, hi), {})
                while True:
                    results = client.scannerGetList(scanner, s.caching)
                    if not results:
                        break
                    for result in results:
                        row = result.row
                        if skip and row == last_row:
                            skip -= 1
                            continue
                        skip = 0
                        record = self._record(client, row, result.columns)
                        if row == last_row:
                            parts += 1
                        else:
                            last_row, parts = row, 1
                        if record is not None:
                            failures = 0
                            yield record
                try:
                    client.scannerClose(scanner)
                except Exception:  # noqa: BLE001 - the scan is complete; a stale id does not matter
                    log.debug("scannerClose failed", exc_info=True)
                return
            except Exception as exc:  # noqa: BLE001 - classified below
                lost = isinstance(exc, HBaseConnectError)  # a reconnect that failed: retry as well
                if isinstance(exc, HamaError) and not lost:
                    raise
                text = server_message(exc)
                if isinstance(exc, self._hb.IOError) and ("TableNotFound" in text or "NoSuchColumnFamily" in text):
                    raise TableNotFound(f"{self._where(lo, hi)}: {text}") from exc
                if not (lost or is_transient(exc)) or failures >= s.retries:
                    retried = f" after {failures} retries (hbase.client.retries.number)" if failures else ""
                    raise HBaseError(f"scanning {self._where(lo, hi)} failed{retried}: "
                                     f"{type(exc).__name__}: {text}") from exc
                failures += 1
                self.reconnects += 1
                shown = to_string_binary(last_row) if last_row is not None else "(region start)"
                log.warning("scan of %s interrupted (%s: %s); resuming after row %r, retry %d/%d",
                            self._where(lo, hi), type(exc).__name__, text, shown, failures, s.retries)
                self._drop()
                time.sleep(pause)
                pause = min(max(pause * 2, 0.1), 10.0)

    def _record(self, client: Any, row: bytes, columns: dict[Any, Any]) -> Record | None:
        s = self.spec
        if self._plain:
            # the common case: latest version, no client-side time filter (thriftpy2 gives bytes)
            plain = {col: cell.value for col, cell in columns.items()}
            self.bytes_read += len(row) + sum(len(c) + len(v) for c, v in plain.items())
            return (row, plain) if plain else None
        value: dict[bytes, Any] = {}
        size = len(row)
        t_start = s.time_start
        for col, cell in columns.items():
            ts = int(cell.timestamp)
            if t_start is not None and ts < t_start:
                continue
            col_b = bytes(col)
            if s.max_versions > 1:
                cells = client.getVerTs(s.table.encode(), row, col_b, s.time_end or _MAX_TS, s.max_versions, {})
                versions = [(bytes(c.value), int(c.timestamp)) for c in cells
                            if t_start is None or int(c.timestamp) >= t_start]
                if not versions:
                    continue
                size += len(col_b) + sum(len(v) + 8 for v, _ in versions)
                value[col_b] = versions if s.include_timestamp else [v for v, _ in versions]
            else:
                data = bytes(cell.value)
                size += len(col_b) + len(data)
                value[col_b] = (data, ts) if s.include_timestamp else data
        self.bytes_read += size
        if not value:
            return None
        return row, value
