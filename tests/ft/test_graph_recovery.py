"""Recovery of graph jobs in local mode (issue 13): a vectorized PageRank, a Vertex API SSSP and a
vectorized SSSP whose peer 2 is SIGKILLed mid-job complete with output byte-identical to an undisturbed run.
Graph state is checkpointed without user code (hama_yarn.graph.checkpoint)."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.graph import GraphJob
from hama_yarn.graph.algorithms import pagerank, paths
from hama_yarn.master.state import JOB_COUNTER_GROUP

from .conftest import ft_job, read_tree

KILL = ft_job("graph_kill.py")
FT = {"bsp.ft.enabled": "true", "bsp.checkpoint.enabled": "true"}


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    """A 420-vertex digraph: a weighted chain (SSSP needs many iterations) plus random shortcuts."""
    rng = random.Random(13)
    n = 400
    out: dict[int, list[str]] = {v: [] for v in range(n)}
    for v in range(n - 1):
        out[v].append(f"{v + 1}:1")
    for _ in range(3 * n):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            out[a].append(f"{b}:{rng.randint(30, 90)}")
    for v in range(n, n + 20):  # dangling vertices (PageRank's dangling mass)
        out[v] = []
        out[rng.randrange(n)].append(f"{v}:{rng.randint(1, 9)}")
    path = tmp_path_factory.mktemp("ftgraph") / "g.adj"
    path.write_text("".join(f"{v}\t{' '.join(es)}\n" for v, es in out.items()))
    return path


def run(tmp: Path, graph_file: Path, kind: str, extra: dict[str, str]) -> tuple[dict[str, bytes], str, int]:
    """Run *kind* (``pagerank`` or ``sssp-vectorized``: vectorized; ``sssp``: Vertex API); ``(output tree, progress, recoveries)``."""
    c = HamaConfiguration()
    c.set("bsp.master.address", "local")
    c.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    for k, v in extra.items():
        c.set(k, v)
    job = GraphJob(c)
    job.set_num_bsp_task(4)
    if kind == "pagerank":
        pagerank.configure_graphalytics(job, 0.85, 25)
        job.set_vectorized(True, algorithm="pagerank")
        job.set_bsp_class(f"{KILL}:KillingVectorizedRunner")
    elif kind == "sssp-vectorized":
        paths.configure_sssp(job, "0")
        job.set_vectorized(True, algorithm="sssp")
        job.set_bsp_class(f"{KILL}:KillingVectorizedRunner")
    else:
        paths.configure_sssp(job, "0")
        job.set_bsp_class(f"{KILL}:KillingVertexRunner")
    job.set_input_path(str(graph_file))
    out = tmp / "out"
    job.set_output_path(str(out))
    log = io.StringIO()
    ok = job.wait_for_completion(verbose=True, stream=log)
    assert ok, f"{job.get_diagnostics()}\n{log.getvalue()}"
    return read_tree(out), log.getvalue(), job.get_counters().get(JOB_COUNTER_GROUP, "RECOVERIES")


@pytest.fixture(scope="module", params=["pagerank", "sssp", "sssp-vectorized"])
def baseline(request, graph_file, tmp_path_factory) -> tuple[str, dict[str, bytes]]:
    kind = request.param
    tree, _, _ = run(tmp_path_factory.mktemp(f"base-{kind}"), graph_file, kind, {})
    assert sum(t.count(b"\n") for n, t in tree.items() if n.startswith("part-")) == 420
    return kind, tree


def rolled_back_to(progress: str) -> int:
    m = re.search(r"Recovering: attempt 2, rolled back to superstep (\d+)", progress)
    assert m, progress
    return int(m.group(1))


@pytest.mark.parametrize("at", [0, 1, 2])
def test_graph_peer2_killed_output_identical(baseline, graph_file, tmp_path, at):
    """Kill points: the first iteration (SSSP: still loading, rolls back to the start), and two later."""
    kind, expected = baseline
    s = {"pagerank": [4, 11, 20], "sssp": [2, 11, 40], "sssp-vectorized": [4, 11, 40]}[kind][at]
    tree, progress, recoveries = run(tmp_path, graph_file, kind, {**FT, "test.ft.kill": f"2@{s}"})
    assert recoveries == 1
    back = rolled_back_to(progress)
    if s >= 9:  # past the load supersteps: resumed from a checkpoint of the iterations, not restarted
        assert s - 1 <= back <= s, progress
    assert tree == expected


def test_graph_checkpoint_interval(baseline, graph_file, tmp_path):
    kind, expected = baseline
    tree, progress, recoveries = run(tmp_path, graph_file, kind,
                                     {**FT, "bsp.checkpoint.interval": "5", "test.ft.kill": "2@17"})
    assert recoveries == 1 and rolled_back_to(progress) == 15
    assert tree == expected


def test_graph_checkpoints_on_without_failure(baseline, graph_file, tmp_path):
    kind, expected = baseline
    tree, progress, recoveries = run(tmp_path, graph_file, kind, FT)
    assert recoveries == 0 and "Recovering" not in progress
    assert tree == expected
