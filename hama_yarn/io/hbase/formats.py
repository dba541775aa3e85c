"""The ``hbase`` input and output formats (Hadoop's ``TableInputFormat`` / ``TableOutputFormat``).

Input: one split per region of ``hbase.mapreduce.inputtable`` in the scan range, dealt
to the peers as whole regions; records ``(row, {b"family:qualifier": value})``.
Output: ``peer.write(row, {col: value})`` puts, ``peer.write(row, None)`` deletes, into
``hbase.mapred.outputtable``.  Both check the table (and the scanned column families)
at submit, so a missing one fails before any peer starts, naming it.

At submit the formats also set ``bsp.input.dir`` / ``bsp.output.dir`` to
``hbase://`` URLs (see :mod:`hama_yarn.io.hbase.commitfs`) and pin
``hbase.thrift.address``, so peers in YARN containers reach the same Thrift server.
"""

from __future__ import annotations

import logging
from typing import Any

from ...config import HamaConfiguration
from ...errors import ConfigError
from ..formats import InputFormat, OutputFormat, RecordReader, RecordWriter, Split
from .commitfs import parse_url
from .connection import TableNotFound, connect, server_message, table_families, thrift_module
from .journal import ensure_journal_table, job_token, journal_of
from .regions import clip_regions, deal_regions, table_regions
from .spec import ADDRESS_KEY, INPUT_TABLE, OUTPUT_TABLE, output_spec, scan_spec

log = logging.getLogger(__name__)

__all__ = ["HBaseInputFormat", "HBaseOutputFormat", "input_url", "FAILURE_NOTE"]

FAILURE_NOTE = ("HBase has no commit: rows this job flushed to table {table!r} before the failure stay "
                "there{cleanup}")


def _check_filter(conn: Any, table: str, text: str) -> None:
    """Open (and close) a scanner with the filter: the server parses it at open."""
    from thriftpy2.thrift import TApplicationException

    hb = thrift_module()
    try:
        scanner = conn.client.scannerOpenWithScan(table.encode(), hb.TScan(filterString=text.encode(),
                                                                            caching=1), {})
    except (hb.IOError, hb.IllegalArgument, TApplicationException) as exc:
        raise ConfigError("hbase.mapreduce.scan.filter",
                          f"HBase rejects filter {text!r}: {server_message(exc).splitlines()[0]}") from exc
    conn.client.scannerClose(scanner)


def input_url(address: str, table: str) -> str:
    """``hbase://address/table``: what ``bsp.input.dir`` holds for an HBase input."""
    return f"hbase://{address}/{table}"


class HBaseInputFormat(InputFormat):
    """Scans an HBase table region by region.  Hadoop: ``TableInputFormat``."""

    def validate(self, conf: HamaConfiguration) -> None:
        """Parse the scan keys; at submit (no ``bsp.input.dir`` yet) check table and families.

        Raises
        ------
        ConfigError
            A key is malformed, or ``bsp.input.dir`` names something else.
        TableNotFound
            The table or a scanned column family does not exist (exit 2 in the CLI).
        """
        spec = scan_spec(conf)
        url = input_url(spec.address, spec.table)
        current = (conf.get("bsp.input.dir") or "").strip()
        if current == url:
            return
        if current:
            raise ConfigError("bsp.input.dir", f"the hbase input format reads table {spec.table!r} "
                              f"({INPUT_TABLE}); remove the input path {current!r}")
        conn = connect(spec.host, spec.port, spec.connect_timeout_ms, spec.rpc_timeout_ms)
        try:
            families = table_families(conn, spec.table, spec.address)
            if spec.filter:
                _check_filter(conn, spec.table, spec.filter)
        finally:
            conn.close()
        missing = [f.decode("utf-8", "replace") for f in spec.families if f not in families]
        if missing:
            have = sorted(f.decode("utf-8", "replace") for f in families)
            raise TableNotFound(f"HBase table {spec.table!r} has no column family {', '.join(missing)} "
                                f"(it has {have}; hbase.mapreduce.scan.columns)")
        conf.set(ADDRESS_KEY, spec.address)
        conf.set("bsp.input.dir", url)

    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        spec = scan_spec(conf)
        conn = connect(spec.host, spec.port, spec.connect_timeout_ms, spec.rpc_timeout_ms)
        try:
            regions = table_regions(conn, spec.table, spec.address)
        finally:
            conn.close()
        clipped = clip_regions(regions, spec.row_start, spec.row_stop)
        if not clipped:
            return [{"hbase": spec.table, "regions": []} for _ in range(num_splits)]
        return deal_regions(spec.table, clipped, num_splits)

    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        from .reader import HBaseRecordReader

        spec = scan_spec(conf)
        regions = [(bytes.fromhex(lo), bytes.fromhex(hi)) for lo, hi in split.get("regions", [])]
        return HBaseRecordReader(spec, regions)


class HBaseOutputFormat(OutputFormat):
    """Puts and deletes rows of an HBase table.  Hadoop: ``TableOutputFormat``."""

    def validate(self, conf: HamaConfiguration) -> None:
        """Parse the output keys; at submit check the table, create the journal if needed.

        Raises
        ------
        ConfigError
            A key is malformed, or ``bsp.output.dir`` names something else.
        TableNotFound
            The output table does not exist.
        """
        spec = output_spec(conf)
        base = f"hbase://{spec.address}/{spec.table}/"
        current = (conf.get("bsp.output.dir") or "").strip()
        if current.startswith(base):
            return
        if current:
            raise ConfigError("bsp.output.dir", f"the hbase output format writes table {spec.table!r} "
                              f"({OUTPUT_TABLE}); remove the output path {current!r}")
        conn = connect(spec.host, spec.port, spec.connect_timeout_ms, spec.rpc_timeout_ms)
        try:
            table_families(conn, spec.table, spec.address)
            if spec.cleanup_on_failure:
                ensure_journal_table(conn, spec.journal_table)
        finally:
            conn.close()
        conf.set(ADDRESS_KEY, spec.address)
        conf.set("bsp.output.dir", base + job_token(spec.journal_table if spec.cleanup_on_failure else None))

    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        from .writer import HBaseRecordWriter

        spec = output_spec(conf)
        prefix = b""
        try:
            _, _, rest = parse_url(path)
        except FileNotFoundError:
            rest = []
        if rest and journal_of(rest[0]):
            attempt = rest[2] if len(rest) > 2 else "task"
            part = rest[3] if len(rest) > 3 else ""
            prefix = f"{rest[0]}/{attempt}/{part}/".encode()
        return HBaseRecordWriter(spec, prefix)

    def failure_note(self, conf: HamaConfiguration) -> str:
        """What a failed job left in the table (for the client's failure message)."""
        spec = output_spec(conf)
        cleanup = ("; they are deleted because hbase.output.cleanup.on.failure=true"
                   if spec.cleanup_on_failure else " (set hbase.output.cleanup.on.failure=true to delete them)")
        return FAILURE_NOTE.format(table=spec.table, cleanup=cleanup)
