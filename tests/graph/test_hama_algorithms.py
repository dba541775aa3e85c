"""Hama's bipartite matching, k-core and semi-clustering against independent references."""

from __future__ import annotations

import networkx as nx  # type: ignore[import-untyped]
import pytest

from hama_yarn.graph.algorithms import bipartite, kcore, semicluster
from hama_yarn.graph.algorithms.kcore import core_estimate
from hama_yarn.graph.algorithms.semicluster import semi_cluster_score

from .conftest import GraphRunner


def bipartite_input(g: nx.Graph, left: set[str]) -> str:
    lines = []
    for u in sorted(g.nodes):
        side = "L" if u in left else "R"
        lines.append(f"{u} {side}:" + " ".join(sorted(g.neighbors(u))))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2])
def test_bipartite_matching_is_maximal(graph: GraphRunner, seed: int) -> None:
    g0 = nx.bipartite.random_graph(25, 20, 0.12, seed=seed)
    g = nx.relabel_nodes(g0, {i: (f"l{i}" if i < 25 else f"r{i}") for i in g0.nodes})
    left = {f"l{i}" for i in range(25)}
    job = graph.job(peers=3)
    bipartite.configure_bipartite(job, max_iteration=4 * 22, seed=seed)
    out = graph.run(job, graph.write("bip.txt", bipartite_input(g, left)))
    assert set(out) == set(g.nodes)
    match = {}
    for v, text in out.items():
        m, side = text.split()
        assert side == ("L" if v in left else "R")
        if m != bipartite.UNMATCHED:
            match[v] = m
    for v, m in match.items():  # a matching: symmetric, along edges, L-R
        assert match.get(m) == v and g.has_edge(v, m) and (v in left) != (m in left)
    for u, v in g.edges:  # maximal: no edge with both ends free
        assert u in match or v in match, (u, v)
    size = len(match) // 2
    maximum = len(nx.bipartite.maximum_matching(g, top_nodes=left)) // 2
    assert maximum / 2 <= size <= maximum  # any maximal matching is a 1/2-approximation


def test_bipartite_hama_example(graph: GraphRunner) -> None:
    """Hama's documented input: A L:B D, B R:A C, C L:B D, D R:A C has a perfect matching."""
    text = "A L:B D\nB R:A C\nC L:B D\nD R:A C\n"
    job = graph.job(peers=2)
    bipartite.configure_bipartite(job, max_iteration=30, seed=7)
    out = graph.run(job, graph.write("hama.txt", text))
    match = {v: t.split()[0] for v, t in out.items()}
    assert sorted(match) == ["A", "B", "C", "D"]
    assert all(match[match[v]] == v for v in match)


def test_core_estimate_hand() -> None:
    assert core_estimate(3, {"a": 1, "b": 5, "c": 5}) == 2
    assert core_estimate(3, {"a": 3, "b": 3, "c": 3}) == 3
    assert core_estimate(0, {}) == 0


@pytest.mark.parametrize("seed", [3, 4])
def test_kcore_vs_networkx(graph: GraphRunner, seed: int) -> None:
    g = nx.powerlaw_cluster_graph(80, 3, 0.3, seed=seed)
    g.add_node(80)  # isolated: core 0
    lines = [f"{u}\t" + " ".join(str(v) for v in g.neighbors(u)) for u in g.nodes]
    job = graph.job(peers=3)
    kcore.configure_kcore(job)
    out = graph.run(job, graph.write("kcore.txt", "\n".join(lines) + "\n"))
    ref = nx.core_number(g)
    assert {int(k): int(v) for k, v in out.items()} == ref


def two_triangles() -> str:
    """Triangles A-B-C and D-E-F (weight 2) joined by a weak bridge C-D (0.1), Hama's format."""
    w = {("A", "B"): 2.0, ("B", "C"): 2.0, ("A", "C"): 2.0, ("D", "E"): 2.0, ("E", "F"): 2.0,
         ("D", "F"): 2.0, ("C", "D"): 0.1}
    adj: dict[str, list[str]] = {}
    for (u, v), x in w.items():
        adj.setdefault(u, []).append(f"{v}-{x}")
        adj.setdefault(v, []).append(f"{u}-{x}")
    return "# two triangles\n" + "".join(f"{u}\t{','.join(n)}\n" for u, n in sorted(adj.items()))


def test_semi_cluster_score_hand() -> None:
    # {A,B,C}: I = 6, B = 0.1 (the bridge), f_B = 0.5 -> (6 - 0.05) / 3
    assert semi_cluster_score(3, 6.0, 0.1, 0.5) == pytest.approx(5.95 / 3)
    # {A,B}: I = 2, B = 4 -> (2 - 2) / 1
    assert semi_cluster_score(2, 2.0, 4.0, 0.5) == 0.0
    assert semi_cluster_score(1, 0.0, 4.0, 0.5) == 1.0


def test_semiclustering_two_triangles(graph: GraphRunner) -> None:
    """Hand-derived: each triangle is the best cluster of its members (1.983 > singleton 1 > pairs <= 0)."""
    job = graph.job(peers=2)
    job.set_vertex_input_reader_class(semicluster.SemiClusterReader)
    semicluster.configure_semicluster(job, max_iteration=6, max_vertices=3, max_clusters=2, boundary_factor=0.5)
    out = graph.run(job, graph.write("semi.txt", two_triangles()))
    for v in "ABC":
        assert out[v] == f"[A B C, {v}]"
    for v in "DEF":
        assert out[v] == f"[D E F, {v}]"
