"""The memory-bounded array loader of the vectorized path (hama_yarn.graph.vecload).

The loader runs here on P threads with an in-process stand-in for the BSP peer (same
send / sync / messages contract, bundles pickled like the real transport), so the
resulting CSR arrays can be checked edge by edge against the parsed input, for every
block and round size.  End-to-end jobs (inline mode) compare against the Vertex API.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from hama_yarn.graph import vecload, vectorized
from hama_yarn.graph.algorithms import components, pagerank, paths
from hama_yarn.graph.fastload import parse_text
from hama_yarn.graph.runner import GraphError
from hama_yarn.graph.vecload import COMPACT_LIMIT, ArrayLoader, LocalGraph, Route, compact_dst, compact_key
from hama_yarn.graph.vectorized import SegmentSums

from .conftest import GraphRunner
from .test_fastload import approx_equal, run_both


class _Cluster:
    def __init__(self, n: int) -> None:
        self.n = n
        self.names = [f"p{i}" for i in range(n)]
        self.inbox: list[list[Any]] = [[] for _ in range(n)]
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(n)


class FakePeer:
    """The BSPPeer calls the loader makes, for one of *n* threads."""

    def __init__(self, cluster: _Cluster, me: int, text: str) -> None:
        self.c = cluster
        self.me = me
        self.text = text
        self.cur: list[Any] = []
        self.reopened = 0
        self._records = self._iter()

    def _iter(self) -> Iterator[tuple[int, str]]:
        pos = 0
        for line in self.text.splitlines(keepends=True):
            yield pos, line.rstrip("\n")
            pos += len(line)

    def read_next(self) -> tuple[int, str] | None:
        return next(self._records, None)

    def reopen_input(self) -> None:
        self.reopened += 1
        self._records = self._iter()

    def get_all_peer_names(self) -> list[str]:
        return list(self.c.names)

    def get_peer_index(self) -> int:
        return self.me

    def send(self, name: str, msg: Any) -> None:
        data = pickle.loads(pickle.dumps(msg, protocol=5))  # a copy, as over the wire
        with self.c.lock:
            self.c.inbox[self.c.names.index(name)].append(data)

    def sync(self) -> None:
        self.c.barrier.wait()
        with self.c.lock:
            self.cur, self.c.inbox[self.me] = self.c.inbox[self.me], []
        self.c.barrier.wait()

    def messages(self) -> Iterator[Any]:
        cur, self.cur = self.cur, []
        return iter(cur)


def load_all(texts: list[str], fmt: str = "adjacency", algorithm: str = "pagerank", undirected: bool = False,
             create_missing: bool = True, self_ref: bool = False) -> tuple[list[LocalGraph | None], list[FakePeer]]:
    """Run one ArrayLoader per text on its own thread; (graphs, peers)."""
    n = len(texts)
    cluster = _Cluster(n)
    peers = [FakePeer(cluster, i, t) for i, t in enumerate(texts)]
    out: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            loader = ArrayLoader(peers[i], fmt, algorithm, undirected, create_missing, self_ref)
            out[i] = (loader.load(), loader.total_vertices)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
            cluster.barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if real or errors:
        raise (real or errors)[0]
    graphs = [o[0] for o in out]
    if graphs[0] is not None:
        total = sum(len(g.ids) for g in graphs if g is not None)
        assert all(o[1] == total for o in out)
    return graphs, peers


def edges_of(graphs: list[Any]) -> Counter[tuple[int, int, float]]:
    """Every edge held by the routes, as (src id, dst id, weight)."""
    edges: Counter[tuple[int, int, float]] = Counter()
    for q, g in enumerate(graphs):
        for p, r in enumerate(g.routes):
            assert r.indices.dtype == np.int32
            dst_ids = graphs[p].ids[graphs[p].recv[q]]
            assert len(dst_ids) == r.size and np.all(np.diff(dst_ids) > 0)  # rows sorted by id, distinct
            counts = np.diff(r.indptr)
            assert r.indptr[0] == 0 and np.all(counts > 0)
            src_ids = g.ids[r.indices]
            rows = np.repeat(dst_ids, counts)
            w = r.weight if r.weight is not None else np.ones(len(src_ids))
            edges.update(zip(src_ids.tolist(), rows.tolist(), w.tolist()))
    return edges


def expected_edges(text: str, fmt: str, undirected: bool = False, wcc: bool = False,
                   weighted: bool = True) -> tuple[Counter[tuple[int, int, float]], set[int]]:
    g = parse_text(text, fmt, undirected)
    w = g.weight if (g.weight is not None and weighted and not wcc) else np.ones(len(g.src))
    edges = Counter(zip(g.src.tolist(), g.dst.tolist(), w.tolist()))
    if wcc:
        edges.update(zip(g.dst.tolist(), g.src.tolist(), w.tolist()))
    verts = set(g.vertices.tolist()) | set(g.dst.tolist())
    return edges, verts


def check(graphs: list[Any], text: str, fmt: str = "adjacency", undirected: bool = False, wcc: bool = False,
          weighted: bool = True) -> None:
    n = len(graphs)
    edges, verts = expected_edges(text, fmt, undirected, wcc, weighted)
    assert edges_of(graphs) == edges
    assert set().union(*[set(g.ids.tolist()) for g in graphs]) == verts
    for p, g in enumerate(graphs):
        assert len(set(g.ids.tolist())) == len(g.ids) and all(abs(v) % n == p for v in g.ids.tolist())
        assert np.all(np.diff(g.outdeg) <= 0)  # numbered by out-degree, busiest first
        deg = np.zeros(len(g.ids))
        for r in g.routes:
            np.add.at(deg, r.indices, 1)
        assert np.array_equal(g.outdeg, deg) and g.num_edges == int(deg.sum())


def split_lines(text: str, parts: int) -> list[str]:
    lines = text.splitlines(keepends=True)
    step = -(-len(lines) // parts)
    return ["".join(lines[i * step:(i + 1) * step]) for i in range(parts)]


def random_adjacency(seed: int, vertices: int = 60, edges: int = 300, lo: int = 0, weights: bool = False,
                     extras: bool = True) -> str:
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(lo, lo + 10 * vertices), vertices, replace=False)
    src = rng.choice(ids, edges)
    dst = np.where(rng.random(edges) < 0.1, rng.integers(lo, lo + 10 * vertices, edges), rng.choice(ids, edges))
    lines = []
    for v in ids.tolist():
        out = dst[src == v].tolist()
        toks = [f"{d}:{rng.integers(1, 9)}" if weights and rng.random() < 0.7 else str(d) for d in out]
        lines.append(f"{v}\t{' '.join(toks)}".rstrip())
        if extras and rng.random() < 0.1:
            lines.append(rng.choice(["", "   ", f"# comment {v}\t1 2", "\t"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- unit pieces
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_compact_key_roundtrip(n: int) -> None:
    d = np.array([0, 1, 2, n, 12345, COMPACT_LIMIT - 2, COMPACT_LIMIT - 1, 7 * n + 3], dtype=np.int64)
    k = compact_key(d, n)
    assert k.dtype == np.uint64 and int(k.max()) < 2**32
    back, owner = compact_dst(k, n)
    assert back.tolist() == d.tolist() and owner.tolist() == (d % n).tolist()
    order = np.argsort(k, kind="stable")
    assert sorted(zip((d % n).tolist(), d.tolist())) == list(zip((d % n)[order].tolist(), d[order].tolist()))


def test_parse_blocks_at_every_line_boundary() -> None:
    text = "1\t2 3:0.5\n\n# 9\t9\n 4\t1\n7\t\n  \n2\t7:2 7 -3\n-3\t1\n5"
    whole = parse_text(text, "adjacency")
    cuts = [i + 1 for i, c in enumerate(text) if c == "\n"]
    for cut in cuts:
        a, b = parse_text(text[:cut - 1], "adjacency"), parse_text(text[cut:], "adjacency")
        assert np.concatenate([a.vertices, b.vertices]).tolist() == whole.vertices.tolist()
        assert np.concatenate([a.src, b.src]).tolist() == whole.src.tolist()
        assert np.concatenate([a.dst, b.dst]).tolist() == whole.dst.tolist()
        w = [x.weight if x.weight is not None else np.ones(len(x.src)) for x in (a, b)]
        assert whole.weight is not None and np.concatenate(w).tolist() == whole.weight.tolist()


@pytest.mark.parametrize("chunk", [1, 3, 1 << 18])
def test_number_by_degree(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vecload, "CHUNK", chunk)
    rng = np.random.default_rng(4)
    for deg in (np.zeros(0), np.zeros(5), rng.integers(0, 4, 50), rng.integers(0, 1000, 777), np.arange(9)[::-1]):
        d = np.asarray(deg, dtype=np.int32)
        label = vecload.number_by_degree(d)
        assert sorted(label.tolist()) == list(range(len(d)))
        by_number = np.empty(len(d), dtype=np.int32)
        by_number[label] = d
        assert np.all(np.diff(by_number) <= 0)
        for v in set(d.tolist()):  # ties keep their order
            assert np.all(np.diff(label[d == v]) > 0)


@pytest.mark.parametrize("block", [1, 5, 40, 1 << 14])
def test_segment_sums_blocks(block: int) -> None:
    rng = np.random.default_rng(1)
    counts = rng.integers(1, 30, 200)
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = rng.integers(0, 50, int(indptr[-1])).astype(np.int32)
    r = Route(indices, indptr, None)
    blocks = r.blocks(block)
    assert [b[0] for b in blocks[1:]] == [b[1] for b in blocks[:-1]] and blocks[-1][1] == r.size
    assert all(b[3] - b[2] <= max(block, int(counts[b[0]])) for b in blocks)
    x = rng.random(50)
    want = np.array([x[indices[indptr[j]:indptr[j + 1]]].sum() for j in range(r.size)])
    summer = SegmentSums([r, Route(indices[:0], np.zeros(1, dtype=np.int64), None)], block)
    for _ in range(2):  # buffers reused
        np.testing.assert_allclose(summer(x, r), want, rtol=1e-13)


# ---------------------------------------------------------------- loader on fake peers
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("block,round_", [(1, 1), (7, 3), (64, 50), (1 << 20, 1 << 19)])
@pytest.mark.parametrize("plain", [False, True])
def test_loader_every_block_size(n: int, block: int, round_: int, plain: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weighted text with blank and comment lines (the general parser) and plain integer text (the
    fast path, degrees from the lines)."""
    monkeypatch.setattr(vecload, "BLOCK_CHARS", block)
    monkeypatch.setattr(vecload, "ROUND_EDGES", round_)
    monkeypatch.setattr(vecload, "CHUNK", 16)  # many chunks in the post-sort passes
    text = random_adjacency(n * 10 + block, weights=not plain, extras=not plain)
    texts = split_lines(text, n)
    for algo, weighted in (("pagerank", False), ("sssp", True)):
        graphs, _ = load_all(texts, algorithm=algo)
        check(graphs, text, weighted=weighted)
        assert all((r.weight is not None) == (weighted and not plain) for g in graphs if g for r in g.routes)


