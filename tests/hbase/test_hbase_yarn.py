"""HBase input and output on YARN: peers in containers reach the Thrift server named in the job."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, hama
from .test_hbase_graph import EXAMPLE, _graph, _same, _values_text
from .test_hbase_input import SPLITS, binary_rows, fill

pytestmark = [pytest.mark.hbase, pytest.mark.yarn]


def test_copy_table_on_yarn(yarn: Any, hb_env: dict[str, str], happy: Any, make_table: Callable[..., str]) -> None:
    """A pre-split table (5 regions) copied by 3 YARN peers into another table, byte-exact."""
    src = make_table(["cf", "other"], SPLITS)
    dst = make_table(["cf", "other"])
    rows = binary_rows(300)
    fill(happy, src, rows)
    r = hama(hb_env, "run", str(ROOT / "tests/hbase/jobs.py:CopyToTable"), "-n", "3", "-r", "yarn",
             "--input-format", "hbase", "--output-format", "hbase",
             "-D", f"hbase.mapreduce.inputtable={src}", "-D", f"hbase.mapred.outputtable={dst}",
             "-D", "hbase.client.write.buffer=50", timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "TASK_INPUT_RECORDS=300" in r.stderr
    assert dict(happy.table(dst).scan()) == rows


def test_pagerank_from_hbase_to_hbase_on_yarn(yarn: Any, hb_env: dict[str, str], happy: Any,
                                              make_table: Callable[..., str], tmp_path: Path) -> None:
    """PageRank read from and written to HBase on YARN equals the local run on the text file."""
    graph = tmp_path / "graph.txt"
    _graph(graph, 80)
    table = make_table(["edges"], (b"4",))
    ranks = make_table(["cf"])
    assert hama(hb_env, "hbase", "load", table, "-i", f"file://{graph}", "--graph", "edges").returncode == 0
    base = [sys.executable, str(EXAMPLE), "pagerank", "-q", "-n", "2", "-D", f"hama.tmp.dir={hb_env['HAMA_TMP']}"]
    local = subprocess.run([*base, "-if", "adjacency", "-i", f"file://{graph}", "-o", f"file://{tmp_path / 'out'}"],
                           capture_output=True, text=True, timeout=300, env=hb_env, cwd=ROOT)
    assert local.returncode == 0, local.stderr
    on_yarn = subprocess.run([*base, "-t", table, "--output-table", ranks, "-r", "yarn"],
                             capture_output=True, text=True, timeout=300, env=hb_env, cwd=ROOT)
    assert on_yarn.returncode == 0, on_yarn.stderr[-3000:]
    _same({row.decode(): float(c[b"cf:value"]) for row, c in happy.table(ranks).scan()}, _values_text(tmp_path / "out"))
