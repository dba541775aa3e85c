"""Write task output into an HBase table: batched puts and deletes through Thrift1.

``peer.write(row, {b"family:qualifier": value, ...})`` puts the cells (a None value
deletes that column); ``peer.write(row, None)`` deletes the whole row; any other value
is put into ``hbase.mapred.output.column``.  Rows and columns may be ``bytes`` or
``str`` (UTF-8); values ``bytes``, ``str`` or numbers (their ``str``).

Mutations are buffered per row (``hbase.client.write.buffer`` rows) and sent with one
``mutateRows`` call when the buffer is full and when the task ends.  A row deleted and
then written again in the same task is flushed in between, because Thrift1 applies a
batch's deletes after its puts.

What a failed job leaves: HBase has no commit, so batches flushed before the failure
stay in the table (the job's failure message says so).  With
``hbase.output.cleanup.on.failure=true`` every batch's row keys are first recorded in a
journal table, and when the job fails the master deletes those rows (whole rows) and
the journal entries; when it succeeds it drops the journal entries.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from ...errors import OutputError
from ..formats import RecordWriter
from .connection import HBaseError, connect, retrying, server_message, table_families, thrift_module
from .spec import OutputSpec, to_string_binary

log = logging.getLogger(__name__)

__all__ = ["HBaseRecordWriter", "encode", "JOURNAL_FAMILY", "pack_keys", "unpack_keys"]

JOURNAL_FAMILY = b"j"
_DELETE = object()


def encode(value: Any, what: str) -> bytes:
    """``bytes`` as is, ``str`` as UTF-8, numbers and other scalars as their ``str``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (int, float)):
        return str(value).encode()
    raise OutputError(f"cannot store {what} of type {type(value).__name__} in HBase: use bytes, str or a number")


def pack_keys(keys: list[bytes]) -> bytes:
    """Length-prefixed concatenation of row keys (journal cell)."""
    return b"".join(struct.pack(">I", len(k)) + k for k in keys)


def unpack_keys(blob: bytes) -> list[bytes]:
    """Inverse of :func:`pack_keys`."""
    out, pos = [], 0
    while pos < len(blob):
        (n,) = struct.unpack_from(">I", blob, pos)
        out.append(blob[pos + 4:pos + 4 + n])
        pos += 4 + n
    return out


class HBaseRecordWriter(RecordWriter):
    """Buffers mutations and flushes them with ``mutateRows``.

    Parameters
    ----------
    spec : OutputSpec
        The output table and its settings.
    journal_prefix : bytes
        ``<job token>/<attempt>/``: journal row prefix when cleanup on failure is on.
    """

    def __init__(self, spec: OutputSpec, journal_prefix: bytes = b"") -> None:
        self.spec = spec
        self._hb = thrift_module()
        self._conn: Any = None
        self._client()
        self.families = list(table_families(self._conn, spec.table, spec.address))
        self._buffer: dict[bytes, Any] = {}
        self._journal_prefix = journal_prefix
        self._journal_seq = 0
        self.rows_written = 0
        self.closed = False

    def _client(self) -> Any:
        if self._conn is None:
            s = self.spec
            self._conn = connect(s.host, s.port, s.connect_timeout_ms, s.rpc_timeout_ms)
        return self._conn.client

    def _reconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - already broken
                log.debug("closing a broken connection", exc_info=True)
        self._conn = None
        self._client()

    def write(self, key: Any, value: Any) -> None:
        if key is None:
            raise OutputError("HBase output needs a row key (peer.write(row, value) got None)")
        row = encode(key, "a row key")
        if value is None:
            if row in self._buffer and self._buffer[row] is not _DELETE:
                self._buffer[row] = _DELETE  # a later delete wins over earlier puts
            else:
                self._buffer[row] = _DELETE
        else:
            cells = self._cells(value)
            pending = self._buffer.get(row)
            if pending is _DELETE:
                self.flush()  # deletes of a batch run after its puts: keep the order
                pending = None
            if pending is None:
                self._buffer[row] = cells
            else:
                pending.update(cells)
        if len(self._buffer) >= self.spec.buffer_rows:
            self.flush()

    def _cells(self, value: Any) -> dict[bytes, bytes | None]:
        if isinstance(value, dict):
            cells: dict[bytes, bytes | None] = {}
            for col, v in value.items():
                c = encode(col, "a column name")
                if b":" not in c:
                    raise OutputError(f"HBase column {c!r} is not family:qualifier")
                cells[c] = None if v is None else encode(v, f"the value of column {c!r}")
            return cells
        if not self.spec.default_column:
            raise OutputError(
                f"HBase output value of type {type(value).__name__} is not a {{column: value}} dict; "
                "set hbase.mapred.output.column=family:qualifier to store plain values")
        return {self.spec.default_column: encode(value, "a value")}

    def _mutations(self) -> list[Any]:
        hb = self._hb
        out = []
        for row, cells in self._buffer.items():
            if cells is _DELETE:
                # Thrift1: "fam" deletes the family, "fam:" only the empty qualifier
                muts = [hb.Mutation(isDelete=True, column=f, writeToWAL=True) for f in self.families]
            else:
                muts = [hb.Mutation(isDelete=v is None, column=c, value=v, writeToWAL=True) for c, v in cells.items()]
            out.append(hb.BatchMutation(row=row, mutations=muts))
        return out

    def flush(self) -> None:
        """Send the buffered mutations (one ``mutateRows`` call; retried on transient faults)."""
        if not self._buffer:
            return
        s = self.spec
        batch = self._mutations()
        if self._journal_prefix:
            self._journal(list(self._buffer))
        retrying(f"writing {len(batch)} rows to table {s.table!r}", s.address, s.retries, s.pause_ms,
                 self._reconnect, lambda: self._client().mutateRows(s.table.encode(), batch, {}))
        self.rows_written += len(batch)
        log.debug("flushed %d rows to %s", len(batch), s.table)
        self._buffer.clear()

    def _journal(self, rows: list[bytes]) -> None:
        s = self.spec
        key = self._journal_prefix + struct.pack(">Q", self._journal_seq)
        self._journal_seq += 1
        mut = self._hb.Mutation(isDelete=False, column=JOURNAL_FAMILY + b":rows", value=pack_keys(rows),
                                writeToWAL=True)
        retrying(f"journaling {len(rows)} rows in {s.journal_table!r}", s.address, s.retries, s.pause_ms,
                 self._reconnect, lambda: self._client().mutateRow(s.journal_table.encode(), key, [mut], {}))

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
        except HBaseError as exc:
            raise OutputError(f"HBase output to {self.spec.table!r}: {exc} -- rows flushed before this "
                              f"({self.rows_written}) stay in the table") from exc
        except Exception as exc:  # noqa: BLE001 - thrift errors from mutateRows
            raise OutputError(f"HBase output to {self.spec.table!r} on {self.spec.address} failed: "
                              f"{server_message(exc)} (row {to_string_binary(next(iter(self._buffer), b''))!r}); "
                              f"rows flushed before ({self.rows_written}) stay in the table") from exc
        finally:
            self.closed = True
            if self._conn is not None:
                try:
                    self._conn.close()
                except Exception:  # noqa: BLE001
                    log.debug("close failed", exc_info=True)