def test_in_place_indices_shrink_the_buffer() -> None:
    text = random_adjacency(3, vertices=300, edges=5000, extras=False)
    graphs, _ = load_all(split_lines(text, 2))
    for g in graphs:
        assert g is not None
        m = sum(r.num_edges for r in g.routes)
        base = g.routes[0].indices.base
        while base is not None and base.base is not None:
            base = base.base
        assert all(np.shares_memory(r.indices, base) for r in g.routes if r.num_edges)
        assert base.nbytes == 8 * ((m + 1) // 2)  # 4 bytes per edge (+4), the packed half given back


@pytest.mark.parametrize("lo", [COMPACT_LIMIT - 100, 2**40, -500])
def test_wide_ids(lo: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(vecload, "BLOCK_CHARS", 50)
    text = random_adjacency(5, lo=lo, weights=True)
    with caplog.at_level(logging.INFO, logger="hama_yarn.graph.vecload"):
        graphs, _ = load_all(split_lines(text, 3), algorithm="sssp")
    check(graphs, text)
    assert "is outside 0..2**31-1" in caplog.text and "line at byte offset" in caplog.text


def test_mixed_compact_and_wide_peers() -> None:
    compact = random_adjacency(7, extras=False)
    wide = "3000000001\t1 2 3000000001 7\n-6\t3000000001\n"
    graphs, _ = load_all([compact, wide, compact.replace("\t", " \t")])
    check(graphs, compact + wide + compact)


@pytest.mark.parametrize("undirected", [False, True])
def test_edgelist_and_wcc(undirected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vecload, "BLOCK_CHARS", 9)
    text = "1 2 0.5\n3\n\n2 3 2\n# x\n1 3 4\n3 4\n8\n9 9\n"
    graphs, _ = load_all(split_lines(text, 2), fmt="edgelist", algorithm="sssp", undirected=undirected)
    check(graphs, text, "edgelist", undirected)
    graphs, _ = load_all(split_lines(text, 3), fmt="edgelist", algorithm="wcc", undirected=undirected)
    check(graphs, text, "edgelist", undirected, wcc=True)


def test_self_ref_counts_loops() -> None:
    text = "1\t2 3\n2\t1\n4\n"
    graphs, _ = load_all(split_lines(text, 2), self_ref=True)
    assert all(g is not None and g.self_loops for g in graphs)
    assert sum(g.num_edges for g in graphs if g) == 3 + 4  # one loop per vertex (3 is created)
    assert sorted(x for g in graphs if g for x in g.outdeg.tolist()) == [1.0, 1.0, 2.0, 3.0]


def test_late_bad_text_falls_back_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vecload, "BLOCK_CHARS", 4)
    monkeypatch.setattr(vecload, "ROUND_EDGES", 1)
    good = "1\t2\n2\t3\n3\t1\n"
    bad = "4\t1\n5\t2\n6\t3\n7\tx\n"
    graphs, peers = load_all([good, bad])
    assert graphs == [None, None] and [p.reopened for p in peers] == [1, 1]


def test_missing_vertex_error() -> None:
    with pytest.raises(GraphError, match="unknown vertex 3000000005"):
        load_all(["1\t2\n2\t3000000005\n", "3\t1\n"], create_missing=False)
    graphs, _ = load_all(["1\t2\n2\t3\n", "3\t1\n"], create_missing=False)
    assert sorted(v for g in graphs if g for v in g.ids.tolist()) == [1, 2, 3]


def test_malloc_modes() -> None:
    vecload.malloc_mode("load")
    a = np.ones(1 << 20)
    vecload.malloc_mode("iterate")
    assert a.sum() == 1 << 20


# ---------------------------------------------------------------- whole jobs
WIDE = ("3000000001\t1 2 -7 3000000001\n1\t2:2 3000000001:0.5\n2\t-7 1:3\n-7\t1\n"
        "# 99\t1\n\n4294967296\t2\n")


@pytest.mark.parametrize("peers", [2, 3])
def test_wide_id_jobs_match_vertex_api(graph: GraphRunner, peers: int) -> None:
    inp = graph.write("wide.txt", WIDE)
    fast, slow, used = run_both(graph, inp, lambda j: pagerank.configure_graphalytics(j, 0.85, 8), peers=peers)
    assert used == 1 and set(fast) == {"3000000001", "1", "2", "-7", "4294967296"}
    approx_equal(fast, slow)
    fast, slow, used = run_both(graph, inp, pagerank.configure_hama, peers=peers)
    assert used == 1
    approx_equal(fast, slow)
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_sssp(j, "4294967296"), peers=peers)
    assert used == 1 and fast == slow and fast["1"] == "3.0" and fast["3000000001"] == "3.5"
    fast, slow, used = run_both(graph, inp, components.configure_wcc, peers=peers)
    assert used == 1 and fast == slow


def test_small_blocks_job_matches_vertex_api(graph: GraphRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vecload, "BLOCK_CHARS", 16)
    monkeypatch.setattr(vecload, "ROUND_EDGES", 4)
    monkeypatch.setattr(vectorized, "BLOCK_EDGES", 2)  # PageRank gathers and frontier scans in many blocks
    monkeypatch.setattr(vectorized, "FRONTIER_EDGES", 3)
    inp = graph.write("r.txt", random_adjacency(11, weights=True))
    fast, slow, used = run_both(graph, inp, lambda j: pagerank.configure_graphalytics(j, 0.85, 6), peers=3)
    assert used == 1
    approx_equal(fast, slow)
    src = inp.read_text().split("\t", 1)[0]
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_sssp(j, src), peers=2)
    assert used == 1 and fast == slow
    fast, slow, used = run_both(graph, inp, lambda j: paths.configure_bfs(j, src), peers=3)
    assert used == 1 and fast == slow
    fast, slow, used = run_both(graph, inp, components.configure_wcc, peers=2)
    assert used == 1 and fast == slow
