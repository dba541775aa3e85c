"""Graph jobs from HBase: PageRank and SSSP give the same values as from the same graph in a text file."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, hama, read_parts

pytestmark = pytest.mark.hbase

EXAMPLE = ROOT / "examples" / "hbase_graph.py"


def _graph(path: Path, n: int = 120, seed: int = 7) -> None:
    rnd = random.Random(seed)
    lines = []
    for v in range(n):
        edges = rnd.sample(range(n), rnd.randint(0, 5))
        lines.append(f"{v}\t" + " ".join(f"{d}:{rnd.randint(1, 9)}" for d in edges if d != v))
    path.write_text("\n".join(lines) + "\n")


def _example(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(EXAMPLE), *args, "-q", "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def _values_text(out: Path) -> dict[str, float]:
    result = {}
    for lines in read_parts(out).values():
        for line in lines:
            k, _, v = line.partition("\t")
            assert k not in result, f"vertex {k} written twice"
            result[k] = float(v)
    return result


def _same(a: dict[str, float], b: dict[str, float]) -> None:
    assert set(a) == set(b) and a
    for k in a:
        assert (math.isinf(a[k]) and math.isinf(b[k])) or math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12), \
            (k, a[k], b[k])


@pytest.mark.parametrize("algo,extra", [
    ("pagerank", []),
    ("pagerank-graphalytics", ["--vectorized"]),
    ("sssp", ["--source", "0"]),
    ("sssp", ["--source", "0", "--vectorized"]),
], ids=["pagerank", "pagerank-vectorized", "sssp", "sssp-vectorized"])
def test_graph_from_hbase_equals_graph_from_file(algo: str, extra: list[str], hb_env: dict[str, str], happy: Any,
                                                 make_table: Callable[..., str], tmp_path: Path) -> None:
    graph = tmp_path / "graph.txt"
    _graph(graph)
    table = make_table(["edges"], (b"3", b"6"))
    load = hama(hb_env, "hbase", "load", table, "-i", f"file://{graph}", "--graph", "edges")
    assert load.returncode == 0, load.stderr
    ranks = make_table(["cf"])
    from_file = _example(hb_env, algo, "-if", "adjacency", "-i", f"file://{graph}", "-o",
                         f"file://{tmp_path / 'file-out'}", "-n", "3", *extra)
    assert from_file.returncode == 0, from_file.stderr
    to_text = _example(hb_env, algo, "-t", table, "-o", f"file://{tmp_path / 'hbase-out'}", "-n", "3", *extra)
    assert to_text.returncode == 0, to_text.stderr
    to_table = _example(hb_env, algo, "-t", table, "--output-table", ranks, "-n", "2", *extra)
    assert to_table.returncode == 0, to_table.stderr
    expected = _values_text(tmp_path / "file-out")
    _same(_values_text(tmp_path / "hbase-out"), expected)
    in_table = {row.decode(): float(cells[b"cf:value"]) for row, cells in happy.table(ranks).scan()}
    _same(in_table, expected)
