"""The ``hbase`` input format against the real HBase + Thrift1 server (tests/cluster).

Every result is checked against a plain happybase scan of the same table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hama_yarn import BSPJob

from .conftest import read_parts
from .jobs import to_json

pytestmark = pytest.mark.hbase

SPLITS = (b"\x33", b"\x66", b"\x99", b"\xcc")  # 5 regions


def binary_rows(n: int = 512) -> dict[bytes, dict[bytes, bytes]]:
    """Rows with every byte value in keys and values, and empty values."""
    rows = {}
    for i in range(n):
        key = bytes([i % 256, i // 256]) + (b"\x00\xff" if i % 7 == 0 else b"")
        cells = {b"cf:a": bytes([i % 256]) * (i % 3), b"cf:b": str(i).encode()}
        if i % 50 == 0:
            cells[b"cf:all"] = bytes(range(256))
        if i % 2:
            cells[b"other:x"] = b"odd"
        rows[key] = cells
    return rows


def fill(happy: Any, table: str, rows: dict[bytes, dict[bytes, bytes]]) -> None:
    with happy.table(table).batch(batch_size=500) as b:
        for row, cells in rows.items():
            b.put(row, cells)


def run_dump(env: dict[str, str], out: Path, table: str, peers: int, **keys: Any) -> tuple[bool, dict[int, list[str]]]:
    job = BSPJob(bsp_class="tests.hbase.jobs:DumpRecords")
    job.set_num_bsp_task(peers)
    job.set_input_format("hbase")
    job.set("hbase.mapreduce.inputtable", table)
    job.set("hama.tmp.dir", env["HAMA_TMP"])
    for k, v in keys.items():
        job.set(k.replace("_", "."), str(v))
    job.set_output_path(f"file://{out}")
    ok = job.wait_for_completion(verbose=False)
    return ok, read_parts(out) if ok else {}


def records(parts: dict[int, list[str]]) -> list[tuple[str, Any]]:
    return [(line.partition("\t")[0], json.loads(line.partition("\t")[2])) for lines in parts.values() for line in lines]


def reference(happy: Any, table: str, **scan: Any) -> list[tuple[str, Any]]:
    return [(row.hex(), to_json(cells)) for row, cells in happy.table(table).scan(**scan)]


def test_presplit_table_read_by_three_peers_every_row_once(hb_env: dict[str, str], happy: Any,
                                                           make_table: Callable[..., str], tmp_path: Path) -> None:
    """5 regions, 3 peers: every row exactly once, values byte-exact, each region on one peer."""
    table = make_table(["cf", "other"], SPLITS)
    rows = binary_rows()
    fill(happy, table, rows)
    ok, parts = run_dump(hb_env, tmp_path / "out", table, 3)
    assert ok
    got = records(parts)
    expected = reference(happy, table)
    assert len(expected) == len(rows)
    assert sorted(got) == sorted(expected)
    assert len({r for r, _ in got}) == len(got), "a row was read twice"
    # one split per region, regions dealt whole and contiguously: region i -> peer i*3//5
    bounds = [b""] + list(SPLITS)
    for peer, lines in parts.items():
        for line in lines:
            row = bytes.fromhex(line.partition("\t")[0])
            region = max(i for i, b in enumerate(bounds) if row >= b)
            assert region * 3 // 5 == peer, (row, region, peer)
    assert all(parts.get(p) for p in range(3)), "a peer got no region"


@pytest.mark.parametrize("keys,scan", [
    ({"hbase.mapreduce.scan.columns": "cf:a other"}, {"columns": [b"cf:a", b"other"]}),
    ({"hbase.mapreduce.scan.column.family": "other"}, {"columns": [b"other"]}),
    ({"hbase.mapreduce.scan.row.start": "\\x40", "hbase.mapreduce.scan.row.stop": "\\xA0\\x01"},
     {"row_start": b"\x40", "row_stop": b"\xa0\x01"}),
    ({"hbase.mapreduce.scan.row.start": "\\xD0"}, {"row_start": b"\xd0"}),
    ({"hbase.mapreduce.scan.filter": "SingleColumnValueFilter('cf','b',=,'regexstring:^1.*',true,true)"},
     {"filter": b"SingleColumnValueFilter('cf','b',=,'regexstring:^1.*',true,true)"}),
    ({"hbase.mapreduce.scan.filter": "KeyOnlyFilter()", "hbase.mapreduce.scan.cachedrows": "7"},
     {"filter": b"KeyOnlyFilter()"}),
], ids=["columns", "family", "row-range", "row-start", "filter", "keyonly-caching"])
def test_scan_options_match_happybase(keys: dict[str, str], scan: dict[str, Any], hb_env: dict[str, str],
                                      happy: Any, make_table: Callable[..., str], tmp_path: Path) -> None:
    """Columns, row range and filter string give what a plain happybase scan gives."""
    table = make_table(["cf", "other"], SPLITS)
    fill(happy, table, binary_rows(300))
    ok, parts = run_dump(hb_env, tmp_path / "out", table, 3, **{k.replace(".", "_"): v for k, v in keys.items()})
    assert ok
    expected = reference(happy, table, **scan)
    assert expected, "the reference scan is empty: the case proves nothing"
    assert sorted(records(parts)) == sorted(expected)


def _versioned(happy: Any, make_table: Callable[..., str]) -> str:
    table = make_table(["cf"], (b"m",), max_versions=3)
    t = happy.table(table)
    for row in (b"a", b"k", b"z"):
        for ts in (100, 200, 300):
            t.put(row, {b"cf:q": b"v%d" % ts}, timestamp=ts)
    t.put(b"old", {b"cf:q": b"v50"}, timestamp=50)
    return table


def _hex(b: bytes) -> str:
    return b.hex()


@pytest.mark.parametrize("keys,expected", [
    ({"hbase.mapreduce.scan.timerange.start": "150", "hbase.mapreduce.scan.timerange.end": "250"},
     {r: {"cf:q": "v200"} for r in "akz"}),
    ({"hbase.mapreduce.scan.timerange.start": "250"}, {r: {"cf:q": "v300"} for r in "akz"}),
    ({"hbase.mapreduce.scan.timerange.end": "100"}, {"old": {"cf:q": "v50"}}),
    ({"hbase.mapreduce.scan.timerange.start": "310", "hbase.mapreduce.scan.timerange.end": "400"}, {}),
    ({"hbase.mapreduce.scan.timestamp": "200"}, {r: {"cf:q": "v200"} for r in "akz"}),
    ({"hbase.mapreduce.scan.maxversions": "2", "hbase.mapreduce.scan.include.timestamp": "true"},
     {**{r: {"cf:q": [["v300", 300], ["v200", 200]]} for r in "akz"}, "old": {"cf:q": [["v50", 50]]}}),
    ({"hbase.mapreduce.scan.maxversions": "3", "hbase.mapreduce.scan.timerange.start": "150"},
     {r: {"cf:q": ["v300", "v200"]} for r in "akz"}),
    ({"hbase.mapreduce.scan.include.timestamp": "true", "hbase.mapreduce.scan.timerange.end": "250"},
     {**{r: {"cf:q": ["v200", 200]} for r in "akz"}, "old": {"cf:q": ["v50", 50]}}),
], ids=["range", "from", "until", "empty-range", "timestamp", "versions-ts", "versions-range", "include-ts"])
def test_time_range_and_versions(keys: dict[str, str], expected: dict[str, Any], hb_env: dict[str, str],
                                 happy: Any, make_table: Callable[..., str], tmp_path: Path) -> None:
    """Time range, exact timestamp, max versions and timestamps against cells put with known timestamps."""
    table = _versioned(happy, make_table)
    ok, parts = run_dump(hb_env, tmp_path / "out", table, 2, **{k.replace(".", "_"): v for k, v in keys.items()})
    assert ok

    def enc(v: Any) -> Any:
        if isinstance(v, str):
            return v.encode().hex()
        if isinstance(v, list):
            return [enc(x) for x in v]
        return v

    want = sorted((r.encode().hex(), {c.encode().hex(): enc(v) for c, v in cells.items()})
                  for r, cells in expected.items())
    assert sorted(records(parts)) == want


def test_batch_size_splits_wide_rows(hb_env: dict[str, str], happy: Any, make_table: Callable[..., str],
                                     tmp_path: Path) -> None:
    """``scan.batchsize=2``: a row of 5 cells comes as 3 records; all cells exactly once."""
    table = make_table(["cf"], (b"r5",))
    with happy.table(table).batch() as b:
        for i in range(10):
            b.put(b"r%d" % i, {b"cf:c%d" % j: b"%d" % j for j in range(5)})
    ok, parts = run_dump(hb_env, tmp_path / "out", table, 2, hbase_mapreduce_scan_batchsize=2)
    assert ok
    recs = records(parts)
    assert len(recs) == 30
    cells = sorted((r, c) for r, v in recs for c in v)
    assert cells == sorted((r.hex(), c.hex()) for r, v in happy.table(table).scan() for c in v)


def test_empty_table_gives_no_records(hb_env: dict[str, str], make_table: Callable[..., str], tmp_path: Path) -> None:
    """An empty (pre-split) table: the job succeeds and every peer reads nothing."""
    table = make_table(["cf"], SPLITS)
    ok, parts = run_dump(hb_env, tmp_path / "out", table, 3)
    assert ok
    assert set(parts) == {0, 1, 2}
    assert records(parts) == []


def test_reopen_input_rescans(hb_env: dict[str, str], happy: Any, make_table: Callable[..., str],
                              tmp_path: Path) -> None:
    """``reopen_input()`` reads the peer's regions again, same rows in the same order."""
    table = make_table(["cf", "other"], SPLITS)
    fill(happy, table, binary_rows(200))
    job = BSPJob(bsp_class="tests.hbase.jobs:ReadTwice")
    job.set_num_bsp_task(2)
    job.set_input_format("hbase")
    job.set("hbase.mapreduce.inputtable", table)
    job.set("hama.tmp.dir", hb_env["HAMA_TMP"])
    job.set_output_path(f"file://{tmp_path / 'out'}")
    assert job.wait_for_completion(verbose=False)
    counts = [line.split("\t")[1].split() for lines in read_parts(tmp_path / "out").values() for line in lines]
    assert sum(int(c[0]) for c in counts) == 200
    assert all(c[0] == c[1] and c[2] == "1" for c in counts), counts
