"""Parse and validate the HBase keys of a job configuration (pure: no network).

Input keys are Hadoop's ``TableInputFormat`` names (``hbase.mapreduce.inputtable``,
``hbase.mapreduce.scan.*``); output keys Hadoop's ``TableOutputFormat`` names
(``hbase.mapred.outputtable``).  Row bounds are read like Hadoop's
``Bytes.toBytesBinary``: printable text with ``\\xNN`` escapes for other bytes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ...config import HamaConfiguration
from ...errors import ConfigError

__all__ = [
    "ScanSpec",
    "OutputSpec",
    "scan_spec",
    "output_spec",
    "thrift_address",
    "to_bytes_binary",
    "to_string_binary",
    "split_column",
    "INPUT_TABLE",
    "OUTPUT_TABLE",
    "ADDRESS_KEY",
    "CONNECT_TIMEOUT_KEY",
    "RPC_TIMEOUT_KEY",
]

INPUT_TABLE = "hbase.mapreduce.inputtable"
OUTPUT_TABLE = "hbase.mapred.outputtable"
ADDRESS_KEY = "hbase.thrift.address"
CONNECT_TIMEOUT_KEY = "hama.client.connect.timeout.ms"
RPC_TIMEOUT_KEY = "hbase.rpc.timeout"
SCAN = "hbase.mapreduce.scan."
#: HBase's table name rule (``TableName.isLegalTableQualifierName``, with an optional namespace).
_TABLE_RE = re.compile(r"^(?:[A-Za-z0-9_]+:)?[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_FAMILY_RE = re.compile(r"^[^:\s.][^:\s]*$")


def to_bytes_binary(text: str) -> bytes:
    """Hadoop's ``Bytes.toBytesBinary``: ``\\xNN`` escapes become bytes, other chars Latin-1/UTF-8."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1:i + 2] == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
            continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def to_string_binary(data: bytes) -> str:
    """Hadoop's ``Bytes.toStringBinary``: printable ASCII as is, other bytes as ``\\xNN``."""
    return "".join(
        chr(b) if 32 <= b < 127 and b != 0x5C else f"\\x{b:02X}" for b in data
    )


def split_column(column: bytes) -> tuple[bytes, bytes | None]:
    """``b"fam:qual"`` -> ``(b"fam", b"qual")``; ``b"fam"`` -> ``(b"fam", None)``."""
    fam, sep, qual = column.partition(b":")
    return fam, (qual if sep else None)


def thrift_address(conf: HamaConfiguration) -> tuple[str, int]:
    """``(host, port)`` of the HBase Thrift server.

    ``hbase.thrift.address`` (``host:port``), else ``$HBASE_THRIFT_ADDRESS`` (written by
    the test cluster harness), else ``localhost:9090``.

    Raises
    ------
    ConfigError
        The address is not ``host:port``.
    """
    raw = (conf.get(ADDRESS_KEY) or os.environ.get("HBASE_THRIFT_ADDRESS") or "localhost:9090").strip()
    host, sep, port = raw.rpartition(":")
    if not sep:
        host, port = raw, "9090"
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(ADDRESS_KEY, f"expected host:port, got {raw!r}") from None
    if not host or not 0 < number < 65536:
        raise ConfigError(ADDRESS_KEY, f"expected host:port, got {raw!r}")
    return host.strip("[]"), number


def _table(conf: HamaConfiguration, key: str) -> str:
    name = (conf.get(key) or "").strip()
    if not name:
        raise ConfigError(key, "no table named: set the HBase table name")
    if not _TABLE_RE.match(name):
        raise ConfigError(key, f"{name!r} is not a legal HBase table name")
    return name


def _int(conf: HamaConfiguration, key: str, default: int, low: int) -> int:
    value = conf.get_int(key, default)
    if value < low:
        raise ConfigError(key, f"must be at least {low}, got {value}")
    return value


def _opt_int(conf: HamaConfiguration, key: str, low: int) -> int | None:
    if not (conf.get(key) or "").strip():
        return None
    return _int(conf, key, 0, low)


@dataclass(frozen=True)
class ScanSpec:
    """What the ``hbase`` input format scans (see ``conf/hama-default.xml``)."""

    table: str
    host: str
    port: int
    columns: tuple[bytes, ...] = ()
    row_start: bytes = b""
    row_stop: bytes = b""
    time_start: int | None = None
    time_end: int | None = None
    max_versions: int = 1
    filter: str = ""
    caching: int = 1000
    batch: int | None = None
    include_timestamp: bool = False
    connect_timeout_ms: int = 20000
    rpc_timeout_ms: int = 60000
    retries: int = 10
    pause_ms: int = 500
    families: tuple[bytes, ...] = field(default=())

    @property
    def address(self) -> str:
        """``host:port`` of the Thrift server."""
        return f"{self.host}:{self.port}"

    @property
    def thrift_timestamp(self) -> int | None:
        """Thrift1's scan timestamp: cells with a timestamp below it (the range's exclusive end)."""
        return self.time_end


