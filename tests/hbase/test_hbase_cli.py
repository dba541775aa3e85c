"""``hama hbase create|load|dump|drop`` on the real HBase + Thrift1 server."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest


from .conftest import hama

pytestmark = pytest.mark.hbase


def test_create_load_dump_drop(hb_env: dict[str, str], happy: Any, tmp_path: Path) -> None:
    table = f"cli_{uuid.uuid4().hex[:8]}"
    kv = tmp_path / "kv.txt"
    kv.write_text("apple\t1\nbanana\t2\ncherry\t3\n")
    try:
        r = hama(hb_env, "hbase", "create", table, "-f", "cf", "-f", "x", "--split", "b", "--split", "c\\xFF")
        assert r.returncode == 0, r.stderr
        regions = [(x["start_key"], x["end_key"]) for x in happy.table(table).regions()]
        assert regions == [(b"", b"b"), (b"b", b"c\xff"), (b"c\xff", b"")]
        again = hama(hb_env, "hbase", "create", table, "-f", "cf")
        assert again.returncode == 2 and "already exists" in again.stderr
        r = hama(hb_env, "hbase", "load", table, "-i", f"file://{kv}", "--column", "cf:n")
        assert r.returncode == 0, r.stderr
        assert dict(happy.table(table).scan()) == {b"apple": {b"cf:n": b"1"}, b"banana": {b"cf:n": b"2"},
                                                   b"cherry": {b"cf:n": b"3"}}
        happy.table(table).put(b"\x00bin\xff", {b"x:q": b"\x01\x02"})
        r = hama(hb_env, "hbase", "dump", table)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines() == ["\\x00bin\\xFF\tx:q=\\x01\\x02", "apple\tcf:n=1", "banana\tcf:n=2",
                                         "cherry\tcf:n=3"]
        r = hama(hb_env, "hbase", "dump", table, "--count", "-D", "hbase.mapreduce.scan.row.start=b")
        assert r.stdout.strip() == "2"
        assert hama(hb_env, "hbase", "drop", table).returncode == 0
        assert table.encode() not in happy.tables()
    finally:
        if table.encode() in happy.tables():
            happy.delete_table(table, disable=True)


def test_missing_table_and_bad_column_exit_2(hb_env: dict[str, str], tmp_path: Path) -> None:
    r = hama(hb_env, "hbase", "dump", "no_such_cli_table")
    assert r.returncode == 2 and "no_such_cli_table" in r.stderr
    r = hama(hb_env, "hbase", "drop", "no_such_cli_table")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = hama(hb_env, "hbase", "load", "t", "-i", f"file://{tmp_path}", "--column", "nocolon")
    assert r.returncode == 2 and "family:qualifier" in r.stderr
