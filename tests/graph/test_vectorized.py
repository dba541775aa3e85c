"""The vectorized numpy path: Graphalytics acceptance, agreement with the Vertex API, scipy on R-MAT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components, dijkstra  # type: ignore[import-untyped]

from hama_yarn.errors import ConfigError
from hama_yarn.graph import GraphJob
from hama_yarn.graph.algorithms import cdlp, components, pagerank, paths
from hama_yarn.graph.algorithms.paths import UNREACHABLE_DEPTH
from hama_yarn.graph.generators import fastgen, rmat, rmat_weights, write_adjacency, write_json

from .conftest import DATA, GraphRunner
from .test_algorithms import hama_pagerank_reference, random_digraph, write_adjacency as write_nx
from .test_graphalytics import BFS, PR, SSSP, WCC, close, reference, same_partition


@pytest.mark.parametrize("inp,iterations,expected", PR, ids=lambda x: getattr(x, "name", str(x)))
def test_pagerank_graphalytics(graph: GraphRunner, inp: Path, iterations: int, expected: Path) -> None:
    job = graph.job(peers=2)
    pagerank.configure_graphalytics(job, 0.85, iterations)
    job.set_vectorized(True)
    close(graph.run(job, inp), reference(expected), rel=1e-4)


@pytest.mark.parametrize("inp,source,expected", BFS, ids=lambda x: getattr(x, "name", x))
def test_bfs_graphalytics(graph: GraphRunner, inp: Path, source: str, expected: Path) -> None:
    job = graph.job(peers=3)
    paths.configure_bfs(job, source)
    job.set_vectorized(True)
    assert graph.run(job, inp) == reference(expected)


@pytest.mark.parametrize("v,e,undirected,source,expected", SSSP, ids=lambda x: getattr(x, "name", str(x)))
def test_sssp_graphalytics(graph: GraphRunner, v: Path, e: Path, undirected: bool, source: str,
                           expected: Path) -> None:
    job = graph.job(peers=2, **{"hama.graph.undirected": str(undirected).lower()})
    job.set_input_format("edgelist")
    paths.configure_sssp(job, source)
    job.set_vectorized(True)
    close(graph.run(job, [v, e]), reference(expected), rel=1e-4)


@pytest.mark.parametrize("inp,expected", WCC, ids=lambda x: x.name)
def test_wcc_graphalytics(graph: GraphRunner, inp: Path, expected: Path) -> None:
    job = graph.job(peers=3)
    components.configure_wcc(job)
    job.set_vectorized(True)
    assert same_partition(graph.run(job, inp), reference(expected))


def test_vectorized_matches_vertex_api(graph: GraphRunner) -> None:
    inp = DATA / "pr/dir-input"
    results = []
    for vec in (False, True):
        job = graph.job(peers=3)
        pagerank.configure_graphalytics(job, 0.85, 14)
        job.set_vectorized(vec)
        results.append(graph.run(job, inp))
    assert set(results[0]) == set(results[1])
    for k, x in results[0].items():
        assert float(results[1][k]) == pytest.approx(float(x), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_pagerank_hama_semantics(graph: GraphRunner, mode: str) -> None:
    g = random_digraph(seed=3, n=40, p=0.1)
    job = graph.job(mode=mode, peers=2)
    pagerank.configure_hama(job)
    job.set_vectorized(True)
    out = graph.run(job, write_nx(graph, g))
    for v, r in hama_pagerank_reference(g).items():
        assert float(out[v]) == pytest.approx(r, rel=1e-9)


def rmat_graph(graph: GraphRunner, scale: int = 10, weights: bool = False) -> tuple[int, np.ndarray, np.ndarray, Path]:
    src, dst = rmat(scale, 8, seed=5)
    n = 1 << scale
    w = rmat_weights(len(src)) if weights else None
    write_adjacency(str(graph.tmp / "rmat"), n, src, dst, w, parts=2)
    return n, src, dst, graph.tmp / "rmat"


def test_pagerank_rmat_vs_scipy(graph: GraphRunner) -> None:
    n, src, dst, inp = rmat_graph(graph)
    job = graph.job(peers=2)
    pagerank.configure_graphalytics(job, 0.85, 20)
    job.set_vectorized(True)
    out = graph.run(job, inp)
    a = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))
    outdeg = np.bincount(src, minlength=n).astype(float)
    inv = np.where(outdeg > 0, 1.0 / np.maximum(outdeg, 1), 0.0)
    r = np.full(n, 1.0 / n)
    for _ in range(20):
        r = 0.15 / n + 0.85 * (a @ (r * inv) + r[outdeg == 0].sum() / n)
    got = np.array([float(out[str(i)]) for i in range(n)])
    np.testing.assert_allclose(got, r, rtol=1e-10)


def test_sssp_bfs_wcc_rmat_vs_scipy(graph: GraphRunner) -> None:
    n, src, dst, inp = rmat_graph(graph, scale=9, weights=True)
    w = rmat_weights(len(src)).astype(float)
    source = int(np.argmax(np.bincount(src, minlength=n)))
    best: dict[tuple[int, int], float] = {}  # scipy sums duplicate edges: keep the lightest, drop loops
    for s, d, x in zip(src.tolist(), dst.tolist(), w.tolist()):
        if s != d and x < best.get((s, d), np.inf):
            best[(s, d)] = x
    keys = list(best)
    g = sp.csr_matrix(([best[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])), shape=(n, n))
    job = graph.job(peers=2)
    paths.configure_sssp(job, str(source))
    job.set_vectorized(True)
    out = graph.run(job, inp)
    ref = dijkstra(g, indices=source)
    assert [float(out[str(i)]) for i in range(n)] == ref.tolist()
    job = graph.job(peers=2)
    paths.configure_bfs(job, str(source))
    job.set_vectorized(True)
    out = graph.run(job, inp)
    hops = dijkstra(g, indices=source, unweighted=True)
    assert [int(out[str(i)]) for i in range(n)] == [UNREACHABLE_DEPTH if np.isinf(h) else int(h) for h in hops]
    job = graph.job(peers=3)
    components.configure_wcc(job)
    job.set_vectorized(True)
    out = graph.run(job, inp)
    _, labels = connected_components(g, directed=True, connection="weak")
    assert same_partition({str(i): str(x) for i, x in enumerate(labels)}, out)


def test_fastgen_json_input(graph: GraphRunner) -> None:
    src, dst = fastgen(200, 3, seed=1)
    assert len(src) == 600 and not np.any(src == dst)
    assert all(len(set(dst[src == v].tolist())) == 3 for v in range(0, 200, 17))
    write_json(str(graph.tmp / "fg"), 200, src, dst)
    results = []
    for vec in (False, True):
        job = graph.job(peers=2)
        job.set_input_format("json")
        pagerank.configure_graphalytics(job, 0.85, 5)
        job.set_vectorized(vec)
        results.append(graph.run(job, graph.tmp / "fg"))
    for k, x in results[0].items():
        assert float(results[1][k]) == pytest.approx(float(x), rel=1e-12)


def test_unsupported_algorithm(graph: GraphRunner) -> None:
    job = graph.job()
    cdlp.configure_cdlp(job, 2)
    job.set_vectorized(True)
    job.set_input_path(str(DATA / "pr/dir-input"))
    job.set_output_path(str(graph.tmp / "x"))
    with pytest.raises(ConfigError, match="no vectorized version"):
        job.submit()
    job2 = GraphJob(vertex_class=pagerank.GraphalyticsPageRankVertex)
    job2.set_vectorized(True, algorithm="nope")
    with pytest.raises(ConfigError, match="unknown vectorized algorithm"):
        job2.submit()


def test_wcc_needs_integer_ids(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    components.configure_wcc(job)
    job.set_vectorized(True)
    graph.run(job, graph.write("s.txt", "a\tb\nb\tc\n"), expect_ok=False)
    assert "integer vertex ids" in job.get_diagnostics()