def _columns(conf: HamaConfiguration) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    cols: list[bytes] = []
    key = SCAN + "columns"
    for token in (conf.get(key) or "").split():
        col = to_bytes_binary(token)
        fam, _ = split_column(col)
        if not fam or not _FAMILY_RE.match(fam.decode("utf-8", "replace")):
            raise ConfigError(key, f"{token!r} is not family or family:qualifier")
        cols.append(col.rstrip(b":") if col.endswith(b":") else col)  # Thrift1: "fam:" is the empty qualifier
    fam_key = SCAN + "column.family"
    family = (conf.get(fam_key) or "").strip()
    if family:
        if not _FAMILY_RE.match(family):
            raise ConfigError(fam_key, f"{family!r} is not a column family name")
        cols.append(family.encode())
    families = tuple(dict.fromkeys(split_column(c)[0] for c in cols))
    return tuple(dict.fromkeys(cols)), families


def _common(conf: HamaConfiguration) -> dict[str, int]:
    return {
        "connect_timeout_ms": _int(conf, CONNECT_TIMEOUT_KEY, 20000, 1),
        "rpc_timeout_ms": _int(conf, RPC_TIMEOUT_KEY, 60000, 1),
        "retries": _int(conf, "hbase.client.retries.number", 10, 0),
        "pause_ms": _int(conf, "hbase.client.pause", 500, 0),
    }


def scan_spec(conf: HamaConfiguration) -> ScanSpec:
    """The scan of ``hbase.mapreduce.inputtable`` described by *conf*.

    Raises
    ------
    ConfigError
        A key is missing or malformed (the key is named).
    """
    table = _table(conf, INPUT_TABLE)
    host, port = thrift_address(conf)
    columns, families = _columns(conf)
    start = to_bytes_binary(conf.get(SCAN + "row.start") or "")
    stop = to_bytes_binary(conf.get(SCAN + "row.stop") or "")
    if start and stop and stop <= start:
        raise ConfigError(SCAN + "row.stop", f"stop row {to_string_binary(stop)!r} is not after start row "
                          f"{to_string_binary(start)!r}")
    t_start = _opt_int(conf, SCAN + "timerange.start", 0)
    t_end = _opt_int(conf, SCAN + "timerange.end", 0)
    ts = _opt_int(conf, SCAN + "timestamp", 0)
    if ts is not None:
        if t_start is not None or t_end is not None:
            raise ConfigError(SCAN + "timestamp", "set either a timestamp or a time range, not both")
        t_start, t_end = ts, ts + 1
    if t_start is not None and t_end is not None and t_end <= t_start:
        raise ConfigError(SCAN + "timerange.end", f"end {t_end} is not after start {t_start}")
    flt = (conf.get(SCAN + "filter") or "").strip()
    if flt.count("(") != flt.count(")") or flt.count("'") % 2:
        raise ConfigError(SCAN + "filter", f"unbalanced parentheses or quotes in filter {flt!r}")
    return ScanSpec(
        table=table,
        host=host,
        port=port,
        columns=columns,
        families=families,
        row_start=start,
        row_stop=stop,
        time_start=t_start,
        time_end=t_end,
        max_versions=_int(conf, SCAN + "maxversions", 1, 1),
        filter=flt,
        caching=_int(conf, SCAN + "cachedrows", 1000, 1),
        batch=_opt_int(conf, SCAN + "batchsize", 1),
        include_timestamp=conf.get_bool(SCAN + "include.timestamp", False),
        **_common(conf),
    )


@dataclass(frozen=True)
class OutputSpec:
    """Where and how the ``hbase`` output format writes."""

    table: str
    host: str
    port: int
    buffer_rows: int = 1000
    default_column: bytes = b""
    cleanup_on_failure: bool = False
    journal_table: str = "hama_output_journal"
    connect_timeout_ms: int = 20000
    rpc_timeout_ms: int = 60000
    retries: int = 10
    pause_ms: int = 500

    @property
    def address(self) -> str:
        """``host:port`` of the Thrift server."""
        return f"{self.host}:{self.port}"


def output_spec(conf: HamaConfiguration) -> OutputSpec:
    """The output table described by *conf*.

    Raises
    ------
    ConfigError
        A key is missing or malformed (the key is named).
    """
    table = _table(conf, OUTPUT_TABLE)
    host, port = thrift_address(conf)
    col_key = "hbase.mapred.output.column"
    column = to_bytes_binary((conf.get(col_key) or "").strip())
    if column:
        fam, qual = split_column(column)
        if qual is None or not fam or not _FAMILY_RE.match(fam.decode("utf-8", "replace")):
            raise ConfigError(col_key, f"expected family:qualifier, got {conf.get(col_key)!r}")
    journal = "hama_output_journal"
    if conf.get("hbase.output.cleanup.journal.table"):
        journal = _table(conf, "hbase.output.cleanup.journal.table")
    return OutputSpec(
        table=table,
        host=host,
        port=port,
        buffer_rows=_int(conf, "hbase.client.write.buffer", 1000, 1),
        default_column=column,
        cleanup_on_failure=conf.get_bool("hbase.output.cleanup.on.failure", False),
        journal_table=journal,
        **_common(conf),
    )
