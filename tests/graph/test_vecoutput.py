"""Chunked output of the vectorized path: the same bytes as one ``write(id, value)`` per vertex."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn.graph import vectorized
from hama_yarn.graph.algorithms import components, pagerank, paths
from hama_yarn.graph.algorithms.paths import UNREACHABLE_DEPTH
from hama_yarn.graph.vectorized import text_block
from hama_yarn.master.state import PEER_COUNTER_GROUP

from .conftest import GraphRunner


def old_line(key: Any, v: float, algorithm: str) -> str:
    """The line the per-vertex writer produced (``str`` of key and value, as the text writer)."""
    if algorithm == "bfs":
        value: Any = UNREACHABLE_DEPTH if v == math.inf else int(v)
    elif algorithm == "wcc":
        value = str(int(v))
    else:
        value = v
    return f"{str(key)}\t{str(value)}"


SPECIAL = [0.0, -0.0, 1.0, 0.1, 1e16, 1e15 + 0.5, 1e-4, 9.999e-5, 1e-7, 5e-324, 1.7976931348623157e308,
           2.0 ** 53, 123456789.125, math.inf]


@pytest.mark.parametrize("algorithm", ["pagerank", "sssp", "bfs", "wcc"])
def test_text_block_equals_per_vertex_lines(algorithm: str) -> None:
    rng = np.random.default_rng(4)
    if algorithm in ("pagerank", "sssp"):
        vals = np.concatenate([SPECIAL, [math.nan, -math.inf], rng.random(500) / 3e5,
                               rng.standard_normal(500) * 10.0 ** rng.integers(-30, 30, 500)])
    elif algorithm == "bfs":
        vals = np.concatenate([[0.0, 1.0, math.inf, 2.0 ** 40], rng.integers(0, 50, 500).astype(float)])
    else:
        vals = np.concatenate([[0.0, 2.0 ** 53 - 1, 7.0], rng.integers(0, 1 << 40, 500).astype(float)])
    int_keys = rng.integers(-(1 << 62), 1 << 62, len(vals)).tolist()
    str_keys = [f"v{i}é" for i in range(len(vals))]
    for keys in (int_keys, str_keys):
        expected = "\n".join(old_line(k, v, algorithm) for k, v in zip(keys, vals.tolist()))
        assert text_block(keys, vals, algorithm) == expected


def part_bytes(out: Path) -> bytes:
    return b"".join((out / n).read_bytes() for n in sorted(os.listdir(out)) if n.startswith("part-"))


def run_both(graph: GraphRunner, monkeypatch: pytest.MonkeyPatch, configure: Any, inp: Path,
             fmt: str = "adjacency", strict: bool = True) -> bytes:
    """Run the job chunked (blocks of 7 rows) and per vertex; assert equal bytes and record counts."""
    got = []
    monkeypatch.setattr(vectorized, "OUTPUT_ROWS", 7)
    for bulk in (True, False):
        if not bulk:
            monkeypatch.setattr(vectorized, "_text_output", lambda conf: False)
        job = graph.job(peers=2)
        configure(job)
        job.set_input_format(fmt)
        job.set_vectorized(True)
        graph.run(job, inp)
        lines = part_bytes(graph.tmp / f"out{graph.count}")
        assert job.get_counters().get(PEER_COUNTER_GROUP, "TASK_OUTPUT_RECORDS") == lines.count(b"\n")
        got.append(lines)
    # the vertex-object path (string ids) orders vertices by message arrival
    assert got[0] == got[1] or (strict is False and sorted(got[0].split(b"\n")) == sorted(got[1].split(b"\n")))
    return got[0]


# 0..5 reachable from 0 (some weights fractional), 20..29 unreachable, ids above a chunk of 7
ADJ = "".join([
    "0\t1\t2\n", "1\t2\t3\n", "2\t3\n", "3\t4\t5\n", "4\n", "5\t0\n",
    *(f"{v}\t{v + 1}\n" for v in range(20, 29)), "29\n",
])
WEIGHTED = "0\t1:0.5 2:3.25\n1\t2:1e-7\n2\t3:1e16\n3\n" + "".join(f"{v}\t{v + 1}:0.1\n" for v in range(20, 40))


@pytest.mark.parametrize("algorithm", ["pagerank", "sssp", "bfs", "wcc"])
def test_chunked_job_output(graph: GraphRunner, monkeypatch: pytest.MonkeyPatch, algorithm: str) -> None:
    inp = graph.write("g.txt", WEIGHTED if algorithm == "sssp" else ADJ)

    def configure(job: Any) -> None:
        if algorithm == "pagerank":
            pagerank.configure_graphalytics(job, 0.85, 5)
        elif algorithm == "sssp":
            paths.configure_sssp(job, "0")
        elif algorithm == "bfs":
            paths.configure_bfs(job, "0")
        else:
            components.configure_wcc(job)

    out = run_both(graph, monkeypatch, configure, inp).decode()
    if algorithm in ("sssp", "bfs"):
        unreachable = "inf" if algorithm == "sssp" else str(UNREACHABLE_DEPTH)
        assert "25\t" + unreachable in out.splitlines()
    if algorithm == "sssp":
        assert "3\t1e+16" in out.splitlines() and "2\t0.5000001" in out.splitlines()


def test_chunked_output_string_ids(graph: GraphRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"s{i}\ts{(i * 7) % 30}\ts{(i + 1) % 30}\n" for i in range(30)) + "lonely\n"
    inp = graph.write("s.txt", text)

    def configure(job: Any) -> None:
        paths.configure_bfs(job, "s0")

    out = run_both(graph, monkeypatch, configure, inp, strict=False).decode().splitlines()
    assert len(out) == 31 and f"lonely\t{UNREACHABLE_DEPTH}" in out and "s0\t0" in out
