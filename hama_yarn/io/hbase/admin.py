"""Table helpers behind ``hama hbase create|load|dump|drop`` (and the tests).

Thrift1 creates tables but cannot pre-split them or split a region; those two go
through a small Java tool (``java/HamaHBaseAdmin.java``) compiled on first use
against the HBase client jars named by ``$HAMA_HBASE_CLASSPATH``, ``$HBASE_CLASSPATH``
or ``hbase classpath`` (the classpath must include the HBase conf dir).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ...config import HamaConfiguration
from ...errors import UsageError
from .connection import HBaseError, TableExists, TableNotFound, connect, server_message, table_families, thrift_module
from .reader import HBaseRecordReader
from .regions import clip_regions, table_regions
from .spec import OutputSpec, ScanSpec, to_string_binary
from .writer import HBaseRecordWriter, encode

log = logging.getLogger(__name__)

__all__ = ["create_table", "drop_table", "dump_table", "load_records", "split_region", "java_admin",
           "admin_classpath"]

_JAVA_SRC = Path(__file__).with_name("java") / "HamaHBaseAdmin.java"


def _conn(host: str, port: int, timeout_ms: int) -> Any:
    return connect(host, port, timeout_ms, max(timeout_ms, 60000))


def create_table(host: str, port: int, table: str, families: list[str], splits: Iterable[bytes] = (),
                 max_versions: int = 1, timeout_ms: int = 20000) -> None:
    """Create *table* with *families*; pre-split at *splits* (Java tool) if given.

    Raises
    ------
    HBaseError
        The table exists, or HBase refused it.
    """
    hb = thrift_module()
    split_list = sorted(set(splits))
    if any(not s for s in split_list):
        raise UsageError("an empty split key is not allowed")
    conn = _conn(host, port, timeout_ms)
    try:
        if table.encode() in set(conn.client.getTableNames()):
            raise TableExists(f"HBase table {table!r} already exists ({host}:{port})")
        if not split_list:
            descs = [hb.ColumnDescriptor(name=f.encode() + b":", maxVersions=max_versions) for f in families]
            try:
                conn.client.createTable(table.encode(), descs)
            except (hb.IOError, hb.IllegalArgument, hb.AlreadyExists) as exc:
                raise HBaseError(f"cannot create HBase table {table!r}: {server_message(exc)}") from exc
            return
    finally:
        conn.close()
    java_admin(["create", table, ",".join(families), str(max_versions)] + [s.hex() for s in split_list])


def drop_table(host: str, port: int, table: str, timeout_ms: int = 20000) -> None:
    """Disable and delete *table*.

    Raises
    ------
    TableNotFound
        No such table.
    """
    hb = thrift_module()
    conn = _conn(host, port, timeout_ms)
    try:
        if table.encode() not in set(conn.client.getTableNames()):
            raise TableNotFound(f"HBase table {table!r} does not exist ({host}:{port})")
        try:
            if conn.client.isTableEnabled(table.encode()):
                conn.client.disableTable(table.encode())
            conn.client.deleteTable(table.encode())
        except hb.IOError as exc:
            raise HBaseError(f"cannot drop HBase table {table!r}: {server_message(exc)}") from exc
    finally:
        conn.close()


def split_region(table: str, row: bytes) -> None:
    """Split the region of *table* holding *row* at *row*; wait until the split is done."""
    java_admin(["split", table, row.hex()])


def scan_all(spec: ScanSpec) -> Iterator[tuple[bytes, dict[bytes, Any]]]:
    """Every record of the scan *spec*, region by region (one reader)."""
    conn = connect(spec.host, spec.port, spec.connect_timeout_ms, spec.rpc_timeout_ms)
    try:
        families = table_families(conn, spec.table, spec.address)
        missing = [f for f in spec.families if f not in families]
        if missing:
            raise TableNotFound(f"HBase table {spec.table!r} has no column family "
                                f"{', '.join(m.decode() for m in missing)}")
        regions = clip_regions(table_regions(conn, spec.table, spec.address), spec.row_start, spec.row_stop)
    finally:
        conn.close()
    reader = HBaseRecordReader(spec, regions)
    try:
        yield from reader
    finally:
        reader.close()


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return to_string_binary(value)
    if isinstance(value, tuple):
        return f"{_show(value[0])}@{value[1]}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def dump_table(spec: ScanSpec, out: TextIO = sys.stdout, count_only: bool = False, limit: int = 0) -> int:
    """Print ``row<TAB>fam:qual=value ...`` per row (``Bytes.toStringBinary``); return the row count."""
    n = 0
    for row, cols in scan_all(spec):
        n += 1
        if not count_only:
            cells = " ".join(f"{_show(c)}={_show(v)}" for c, v in sorted(cols.items()))
            out.write(f"{to_string_binary(row)}\t{cells}\n")
        if limit and n >= limit:
            break
    if count_only:
        out.write(f"{n}\n")
    return n


def load_records(spec: OutputSpec, records: Iterable[tuple[Any, Any]]) -> int:
    """Write ``(row, value)`` records with the ``hbase`` output writer; return how many."""
    writer = HBaseRecordWriter(spec)
    n = 0
    try:
        for row, value in records:
            writer.write(row, value)
            n += 1
    finally:
        writer.close()
    return n


def read_input(conf: HamaConfiguration) -> Iterator[tuple[Any, Any]]:
    """Every record of ``bsp.input.dir`` with ``bsp.input.format.class`` (one split)."""
    from ..formats import input_format

    fmt = input_format(conf)
    for split in fmt.get_splits(conf, 1):
        reader = fmt.open_reader(conf, split)
        try:
            yield from reader
        finally:
            reader.close()


def as_cells(value: Any, column: bytes) -> dict[bytes, bytes]:
    """A loaded value as cells: a dict as is, anything else into *column*."""
    if isinstance(value, dict):
        return value
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    return {column: encode(value, "a value")}


# ------------------------------------------------------------------ Java tool
def admin_classpath() -> str:
    """The HBase client classpath for the Java tool (see the module docstring)."""
    for var in ("HAMA_HBASE_CLASSPATH", "HBASE_CLASSPATH"):
        value = os.environ.get(var, "").strip()
        if value:
            return value
    hbase = shutil.which("hbase")
    if hbase:
        try:
            return subprocess.run([hbase, "classpath"], capture_output=True, text=True, timeout=60,
                                  check=True).stdout.strip()
        except (subprocess.SubprocessError, OSError) as exc:
            raise HBaseError(f"`hbase classpath` failed: {exc}") from exc
    raise UsageError("pre-splitting and splitting need the HBase Java client (Thrift1 cannot split): set "
                     "HAMA_HBASE_CLASSPATH to the HBase jars and conf dir (e.g. '/etc/hbase/conf:/usr/lib/hbase/lib/*') "
                     "or put `hbase` on PATH")


def _java(name: str) -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / name).exists():
        return str(Path(home) / "bin" / name)
    found = shutil.which(name)
    if not found:
        raise UsageError(f"the HBase admin tool needs a JDK ({name} not found; set JAVA_HOME)")
    return found


def java_admin(args: list[str], timeout: float = 180.0) -> str:
    """Run the Java admin tool with *args*; return its stdout.

    Raises
    ------
    HBaseError
        The tool failed (its last stderr lines are in the message) or timed out.
    """
    cp = admin_classpath()
    source = _JAVA_SRC.read_bytes()
    digest = hashlib.sha256(source + cp.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hama-yarn" / f"hbase-admin-{digest}"
    if not (cache / "HamaHBaseAdmin.class").exists():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run([_java("javac"), "-nowarn", "-cp", cp, "-d", str(cache), str(_JAVA_SRC)], check=True,
                           capture_output=True, text=True, timeout=timeout)
        except subprocess.CalledProcessError as exc:
            raise HBaseError(f"compiling the HBase admin tool failed: {exc.stderr[-2000:]}") from exc
    env = dict(os.environ)
    opts = env.get("HAMA_TEST_JDK_JAVA_OPTIONS", "")
    if opts and opts not in env.get("JDK_JAVA_OPTIONS", ""):
        env["JDK_JAVA_OPTIONS"] = (env.get("JDK_JAVA_OPTIONS", "") + " " + opts).strip()
    cmd = [_java("java"), "-cp", f"{cache}:{cp}", "HamaHBaseAdmin", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise HBaseError(f"HBase admin tool {args[0]} {args[1]} timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = "\n".join(line for line in proc.stderr.splitlines() if "Exception" in line or "Error" in line)[-1500:]
        raise HBaseError(f"HBase admin tool {args[0]} {args[1]} failed (exit {proc.returncode}): {tail}")
    return proc.stdout
