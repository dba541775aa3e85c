"""Bad input and faults of the hbase formats, on the real HBase + Thrift1 server.

Missing table/family and bad names fail at submit with exit 2; an unreachable or silent
Thrift server fails within its timeout naming the address and the key; a region split
and a Thrift server restart during a scan lose and duplicate no row.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io.formats import input_format
from hama_yarn.io.hbase.admin import split_region
from hama_yarn.io.hbase.connection import HBaseError

from .conftest import ROOT, hama

pytestmark = pytest.mark.hbase

DUMP = str(ROOT / "tests/hbase/jobs.py:DumpRecords")


def _run(env: dict[str, str], tmp_path: Path, *defines: str) -> subprocess.CompletedProcess[str]:
    args = ["run", DUMP, "-n", "2", "--input-format", "hbase", "-o", f"file://{tmp_path / 'out'}"]
    for d in defines:
        args += ["-D", d]
    return hama(env, *args, timeout=120)


def test_missing_table_exit_2_before_any_peer(hb_env: dict[str, str], tmp_path: Path) -> None:
    r = _run(hb_env, tmp_path, "hbase.mapreduce.inputtable=no_such_table_x")
    assert r.returncode == 2, r.stderr
    assert "'no_such_table_x' does not exist" in r.stderr
    assert "Running job" not in r.stderr and not (tmp_path / "out").exists()


def test_missing_family_exit_2(hb_env: dict[str, str], make_table: Callable[..., str], tmp_path: Path) -> None:
    table = make_table(["cf"])
    r = _run(hb_env, tmp_path, f"hbase.mapreduce.inputtable={table}", "hbase.mapreduce.scan.columns=cf:a nofam:b")
    assert r.returncode == 2, r.stderr
    assert "no column family nofam" in r.stderr and table in r.stderr


def test_bad_filter_exit_2(hb_env: dict[str, str], make_table: Callable[..., str], tmp_path: Path) -> None:
    table = make_table(["cf"])
    r = _run(hb_env, tmp_path, f"hbase.mapreduce.inputtable={table}", "hbase.mapreduce.scan.filter=NoSuchFilter('x')")
    assert r.returncode == 2, r.stderr
    assert "hbase.mapreduce.scan.filter" in r.stderr and "NoSuchFilter" in r.stderr


@pytest.mark.parametrize("define,key", [
    ("hbase.mapreduce.inputtable=bad/name", "hbase.mapreduce.inputtable"),
    ("hbase.mapreduce.scan.maxversions=0", "hbase.mapreduce.scan.maxversions"),
    ("hbase.mapreduce.scan.timerange.end=x", "hbase.mapreduce.scan.timerange.end"),
    ("hbase.thrift.address=host:notaport", "hbase.thrift.address"),
])
def test_malformed_keys_exit_2_naming_key(define: str, key: str, hb_env: dict[str, str], tmp_path: Path) -> None:
    r = _run(hb_env, tmp_path, "hbase.mapreduce.inputtable=t", define)
    assert r.returncode == 2, r.stderr
    assert key in r.stderr


def test_refused_thrift_address_names_address_and_key(hb_env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    r = _run(hb_env, tmp_path, "hbase.mapreduce.inputtable=t", f"hbase.thrift.address=127.0.0.1:{port}")
    assert r.returncode == 2, r.stderr
    assert f"127.0.0.1:{port}" in r.stderr and "hama.client.connect.timeout.ms" in r.stderr


def test_silent_thrift_server_fails_within_rpc_timeout(hb_env: dict[str, str], tmp_path: Path) -> None:
    """A server that accepts TCP but never answers: the call times out, naming the address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        port = s.getsockname()[1]
        r = _run(hb_env, tmp_path, "hbase.mapreduce.inputtable=t", f"hbase.thrift.address=127.0.0.1:{port}",
                 "hbase.rpc.timeout=1500")
    assert r.returncode == 2, r.stderr
    assert f"127.0.0.1:{port}" in r.stderr and "hbase.rpc.timeout" in r.stderr


def _reader(table: str, address: str, **keys: str) -> Any:
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "hbase")
    conf.set("hbase.mapreduce.inputtable", table)
    conf.set("hbase.thrift.address", address)
    for k, v in keys.items():
        conf.set(k, v)
    fmt = input_format(conf)
    (split,) = fmt.get_splits(conf, 1)
    return fmt.open_reader(conf, split)


