"""Graph algorithms against independent references (networkx, or small hand-written loops)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]
import pytest

from hama_yarn.graph.algorithms import cdlp, components, inlink, label_key, lcc, pagerank, paths
from hama_yarn.graph.algorithms.paths import UNREACHABLE_DEPTH

from .conftest import GraphRunner


def random_digraph(seed: int = 7, n: int = 60, p: float = 0.06) -> nx.DiGraph:
    g = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    rng = random.Random(seed)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = round(rng.uniform(0.5, 5.0), 3)
    return nx.relabel_nodes(g, {i: str(i) for i in g.nodes})


def write_adjacency(graph: GraphRunner, g: nx.DiGraph, weighted: bool = False) -> Path:
    lines = []
    for u in g.nodes:
        nbrs = [f"{v}:{g.edges[u, v]['weight']}" if weighted else v for v in g.successors(u)]
        lines.append(u + ("\t" + " ".join(nbrs) if nbrs else ""))
    return graph.write("adj.txt", "\n".join(lines) + "\n")


def test_pagerank_graphalytics_vs_networkx(graph: GraphRunner) -> None:
    g = random_digraph()
    job = graph.job(peers=3)
    pagerank.configure_graphalytics(job, 0.85, 60)
    out = graph.run(job, write_adjacency(graph, g))
    ref = nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=1000, weight=None)
    for v, r in ref.items():
        assert float(out[v]) == pytest.approx(r, rel=1e-6)


def hama_pagerank_reference(g: nx.DiGraph, d: float = 0.85, err: float = 0.001, max_it: int = 30) -> dict[str, float]:
    nodes = list(g.nodes)
    n = len(nodes)
    out = {u: [*g.successors(u), u] for u in nodes}  # hama.graph.self.ref
    rank = dict.fromkeys(nodes, 1.0 / n)
    prev_err = None
    for it in range(1, max_it + 1):
        incoming = dict.fromkeys(nodes, 0.0)
        for u in nodes:
            for v in out[u]:
                incoming[v] += rank[u] / len(out[u])
        new = {v: (1 - d) / n + d * incoming[v] for v in nodes}
        cur_err = sum(abs(new[v] - rank[v]) for v in nodes) / n
        rank = new
        if prev_err is not None and it > 2 and prev_err < err:
            break
        prev_err = cur_err
    return rank


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_pagerank_hama_semantics(graph: GraphRunner, mode: str) -> None:
    g = random_digraph(seed=3, n=40, p=0.1)
    job = graph.job(mode=mode, peers=2)
    pagerank.configure_hama(job)
    out = graph.run(job, write_adjacency(graph, g))
    ref = hama_pagerank_reference(g)
    for v, r in ref.items():
        assert float(out[v]) == pytest.approx(r, rel=1e-9)


def test_sssp_vs_dijkstra(graph: GraphRunner) -> None:
    g = random_digraph(seed=11)
    job = graph.job(peers=3)
    paths.configure_sssp(job, "0")
    out = graph.run(job, write_adjacency(graph, g, weighted=True))
    ref = nx.single_source_dijkstra_path_length(g, "0")
    for v in g.nodes:
        assert float(out[v]) == pytest.approx(ref.get(v, float("inf")), rel=1e-12)


def test_bfs_vs_networkx(graph: GraphRunner) -> None:
    g = random_digraph(seed=5)
    job = graph.job(peers=2)
    paths.configure_bfs(job, "0")
    out = graph.run(job, write_adjacency(graph, g))
    ref = nx.single_source_shortest_path_length(g, "0")
    assert {v: int(x) for v, x in out.items()} == {v: ref.get(v, UNREACHABLE_DEPTH) for v in g.nodes}


def test_wcc_vs_networkx(graph: GraphRunner) -> None:
    g = random_digraph(seed=2, n=80, p=0.015)
    job = graph.job(peers=3)
    components.configure_wcc(job)
    out = graph.run(job, write_adjacency(graph, g))
    for comp in nx.weakly_connected_components(g):
        assert {out[v] for v in comp} == {min(comp, key=label_key)}


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_mindist_search_on_undirected_graph(graph: GraphRunner, mode: str) -> None:
    u = nx.relabel_nodes(nx.gnp_random_graph(70, 0.025, seed=9), str)
    job = graph.job(mode=mode, peers=2)
    components.configure_mindist(job)
    out = graph.run(job, write_adjacency(graph, u.to_directed()))
    for comp in nx.connected_components(u):
        assert {out[v] for v in comp} == {min(comp, key=label_key)}


def test_lcc_vs_networkx_undirected(graph: GraphRunner) -> None:
    u = nx.relabel_nodes(nx.gnp_random_graph(50, 0.15, seed=4), str)
    job = graph.job(peers=3)
    lcc.configure_lcc(job)
    out = graph.run(job, write_adjacency(graph, u.to_directed()))
    for v, c in nx.clustering(u).items():
        assert float(out[v]) == pytest.approx(c, abs=1e-12)


def test_lcc_directed_by_definition(graph: GraphRunner) -> None:
    g = random_digraph(seed=8, n=40, p=0.12)
    job = graph.job(peers=2)
    lcc.configure_lcc(job)
    out = graph.run(job, write_adjacency(graph, g))
    for v in g.nodes:
        nbrs = (set(g.successors(v)) | set(g.predecessors(v))) - {v}
        d = len(nbrs)
        links = sum(1 for a in nbrs for b in nbrs if a != b and g.has_edge(a, b))
        assert float(out[v]) == pytest.approx(links / (d * (d - 1)) if d > 1 else 0.0, abs=1e-12)


def test_cdlp_by_definition(graph: GraphRunner) -> None:
    g = random_digraph(seed=6, n=50, p=0.08)
    job = graph.job(peers=3)
    cdlp.configure_cdlp(job, 4)
    out = graph.run(job, write_adjacency(graph, g))
    labels = {v: v for v in g.nodes}
    for _ in range(4):
        new = {}
        for v in g.nodes:
            c = Counter([labels[u] for u in g.predecessors(v)] + [labels[u] for u in g.successors(v)])
            if c:
                top = max(c.values())
                new[v] = min((lab for lab, k in c.items() if k == top), key=label_key)
            else:
                new[v] = labels[v]
        labels = new
    assert out == labels


def test_inlink_count(graph: GraphRunner) -> None:
    g = random_digraph(seed=1)
    job = graph.job(peers=2)
    inlink.configure_inlink(job)
    out = graph.run(job, write_adjacency(graph, g))
    assert {v: int(x) for v, x in out.items()} == dict(g.in_degree())
