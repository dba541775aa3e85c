"""HBase scan and write throughput of the ``hbase`` formats vs plain happybase, same run.

Run ``python benchmarks/bench_hbase.py [--rows N] [--quick]`` with the test cluster up
(``eval "$(tests/cluster/cluster.sh env)"``; needs ``HAMA_TEST_HBASE_CLASSPATH`` or
``HAMA_HBASE_CLASSPATH`` to pre-split).  A table pre-split into 4 regions is written and
scanned; every row is ~80 bytes in 2 columns.

Rows (rows/s, best of ``--repeat``; ratios against the plain happybase row of the same kind):

* ``happybase scan`` / ``happybase batch put`` -- the baselines: one client, ``batch_size=1000``;
* ``reader, 1 peer`` -- :class:`~hama_yarn.io.hbase.reader.HBaseRecordReader` over all regions;
* ``reader, 2 peers`` -- two processes, each scanning its split (whole regions) in parallel;
* ``BSP job, 2 peers`` -- a local job that reads the table and counts (submit to finish);
* ``writer, 1 peer`` / ``writer, 2 peers`` -- :class:`~hama_yarn.io.hbase.writer.HBaseRecordWriter`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hama_yarn import BSP, BSPJob  # noqa: E402
from hama_yarn.config import HamaConfiguration  # noqa: E402
from hama_yarn.io.formats import input_format  # noqa: E402
from hama_yarn.io.hbase.admin import create_table, drop_table  # noqa: E402
from hama_yarn.io.hbase.spec import output_spec  # noqa: E402
from hama_yarn.io.hbase.writer import HBaseRecordWriter  # noqa: E402

SPLITS = (b"row1", b"row2", b"row3")


class CountRows(BSP):
    """Reads its split, counts rows (no output)."""

    def bsp(self, peer: Any) -> None:
        n = 0
        while peer.read_next() is not None:
            n += 1
        peer.increment_counter("bench", "rows", n)


def _row(i: int, n: int) -> tuple[bytes, dict[bytes, bytes]]:
    key = b"row%d-%09d" % (i * 4 // n, i)
    return key, {b"cf:a": b"%040d" % i, b"cf:b": b"value-%024d" % i}


def _address() -> tuple[str, int]:
    host, _, port = (os.environ.get("HBASE_THRIFT_ADDRESS") or "127.0.0.1:9090").rpartition(":")
    return host, int(port)


def plain_put(table: str, lo: int, hi: int, n: int) -> None:
    import happybase

    host, port = _address()
    conn = happybase.Connection(host, port, timeout=60000)
    with conn.table(table).batch(batch_size=1000) as b:
        for i in range(lo, hi):
            row, cells = _row(i, n)
            b.put(row, cells)
    conn.close()


def plain_scan(table: str) -> int:
    import happybase

    host, port = _address()
    conn = happybase.Connection(host, port, timeout=60000)
    count = sum(1 for _ in conn.table(table).scan(batch_size=1000))
    conn.close()
    return count


def _conf(table: str) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "hbase")
    conf.set("hbase.mapreduce.inputtable", table)
    conf.set("hbase.mapred.outputtable", table)
    conf.set("hbase.thrift.address", "%s:%d" % _address())
    return conf


def hama_scan(table: str, peers: int, index: int) -> int:
    conf = _conf(table)
    fmt = input_format(conf)
    split = fmt.get_splits(conf, peers)[index]
    reader = fmt.open_reader(conf, split)
    count = sum(1 for _ in reader)
    reader.close()
    return count


def hama_write(table: str, lo: int, hi: int, n: int) -> None:
    writer = HBaseRecordWriter(output_spec(_conf(table)))
    for i in range(lo, hi):
        writer.write(*_row(i, n))
    writer.close()


def _parallel(fn: Callable[..., Any], args: list[tuple[Any, ...]]) -> float:
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=fn, args=a) for a in args]
    t = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"{fn.__name__} failed")
    return time.perf_counter() - t


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _job(table: str, peers: int, tmp: str) -> None:
    job = BSPJob(bsp_class=f"{Path(__file__).resolve()}:CountRows")  # peers import the script
    job.set_num_bsp_task(peers)
    job.set_input_format("hbase")
    job.set("hbase.mapreduce.inputtable", table)
    job.set("hama.tmp.dir", tmp)
    if not job.wait_for_completion(verbose=False):
        raise RuntimeError(job.get_diagnostics())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="20k rows, 1 repeat")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = 20_000, 1
    if not (os.environ.get("HAMA_HBASE_CLASSPATH") or os.environ.get("HBASE_CLASSPATH")):
        os.environ["HAMA_HBASE_CLASSPATH"] = os.environ.get("HAMA_TEST_HBASE_CLASSPATH", "")
    n = args.rows
    host, port = _address()
    tables = {k: f"bench_{k}_{uuid.uuid4().hex[:6]}" for k in ("plain", "w1", "w2")}
    for t in tables.values():
        create_table(host, port, t, ["cf"], SPLITS)
    results: dict[str, float] = {}

    def best(name: str, fn: Callable[[], float]) -> None:
        results[name] = min(fn() for _ in range(args.repeat))

    try:
        best("happybase batch put", lambda: _timed(lambda: plain_put(tables["plain"], 0, n, n)))
        best("writer, 1 peer", lambda: _timed(lambda: hama_write(tables["w1"], 0, n, n)))
        best("writer, 2 peers", lambda: _parallel(hama_write, [(tables["w2"], 0, n // 2, n), (tables["w2"], n // 2, n, n)]))
        best("happybase scan", lambda: _timed(lambda: plain_scan(tables["plain"])))
        best("reader, 1 peer", lambda: _timed(lambda: hama_scan(tables["plain"], 1, 0)))
        best("reader, 2 peers", lambda: _parallel(hama_scan, [(tables["plain"], 2, 0), (tables["plain"], 2, 1)]))
        with tempfile.TemporaryDirectory() as tmp:
            best("BSP job, 2 peers", lambda: _timed(lambda: _job(tables["plain"], 2, tmp)))
    finally:
        for t in tables.values():
            drop_table(host, port, t)
    load = os.getloadavg()
    print(f"HBase Thrift1 {host}:{port}, {n} rows x 2 cells (~80 B), table pre-split into 4 regions; "
          f"best of {args.repeat}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"{'what':<22}{'seconds':>10}{'rows/s':>12}{'x baseline':>12}")
    for name, base in (("happybase scan", "happybase scan"), ("reader, 1 peer", "happybase scan"),
                       ("reader, 2 peers", "happybase scan"), ("BSP job, 2 peers", "happybase scan"),
                       ("happybase batch put", "happybase batch put"), ("writer, 1 peer", "happybase batch put"),
                       ("writer, 2 peers", "happybase batch put")):
        secs = results[name]
        print(f"{name:<22}{secs:>10.2f}{n / secs:>12,.0f}{results[base] / secs:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
