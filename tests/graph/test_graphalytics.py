"""LDBC Graphalytics validation graphs (tests/graph/data/graphalytics) as acceptance tests.

Match rules (the data's README): PR and SSSP within relative error 1e-4, LCC within
1e-6, BFS and CDLP exactly, WCC as the same partition into components.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hama_yarn.graph.algorithms import cdlp, components, lcc, pagerank, paths

from .conftest import DATA, GraphRunner

EX = DATA / "example"


def reference(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().split("\n"):
        if line.strip():
            k, v = line.split()
            out[k] = v
    return out


def same_partition(a: dict[str, str], b: dict[str, str]) -> bool:
    assert set(a) == set(b)
    fwd: dict[str, str] = {}
    back: dict[str, str] = {}
    for k in a:
        if fwd.setdefault(a[k], b[k]) != b[k] or back.setdefault(b[k], a[k]) != a[k]:
            return False
    return True


def close(actual: dict[str, str], expected: dict[str, str], rel: float = 0.0, abs_: float = 0.0) -> None:
    assert set(actual) == set(expected)
    for k, e in expected.items():
        x, y = float(actual[k]), float(e)
        if math.isinf(y):
            assert math.isinf(x), (k, actual[k], e)
        else:
            assert abs(x - y) <= rel * abs(y) + abs_, (k, actual[k], e)


ADJ = {  # name -> (adjacency input, directed)
    "example-directed": (EX / "example-directed-input", True),
    "example-undirected": (EX / "example-undirected-input", False),
}

BFS = [
    (EX / "example-directed-input", "1", EX / "example-directed-BFS"),
    (EX / "example-undirected-input", "2", EX / "example-undirected-BFS"),
    (DATA / "bfs/dir-input", "1", DATA / "bfs/dir-output"),
    (DATA / "bfs/undir-input", "1", DATA / "bfs/undir-output"),
]


@pytest.mark.parametrize("inp,source,expected", BFS, ids=lambda x: getattr(x, "name", x))
def test_bfs(graph: GraphRunner, inp: Path, source: str, expected: Path) -> None:
    job = graph.job(peers=3)
    paths.configure_bfs(job, source)
    assert graph.run(job, inp) == reference(expected)


SSSP = [  # (vertex file, edge file, undirected, source, expected)
    (EX / "example-directed.v", EX / "example-directed.e", False, "1", EX / "example-directed-SSSP"),
    (EX / "example-undirected.v", EX / "example-undirected.e", True, "2", EX / "example-undirected-SSSP"),
    (DATA / "sssp/dir-input.v", DATA / "sssp/dir-input.e", False, "1", DATA / "sssp/dir-output"),
    (DATA / "sssp/undir-input.v", DATA / "sssp/undir-input.e", True, "1", DATA / "sssp/undir-output"),
]


@pytest.mark.parametrize("v,e,undirected,source,expected", SSSP, ids=lambda x: getattr(x, "name", str(x)))
def test_sssp(graph: GraphRunner, v: Path, e: Path, undirected: bool, source: str, expected: Path) -> None:
    job = graph.job(peers=2, **{"hama.graph.undirected": str(undirected).lower()})
    job.set_input_format("edgelist")
    paths.configure_sssp(job, source)
    close(graph.run(job, [v, e]), reference(expected), rel=1e-4)


WCC = [
    (EX / "example-directed-input", EX / "example-directed-WCC"),
    (EX / "example-undirected-input", EX / "example-undirected-WCC"),
    (DATA / "wcc/dir-input", DATA / "wcc/dir-output"),
    (DATA / "wcc/undir-input", DATA / "wcc/undir-output"),
]


@pytest.mark.parametrize("inp,expected", WCC, ids=lambda x: x.name)
def test_wcc(graph: GraphRunner, inp: Path, expected: Path) -> None:
    job = graph.job(peers=3)
    components.configure_wcc(job)
    assert same_partition(graph.run(job, inp), reference(expected))


PR = [
    (EX / "example-directed-input", 2, EX / "example-directed-PR"),
    (EX / "example-undirected-input", 2, EX / "example-undirected-PR"),
    (DATA / "pr/dir-input", 14, DATA / "pr/dir-output"),
    (DATA / "pr/undir-input", 26, DATA / "pr/undir-output"),
]


@pytest.mark.parametrize("inp,iterations,expected", PR, ids=lambda x: getattr(x, "name", str(x)))
def test_pagerank(graph: GraphRunner, inp: Path, iterations: int, expected: Path) -> None:
    job = graph.job(peers=2)
    pagerank.configure_graphalytics(job, 0.85, iterations)
    close(graph.run(job, inp), reference(expected), rel=1e-4)


CDLP = [
    (EX / "example-directed-input", 2, EX / "example-directed-CDLP"),
    (EX / "example-undirected-input", 2, EX / "example-undirected-CDLP"),
    (DATA / "cdlp/dir-input", 5, DATA / "cdlp/dir-output"),
    (DATA / "cdlp/undir-input", 5, DATA / "cdlp/undir-output"),
]


@pytest.mark.parametrize("inp,iterations,expected", CDLP, ids=lambda x: getattr(x, "name", str(x)))
def test_cdlp(graph: GraphRunner, inp: Path, iterations: int, expected: Path) -> None:
    job = graph.job(peers=3)
    cdlp.configure_cdlp(job, iterations)
    assert graph.run(job, inp) == reference(expected)


LCC = [
    (EX / "example-directed-input", EX / "example-directed-LCC"),
    (EX / "example-undirected-input", EX / "example-undirected-LCC"),
    (DATA / "lcc/dir-input", DATA / "lcc/dir-output"),
    (DATA / "lcc/undir-input", DATA / "lcc/undir-output"),
]


@pytest.mark.parametrize("inp,expected", LCC, ids=lambda x: x.name)
def test_lcc(graph: GraphRunner, inp: Path, expected: Path) -> None:
    job = graph.job(peers=2)
    lcc.configure_lcc(job)
    close(graph.run(job, inp), reference(expected), abs_=1e-6)


@pytest.mark.parametrize("algo", ["bfs", "sssp", "wcc", "pr", "cdlp", "lcc"])
def test_local_mode(graph: GraphRunner, algo: str) -> None:
    """Every Graphalytics algorithm on example-directed with 2 peer processes."""
    job = graph.job(mode="local", peers=2)
    inp: Path | list[Path] = EX / "example-directed-input"
    if algo == "bfs":
        paths.configure_bfs(job, "1")
    elif algo == "sssp":
        job.set_input_format("edgelist")
        inp = [EX / "example-directed.v", EX / "example-directed.e"]
        paths.configure_sssp(job, "1")
    elif algo == "wcc":
        components.configure_wcc(job)
    elif algo == "pr":
        pagerank.configure_graphalytics(job, 0.85, 2)
    elif algo == "cdlp":
        cdlp.configure_cdlp(job, 2)
    else:
        lcc.configure_lcc(job)
    got = graph.run(job, inp)
    expected = reference(EX / f"example-directed-{algo.upper()}")
    if algo in ("bfs", "cdlp"):
        assert got == expected
    elif algo == "wcc":
        assert same_partition(got, expected)
    else:
        close(got, expected, rel=1e-4, abs_=1e-6 if algo == "lcc" else 0.0)
