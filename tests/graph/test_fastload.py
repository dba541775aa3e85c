"""The numpy text loader of the vectorized path: parser edge cases, fallback, same results as vertex objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hama_yarn.graph import GraphJob
from hama_yarn.graph.algorithms import components, pagerank, paths
from hama_yarn.graph.fastload import Unsupported, parse_text
from hama_yarn.graph.runner import COUNTER_GROUP
from hama_yarn.graph.vectorized import NO_FAST_LOAD

from .conftest import GraphRunner


def test_adjacency_odd_lines() -> None:
    g = parse_text("1\t2 3\n\n2  \n   \n 3\t1:2.5 4\t\n# comment 9\n5", "adjacency")
    assert g.vertices.tolist() == [1, 2, 3, 5]
    assert list(zip(g.src.tolist(), g.dst.tolist())) == [(1, 2), (1, 3), (3, 1), (3, 4)]
    assert g.weight is not None and g.weight.tolist() == [1.0, 1.0, 2.5, 1.0]


def test_adjacency_unweighted_negative() -> None:
    g = parse_text("-3\t0 -7\n0\t-3", "adjacency")
    assert g.weight is None
    assert g.src.tolist() == [-3, -3, 0] and g.dst.tolist() == [0, -7, -3]


@pytest.mark.parametrize("undirected", [False, True])
def test_edgelist(undirected: bool) -> None:
    g = parse_text("1 2\n3\n\n2 3 7.5  \n4\t5", "edgelist", undirected)
    pairs = [(1, 2), (2, 3), (4, 5)]
    if undirected:
        pairs += [(b, a) for a, b in pairs]
    assert list(zip(g.src.tolist(), g.dst.tolist())) == pairs
    assert g.weight is not None and g.weight.tolist() == [1.0, 7.5, 1.0] * (2 if undirected else 1)
    assert sorted(set(g.vertices.tolist())) == ([1, 2, 3, 4, 5] if undirected else [1, 2, 3, 4])


@pytest.mark.parametrize("fmt,text", [
    ("adjacency", "a\t2"), ("adjacency", "007\t1"), ("adjacency", "1\t+2"), ("adjacency", "1\t2:"),
    ("adjacency", "1:2\t3"), ("adjacency", "1\t-0"), ("adjacency", "1\t2-3"), ("adjacency", "1\t2.0"),
    ("adjacency", "99999999999999999999\t1"), ("adjacency", "1\t2:3:4"), ("adjacency", "1\t2:0x10"),
    ("adjacency", "1\t\u00e9"), ("edgelist", "1 2 3 4"), ("edgelist", "1 2:3"), ("edgelist", "1 2 w"),
])
def test_unsupported_text(fmt: str, text: str) -> None:
    with pytest.raises(Unsupported):
        parse_text(text, fmt)


def run_both(graph: GraphRunner, inp: Path | list[Path], configure: object, fmt: str = "adjacency",
             peers: int = 2, mode: str = "inline", conf: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str], int]:
    """(vectorized with the numpy loader, Vertex API, NUMPY_LOADER counter)."""
    out = []
    used = 0
    for vec in (True, False):
        job: GraphJob = graph.job(mode=mode, peers=peers, **(conf or {}))
        job.set_input_format(fmt)
        configure(job)  # type: ignore[operator]
        job.set_vectorized(vec)
        out.append(graph.run(job, inp))
        if vec:
            used = job.get_counters().get(COUNTER_GROUP, "NUMPY_LOADER")
    return out[0], out[1], used


ODD = "1\t2 3 3\n\n2  \n7\t1 9\n# 5\t1\n3\t\n-4\t1\n"  # duplicates, blank, trailing spaces, 9 only a destination


def approx_equal(a: dict[str, str], b: dict[str, str]) -> None:
    assert set(a) == set(b)
    for k in a:
        assert float(a[k]) == pytest.approx(float(b[k]), rel=1e-12, abs=1e-15), k


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_pagerank_odd_input_matches(graph: GraphRunner, mode: str) -> None:
    inp = graph.write("odd.txt", ODD)
    fast, slow, used = run_both(graph, inp, lambda j: pagerank.configure_graphalytics(j, 0.85, 10), mode=mode)
    assert used == 1
    assert set(fast) == {"1", "2", "3", "7", "9", "-4"}
    approx_equal(fast, slow)


def test_hama_pagerank_self_ref(graph: GraphRunner) -> None:
    inp = graph.write("odd.txt", ODD)
    fast, slow, used = run_both(graph, inp, pagerank.configure_hama, peers=3)
    assert used == 1
    approx_equal(fast, slow)


def test_weighted_sssp_bfs_wcc(graph: GraphRunner) -> None:
    inp = graph.write("w.txt", "1\t2:5 3:1\n3\t2:1 4\n2\t5:2.5\n\n6\t7\n")
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_sssp(j, "1"), peers=3)
    assert used == 1 and fast == slow
    assert fast["2"] == "2.0" and fast["4"] == "2.0" and fast["5"] == "4.5"
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_bfs(j, "1"))
    assert used == 1 and fast == slow
    fast, slow, used = run_both(graph, inp, components.configure_wcc)
    assert used == 1 and fast == slow


@pytest.mark.parametrize("undirected", ["true", "false"])
def test_edgelist_sssp(graph: GraphRunner, undirected: str) -> None:
    v = graph.write("g.v", "1\n2\n3\n4\n8\n")
    e = graph.write("g.e", "1 2 0.5\n2 3 2\n1 3 4\n3 4\n")
    fast, slow, used = run_both(graph, [v, e], lambda j: paths.configure_sssp(j, "1"), fmt="edgelist",
                                conf={"hama.graph.undirected": undirected})
    assert used == 1 and fast == slow
    assert fast["3"] == "2.5" and float(fast["8"]) == np.inf


def test_string_ids_fall_back(graph: GraphRunner) -> None:
    # one peer's split has string ids: every peer loads vertex objects
    inp = graph.write("s.txt", "1\t2\n2\t1 a\na\t1\n")
    fast, slow, used = run_both(graph, inp, lambda j: pagerank.configure_graphalytics(j, 0.85, 5))
    assert used == 0
    approx_equal(fast, slow)


def test_vertex_loader_forced(graph: GraphRunner) -> None:
    inp = graph.write("odd.txt", ODD)
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_bfs(j, "1"), conf={NO_FAST_LOAD: "true"})
    assert used == 0 and fast == slow


def test_missing_vertex_error(graph: GraphRunner) -> None:
    inp = graph.write("m.txt", "1\t2\n2\t3\n")
    job = graph.job(peers=2, **{"hama.graph.create.missing.vertices": "false"})
    paths.configure_bfs(job, "1")
    job.set_vectorized(True)
    graph.run(job, inp, expect_ok=False)
    assert "unknown vertex 3" in job.get_diagnostics()


def _general(text: bytes) -> object:
    """parse_text without the plain-id fast path: arrays, or the Unsupported class."""
    from hama_yarn.graph import fastload

    saved = fastload._plain_adjacency
    fastload._plain_adjacency = lambda t: None  # type: ignore[assignment]
    try:
        g = parse_text(text, "adjacency")
        return [g.vertices.tolist(), g.src.tolist(), g.dst.tolist(), g.weight]
    except Unsupported:
        return Unsupported
    finally:
        fastload._plain_adjacency = saved


def test_plain_ids_fast_path_matches_general_parser() -> None:
    """The strtoll-free path for digits-and-whitespace text reads exactly what the general parser reads
    (blank lines, runs of whitespace, leading zeros, 16+ digit ids, text without tokens included)."""
    import random

    from hama_yarn.graph.fastload import _plain_adjacency

    rng = random.Random(15)
    texts = [b"", b"\n", b"7", b"7\n", b"0\t0\n", b"1\t2 3\n4\n", b" 1\t2", b"1\t2\n\n3", b"1\t02",
             b"1234567890123456\t9876543210987654\n", b"12345678901234567\t1\n", b"5\r\n6\n"]
    for _ in range(3000):
        texts.append("".join(rng.choice("0123456789" * 3 + " \t\n\r") for _ in range(rng.randint(0, 40))).encode())
        lines = [" ".join(str(rng.randint(0, 10 ** rng.randint(1, 16))) for _ in range(rng.randint(1, 6)))
                 .replace(" ", "\t", 1) for _ in range(rng.randint(1, 8))]
        texts.append(("\n".join(lines) + rng.choice(["", "\n"])).encode())
    fast = 0
    for text in texts:
        try:
            got: object = _plain_adjacency(text)
        except Unsupported:
            got = Unsupported
        if got is None:
            continue  # left to the general parser
        fast += 1
        if got is not Unsupported:
            assert isinstance(got, type(parse_text(b"1", "adjacency")))
            for a in (got.vertices, got.src, got.dst):
                assert a.dtype == np.int64
            assert got.degree is not None and np.array_equal(np.repeat(got.vertices, got.degree), got.src)
            got = [got.vertices.tolist(), got.src.tolist(), got.dst.tolist(), got.weight]
        assert got == _general(text), text
    assert fast > 3000  # the generated adjacency lines take the fast path