def _fill(happy: Any, table: str, n: int) -> list[bytes]:
    rows = [b"row%05d" % i for i in range(n)]
    with happy.table(table).batch(batch_size=1000) as b:
        for r in rows:
            b.put(r, {b"cf:v": r[::-1]})
    return rows


def _regions_settle(happy: Any, table: str, timeout: float = 60.0) -> int:
    """The table's region count once the Thrift server lists it again (right after a split the
    daughters may still be in transition and getTableRegions fails)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            n = len(happy.table(table).regions())
            if n >= 2 or time.monotonic() > deadline:
                return n
        except Exception:  # noqa: BLE001 - region in transition
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def test_region_split_during_scan_loses_and_duplicates_nothing(hb_env: dict[str, str], happy: Any,
                                                               make_table: Callable[..., str]) -> None:
    table = make_table(["cf"])
    rows = _fill(happy, table, 3000)
    reader = _reader(table, hb_env["HBASE_THRIFT_ADDRESS"], **{"hbase.mapreduce.scan.cachedrows": "50"})
    it = iter(reader)
    got = [next(it)[0] for _ in range(400)]
    split_region(table, b"row02000")
    assert _regions_settle(happy, table) >= 2
    got += [r for r, _ in it]
    reader.close()
    assert got == rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThriftServer:
    """A private HBase Thrift1 server (on the shared HBase) that a test may stop and restart."""

    def __init__(self, log: Path) -> None:
        from tests.cluster import config

        self.port = _free_port()
        self.log = log
        java = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        self.cmd = [str(java), "-Xmx256m", *config.SMALL_JVM, *config.HBASE_JPMS, "-Dhbase.thrift.info.port=-1",
                    "-cp", os.environ["HAMA_TEST_HBASE_CLASSPATH"], "org.apache.hadoop.hbase.thrift.ThriftServer",
                    "-threadpool", "-p", str(self.port), "start"]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(self.cmd, stdout=fh, stderr=subprocess.STDOUT)
        import happybase

        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = happybase.Connection("127.0.0.1", self.port, timeout=5000)
                conn.tables()
                conn.close()
                return
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"private Thrift server did not start; see {self.log}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.proc = None


@pytest.fixture
def thrift(hb_env: dict[str, str], tmp_path: Path) -> Iterator[ThriftServer]:
    server = ThriftServer(tmp_path / "thrift.log")
    server.start()
    yield server
    server.stop()


def test_thrift_restart_during_scan_resumes_after_last_row(thrift: ThriftServer, happy: Any,
                                                           make_table: Callable[..., str]) -> None:
    """Kill the Thrift server mid-scan and start it again: the reader resumes; every row once, in order."""
    table = make_table(["cf"])
    rows = _fill(happy, table, 2000)
    reader = _reader(table, thrift.address, **{"hbase.mapreduce.scan.cachedrows": "100",
                                               "hbase.client.retries.number": "40", "hbase.client.pause": "250"})
    it = iter(reader)
    got = [next(it)[0] for _ in range(250)]  # mid-batch: rows 250..299 are buffered client-side
    thrift.stop()
    got += [next(it)[0] for _ in range(50)]   # the buffered rest of the batch
    thrift.start()
    got += [r for r, _ in it]
    reader.close()
    assert reader.reconnects >= 1
    assert got == rows


def test_thrift_gone_for_good_fails_clearly(thrift: ThriftServer, happy: Any, make_table: Callable[..., str]) -> None:
    """The server does not come back: after the retries the scan fails naming table, region and address."""
    table = make_table(["cf"])
    _fill(happy, table, 500)
    reader = _reader(table, thrift.address, **{"hbase.mapreduce.scan.cachedrows": "100",
                                               "hbase.client.retries.number": "2", "hbase.client.pause": "100",
                                               "hama.client.connect.timeout.ms": "2000"})
    it = iter(reader)
    for _ in range(150):
        next(it)
    thrift.stop()
    with pytest.raises(HBaseError) as err:
        list(it)
    msg = str(err.value)
    assert table in msg and thrift.address in msg and "hbase.client.retries.number" in msg
