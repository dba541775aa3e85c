"""The vectorized fast path: whole-graph numeric algorithms with numpy arrays per peer.

Selected with :meth:`GraphJob.set_vectorized <hama_yarn.graph.GraphJob.set_vectorized>`
(or ``--vectorized`` in ``examples/graph/graph.py``).  The job is configured exactly as
for the Vertex API (same readers, partitioner, ``configure_*`` helpers, same output
``id<TAB>value``); the algorithm is taken from the vertex class, or from
``hama.graph.vectorized.algorithm``:

========================  ======================================  ==========================
algorithm                 vertex class it replaces                semantics
========================  ======================================  ==========================
``pagerank``              ``GraphalyticsPageRankVertex``          fixed iterations, dangling
``pagerank-hama``         ``PageRankVertex``                      self edges, avg-diff halt
``sssp``                  ``SSSPVertex``                          min distance (weight 1 if
                                                                  an edge has none)
``bfs``                   ``BFSVertex``                           min depth
``wcc``                   ``WCCVertex``                           min integer id, undirected
========================  ======================================  ==========================

How it runs (:class:`VectorizedGraphRunner`, a :class:`~hama_yarn.graph.GraphJobRunner`):

1. **load** exactly as the Vertex API (the same supersteps, readers, missing-vertex
   rule and ``hama.graph.self.ref``); WCC then sends every edge's reverse to the
   owner of its destination (one more superstep);
2. **index** - vertex ids become local indices ``0..n-1``; the local out-edges are
   grouped by the peer owning the destination into one CSR :class:`Route
   <hama_yarn.graph.vecload.Route>` per destination peer *p* (rows = the distinct
   destination ids ``U_p``, sorted; entries = local source indices), and ``U_p`` is
   sent to *p* once (one superstep).  From then on a message to peer *p* is a
   single float64 array aligned with ``U_p`` (PageRank: one value per row, already
   summed - the combiner is ``np.add.reduceat`` over the gathered rows, a block of
   rows at a time so the gather buffer stays in cache), or ``(rows, values)``
   arrays for the frontier algorithms (min-combined with ``np.minimum.reduceat``).
   Peer *p* keeps the local index of every id of ``U_q`` for each sender *q* and
   folds the arrays in with fancy indexing (PageRank: in ascending index order);
3. **iterate** - one BSP superstep per graph iteration, no per-vertex Python call;
   global sums (dangling rank, average change, messages sent) ride along as scalars
   in every bundle, so all peers agree on when to stop.  The iterations reuse their
   vector-sized temporaries from the heap (:func:`~hama_yarn.graph.vecload.malloc_mode`),
   so none costs a page fault per 4 KiB again.

Every peer sends every other peer one bundle per superstep (the core pickles numpy
arrays with protocol 5).  The counters (``ITERATIONS``, ``INPUT_VERTICES``,
``MESSAGES_SENT`` = logical vertex messages, one per edge used) are those of the
Vertex API runner, plus ``LOAD_NANOS`` (load and index supersteps),
``ITERATION_NANOS`` (all iterations, barriers included) and ``OUTPUT_NANOS`` (formatting and
writing the peer's output), all measured on peer 0, and
``PEAK_RSS_BYTES``: the sum over the peers of their process's peak resident memory
(``ru_maxrss``) when the BSP function ends (meaningful in local and YARN mode, where
each peer is a process; in inline mode the threads share one process).

**Numpy loader.**  With the ``adjacency``, ``edgelist`` or ``sequencefile`` reader
(the latter's records become adjacency lines), the default hash
partitioner and integer ids, steps 1-2 run on arrays instead
(:class:`~hama_yarn.graph.vecload.ArrayLoader`): each peer parses its split in
blocks of lines with :func:`hama_yarn.graph.fastload.parse_text` and routes the
edges to the owner of their source (owner of id *v* = ``|v| mod P``, Hama's
``HashPartitioner`` on an int key), one bounded round (superstep) at a time; the
owner builds the routes with an in-place sort of packed 32-bit ids and keeps
4 bytes per edge (see :mod:`hama_yarn.graph.vecload` for the memory bounds);
counter ``NUMPY_LOADER`` = 1.  If any peer's text is not plain integer-id text
(string ids, leading zeros, bad records ...), all peers agree after that round and
load vertex objects as above, which also reports bad records.
``hama.graph.vectorized.vertex.loader=true`` forces the object loader.
"""

from __future__ import annotations

import logging
import math
import operator
import resource
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError
from ..bsp import HashPartitioner
from .algorithms import label_key
from .fastload import ID_LIMIT
from .constants import UNREACHABLE_DEPTH
from .runner import COUNTER_GROUP, GraphError, GraphJobRunner
from .store.mmap import ArrayFiles, open_arrays
from . import floatfmt
from .vecload import ArrayLoader, LocalGraph, Route, malloc_mode, memory_log
from .vertex import Edge
from ..peer.runtime import PeerImpl

log = logging.getLogger(__name__)

__all__ = ["VectorizedGraphRunner", "ALGORITHM_KEY", "VECTORIZED_ALGORITHMS", "algorithm_for", "output_values",
           "text_block", "OUTPUT_ROWS"]

#: Configuration key naming the vectorized algorithm (default: from the vertex class).
ALGORITHM_KEY = "hama.graph.vectorized.algorithm"

#: Configuration key: ``true`` disables the numpy text loader (always load vertex objects).
NO_FAST_LOAD = "hama.graph.vectorized.vertex.loader"

#: Edges gathered per block of the PageRank kernel (the gather buffers stay in cache).
BLOCK_EDGES = 1 << 16

#: Edges scanned per block by the frontier algorithms (bounds their temporaries).
FRONTIER_EDGES = 1 << 20

#: Vertices formatted and written per call of the output writer.
OUTPUT_ROWS = 1 << 16

#: Vertex class name -> vectorized algorithm.
VECTORIZED_ALGORITHMS = {
    "GraphalyticsPageRankVertex": "pagerank",
    "PageRankVertex": "pagerank-hama",
    "SSSPVertex": "sssp",
    "BFSVertex": "bfs",
    "WCCVertex": "wcc",
}

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def algorithm_for(vertex_class: str | None, explicit: str | None = None) -> str:
    """The vectorized algorithm for *explicit* or the vertex class name *vertex_class*.

    Raises
    ------
    ConfigError
        Neither names an algorithm with a vectorized version.
    """
    if explicit:
        if explicit not in VECTORIZED_ALGORITHMS.values():
            raise ConfigError(ALGORITHM_KEY, f"unknown vectorized algorithm {explicit!r}; "
                                             f"known: {sorted(set(VECTORIZED_ALGORITHMS.values()))}")
        return explicit
    name = (vertex_class or "").rpartition(":")[2].rpartition(".")[2]
    algo = VECTORIZED_ALGORITHMS.get(name)
    if algo is None:
        raise ConfigError(ALGORITHM_KEY, f"no vectorized version of vertex class {vertex_class!r}; "
                                         f"vectorized: {sorted(VECTORIZED_ALGORITHMS)}")
    return algo


def _int_index(ids: I64, source: str) -> int | None:
    """The index of the canonical integer id *source* in *ids* (None: not there)."""
    try:
        k = int(source)
    except ValueError:
        return None
    if str(k) != source or not -ID_LIMIT < k < ID_LIMIT:
        return None
    hits = np.flatnonzero(ids == k)
    return int(hits[0]) if len(hits) else None


class SegmentSums:
    """Row sums of CSR routes over a value vector, with buffers reused across calls.

    ``summer(values, route)[j] = sum(values[route.indices[route.indptr[j]:route.indptr[j+1]]])``
    for every row *j*.  A block of whole rows (about *block* edges) at a time: its
    indices are widened into an intp buffer, the values gathered with ``np.take``
    into a float buffer (both stay in cache) and reduced with ``np.add.reduceat``;
    every row has an edge.  No allocation per block.

    Parameters
    ----------
    routes : list of Route
        The routes it will be called with (sizes the buffers).
    block : int, optional
        Edges per block (default ``BLOCK_EDGES``).
    """

    def __init__(self, routes: list[Route], block: int | None = None) -> None:
        self.block = block or BLOCK_EDGES
        blocks = [b for r in routes for b in r.blocks(self.block)]
        edges = max([b[3] - b[2] for b in blocks], default=0)
        rows = max([b[1] - b[0] for b in blocks], default=0)
        self._vals = np.empty(edges)
        self._idx = np.empty(edges, dtype=np.intp)
        self._starts = np.empty(rows, dtype=np.intp)

    def __call__(self, values: F64, route: Route) -> F64:
        out = np.empty(route.size)
        idx, ptr = route.indices, route.indptr
        for r0, r1, e0, e1 in route.blocks(self.block):
            k = e1 - e0
            ii = self._idx[:k]
            ii[...] = idx[e0:e1]
            g = np.take(values, ii, out=self._vals[:k], mode="clip")
            st = self._starts[:r1 - r0]
            np.subtract(ptr[r0:r1], e0, out=st)
            np.add.reduceat(g, st, out=out[r0:r1])
        return out


def _min_candidates(r: Route, frontier: Any, value: F64, weighted: bool, step: float,
                    ibuf: Any) -> tuple[Any, int]:
    """The min-combined candidates of route *r*'s edges leaving the *frontier*.

    Returns ``((rows, values) or None, active edges)``: per row with an active edge
    the smallest ``value[src] + weight`` (``+ step`` without weights), finite ones only.
    Whole rows in blocks of about ``FRONTIER_EDGES`` edges, so no row spans two blocks.
    """
    pos_parts: list[Any] = []
    val_parts: list[Any] = []
    active = 0
    ptr = r.indptr
    for r0, r1, e0, e1 in r.blocks(FRONTIER_EDGES):
        ii = ibuf[:e1 - e0]
        ii[...] = r.indices[e0:e1]
        sel = np.flatnonzero(np.take(frontier, ii))
        if not len(sel):
            continue
        active += len(sel)
        cand = np.take(value, ii[sel])
        if weighted and r.weight is not None:
            cand += r.weight[e0:e1][sel]
        elif step:
            cand += step
        rows = np.searchsorted(ptr[r0:r1 + 1], sel + e0, side="right") - 1 + r0
        first = np.empty(len(rows), dtype=bool)
        first[0] = True
        np.not_equal(rows[1:], rows[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        vals = np.minimum.reduceat(cand, starts)
        keep = vals < np.inf
        pos_parts.append(rows[starts][keep])
        val_parts.append(vals[keep])
    if not active:
        return None, 0
    return (np.concatenate(pos_parts), np.concatenate(val_parts)), active


class VectorizedGraphRunner(GraphJobRunner):
    """Runs a whole-graph numeric algorithm on numpy arrays (see the module docstring)."""

    uses_vertex_store = False  # arrays; hama.graph.vectorized.mmap puts them on disk instead
    _arrays: ArrayFiles | None = None

    #: Loop variables at the top of the iteration being exchanged (what a checkpoint saves).
    _ft_state: dict[str, Any] | None = None
    #: Restored: the next ``_swap`` takes the checkpointed messages instead of syncing.
    _ft_replay = False

    def bsp(self, peer: Any) -> None:
        conf = self.conf
        self.algorithm = algorithm_for(conf.get("hama.graph.vertex.class"), conf.get(ALGORITHM_KEY))
        t0 = time.perf_counter_ns()
        if self._ft_resume is not None:  # restored from a checkpoint (hama_yarn.ft): the graph is a static part
            from .checkpoint import load_graph

            st = load_graph(peer)
            graph = LocalGraph(st["ids"], [Route(r["indices"], r["indptr"], r["weight"]) for r in st["routes"]],
                               list(st["recv"]), st["outdeg"], int(st["num_edges"]), bool(st["self_loops"]))
            self.total_vertices = int(st["total_vertices"])
        else:
            loaded = self._array_load(peer)
            if loaded is None:
                self._load(peer)
                if self.algorithm == "wcc":
                    self._symmetrize(peer)
                loaded = self._index(peer)
            graph = loaded
            if getattr(peer, "checkpointer", None) is not None:
                from .checkpoint import save_graph

                save_graph(peer, graph, self.total_vertices)
        self.vertices = {}  # the arrays replace the vertex objects
        self._arrays = open_arrays(conf, peer, self.me)  # hama.graph.vectorized.mmap: the arrays live in files
        try:
            if self._arrays is not None:
                graph = self._arrays.graph(graph)
            self._iterate(peer, graph, t0)
            if self._arrays is not None:
                peer.increment_counter(COUNTER_GROUP, "MMAP_BYTES", self._arrays.bytes)
        finally:
            if self._arrays is not None:
                self._arrays.close()
                self._arrays = None

    def _vector(self, n: int, fill: float | None = None) -> Any:
        """A float64 work vector of *n* entries (file-backed with ``hama.graph.vectorized.mmap``)."""
        if self._arrays is None:
            return np.empty(n) if fill is None else np.full(n, fill)
        return self._arrays.empty(n) if fill is None else self._arrays.full(n, fill)

    def _iterate(self, peer: Any, graph: LocalGraph, t0: int) -> None:
        malloc_mode("iterate")
        t1 = time.perf_counter_ns()
        if self.algorithm.startswith("pagerank"):
            values: Any = self._pagerank(peer, graph)
        else:
            values = self._min_propagation(peer, graph)
        t2 = time.perf_counter_ns()
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "LOAD_NANOS", t1 - t0)
            peer.increment_counter(COUNTER_GROUP, "ITERATION_NANOS", t2 - t1)
        graph.routes = []
        graph.recv = []
        memory_log(self.me, "iterated")
        self._write(peer, graph.ids, values)
        t3 = time.perf_counter_ns()
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "OUTPUT_NANOS", t3 - t2)
        memory_log(self.me, "written")
        log.debug("peer %d: load %.3f s, iterations %.3f s, output %.3f s", self.me, (t1 - t0) / 1e9,
                  (t2 - t1) / 1e9, (t3 - t2) / 1e9)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # this process: local mode
        peer.increment_counter(COUNTER_GROUP, "PEAK_RSS_BYTES", peak)

    # ------------------------------------------------------------ numpy loader
    def _fast_format(self) -> str | None:
        """``adjacency``/``edgelist``/``sequencefile`` when the numpy loader may be tried, else None."""
        from .readers import AdjacencyReader, EdgeListReader, SequenceFileReader

        if type(self.partitioner) is not HashPartitioner or self.conf.get_bool(NO_FAST_LOAD, False):
            return None
        if self.reader_class is AdjacencyReader:
            return "adjacency"
        if self.reader_class is EdgeListReader:
            return "edgelist"
        if self.reader_class is SequenceFileReader:
            return "sequencefile"
        return None

    def _array_load(self, peer: Any) -> LocalGraph | None:
        """Load with :class:`~hama_yarn.graph.vecload.ArrayLoader`; None (all peers agree): use vertex objects."""
        fmt = self._fast_format()
        if fmt is None:
            return None
        loader = ArrayLoader(peer, fmt, self.algorithm, self.conf.get_bool("hama.graph.undirected", False),
                             self.create_missing, self.self_ref)
        graph = loader.load()
        if graph is None:
            return None
        self.total_vertices = loader.total_vertices
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "INPUT_VERTICES", self.total_vertices)
            peer.increment_counter(COUNTER_GROUP, "NUMPY_LOADER", 1)
        return graph

    # ------------------------------------------------------------ set-up supersteps
    def _symmetrize(self, peer: Any) -> None:
        """Add the reverse of every edge (WCC works on the undirected graph)."""
        out: list[list[tuple[Any, Any]]] = [[] for _ in range(self.n)]
        for vid, v in self.vertices.items():
            for e in v._edges:
                out[self.owner(e.dest)].append((e.dest, vid))
        for i in range(self.n):
            if out[i]:
                peer.send(self.names[i], out[i])
        peer.sync()
        vertices = self.vertices
        for batch in peer.messages():
            for d, u in batch:
                vertices[d]._edges.append(Edge(u))

    def _index(self, peer: Any) -> LocalGraph:
        """Local indices, per-destination-peer CSR routes, and the ``U_p`` exchange (vertex objects)."""
        ids = list(self.vertices)
        n = len(ids)
        index = {vid: i for i, vid in enumerate(ids)}
        src: list[int] = []
        code: list[int] = []
        weights: list[float] = []
        dcode: dict[Any, int] = {}
        for i, vid in enumerate(ids):
            for e in self.vertices[vid]._edges:
                src.append(i)
                c = dcode.get(e.dest)
                if c is None:
                    c = dcode[e.dest] = len(dcode)
                code.append(c)
                w = e.value
                weights.append(1.0 if w is None else float(w))
        unique = list(dcode)
        owner = np.fromiter((self.owner(d) for d in unique), dtype=np.int64, count=len(unique))
        src_a = np.asarray(src, dtype=np.int64)
        code_a = np.asarray(code, dtype=np.int64)
        w_a = np.asarray(weights, dtype=np.float64)
        del src, code, weights
        outdeg = np.bincount(src_a, minlength=n).astype(np.float64)
        edge_owner = owner[code_a] if len(code_a) else np.zeros(0, dtype=np.int64)
        routes = []
        own_u: list[Any] = []
        for p in range(self.n):
            sel = np.flatnonzero(edge_owner == p)
            u_p, inv = np.unique(code_a[sel], return_inverse=True)
            order = np.argsort(inv, kind="stable")
            indptr = np.zeros(len(u_p) + 1, dtype=np.int64)
            np.cumsum(np.bincount(inv, minlength=len(u_p)), out=indptr[1:])
            routes.append(Route(src_a[sel][order], indptr, w_a[sel][order]))
            if p == self.me:
                own_u = [unique[c] for c in u_p]
            else:
                peer.send(self.names[p], (self.me, [unique[c] for c in u_p]))
        peer.sync()
        recv = [np.zeros(0, dtype=np.int64)] * self.n
        recv[self.me] = np.fromiter((index[d] for d in own_u), dtype=np.int64, count=len(own_u))
        for q, u_q in peer.messages():
            try:
                recv[q] = np.fromiter((index[d] for d in u_q), dtype=np.int64, count=len(u_q))
            except KeyError as exc:
                raise GraphError(f"peer {self.me}: peer {q} routed unknown vertex {exc.args[0]!r} here") from None
        log.debug("peer %d: %d vertices, %d out-edges", self.me, n, len(src_a))
        return LocalGraph(ids, routes, recv, outdeg, len(src_a))

    def _swap(self, peer: Any, payloads: list[Any], scalars: tuple[float, ...]) -> tuple[list[Any], F64]:
        """Send ``payloads[p]`` to every peer *p* with *scalars*; return the received payloads
        (indexed by sender) and the sum of everyone's scalars."""
        if self._ft_replay:
            self._ft_replay = False  # restored: this exchange's barrier is behind us, its messages restored
        else:
            for p in range(self.n):
                if p != self.me:
                    peer.send(self.names[p], (self.me, payloads[p], scalars))
            peer.sync()
        got: list[Any] = [None] * self.n
        got[self.me] = payloads[self.me]
        scs: list[Any] = [None] * self.n
        scs[self.me] = scalars
        for q, payload, sc in peer.messages():
            got[q] = payload
            scs[q] = sc
        total = np.zeros(len(scalars), dtype=np.float64)
        for sc in scs:  # in peer order: the sums do not depend on arrival order
            if sc is not None:
                total = total + np.asarray(sc, dtype=np.float64)
        return got, total

    # ------------------------------------------------------------ PageRank
    def _pagerank(self, peer: Any, g: LocalGraph) -> F64:
        conf = self.conf
        hama = self.algorithm == "pagerank-hama"
        d = conf.get_float("hama.pagerank.alpha", 0.85)
        error = conf.get_float("hama.graph.max.convergence.error", 0.001)
        n_total = float(self.total_vertices)
        n = len(g.ids)
        has_out = g.outdeg > 0
        inv_deg = self._vector(n, 0.0)
        np.divide(1.0, g.outdeg, out=inv_deg, where=has_out)
        live = int(np.count_nonzero(has_out))
        # the array loader numbers vertices by out-degree: the dangling ones are a tail slice
        dangling_idx: Any = slice(live, n) if not has_out[live:].any() else np.flatnonzero(~has_out)
        del has_out
        g.outdeg = np.zeros(0)
        routes = g.routes
        # fold the received row sums in ascending local index order (sequential writes):
        # perm[q] orders sender q's rows by their local index, recv[q] is that index, sorted
        perm = [np.argsort(r) for r in g.recv]
        recv = [r[o] for r, o in zip(g.recv, perm)]
        g.recv = []
        vbuf = self._vector(max([len(r) for r in recv], default=0))
        summer = SegmentSums(routes)
        base = (1.0 - d) / n_total
        x: F64 = self._vector(n, 1.0 / n_total)
        contrib = self._vector(n)
        acc = self._vector(n)
        diff = 0.0  # sum |x_it - x_(it-1)| over the local vertices (Hama's AverageAggregator)
        max_it = self.max_iteration
        err_prev = math.nan  # global average change computed in iteration it-1
        it = 0
        sent = 0
        resume = self._take_resume("pagerank")
        if resume is not None:
            it, x, diff, err_prev, sent = (int(resume["it"]), resume["x"], float(resume["diff"]),
                                           float(resume["err_prev"]), int(resume["sent"]))
        while True:
            # x holds iteration `it`'s values; the vertices now send x / outdeg along their edges
            if hama and it > 2 and err_prev < error:
                break  # every vertex votes to halt and sends nothing: the job ends
            if max_it > 0 and it + 1 > max_it:
                break
            # what a checkpoint taken inside this iteration's sync() saves (hama_yarn.graph.checkpoint)
            self._ft_state = {"kind": "pagerank", "it": it, "x": x, "diff": diff, "err_prev": err_prev,
                              "sent": sent}
            np.multiply(x, inv_deg, out=contrib)
            payloads = [summer(contrib, r) for r in routes]
            if it == 0:
                memory_log(self.me, "first gather")
            sent += g.num_edges
            dangling = 0.0 if hama else float(x[dangling_idx].sum())
            got, total = self._swap(peer, payloads, (dangling, diff, float(n) if it > 0 else 0.0))
            del payloads
            # the average change of iteration `it`, which iteration it+1 reads (Hama's aggregator)
            err_prev = total[1] / total[2] if total[2] else math.nan
            if g.self_loops:
                acc[:] = contrib
            else:
                acc.fill(0.0)
            for q, vals in enumerate(got):
                if vals is not None and len(vals):
                    acc[recv[q]] += np.take(vals, perm[q], out=vbuf[:len(vals)])
            del got
            self._count_iteration(peer)
            it += 1
            # acc becomes the new x: base + d * (acc [+ dangling share])
            if not hama:
                acc += float(total[0]) / n_total
            acc *= d
            acc += base
            if hama:
                np.subtract(acc, x, out=contrib)
                np.abs(contrib, out=contrib)
                diff = float(contrib.sum())
            x, acc = acc, x
        self._ft_state = None
        peer.increment_counter(COUNTER_GROUP, "MESSAGES_SENT", sent)
        return x

    # ------------------------------------------------------------ fault tolerance
    def checkpoint_state(self, peer: Any) -> Any:
        """The loop variables at the top of the iteration being exchanged, as numpy buffers
        (the graph itself is a static part written once: :mod:`hama_yarn.graph.checkpoint`)."""
        state = self._ft_state
        if state is None:
            from .checkpoint import SKIP_CHECKPOINT

            return SKIP_CHECKPOINT  # loading or indexing: not resumable
        return {"algorithm": self.algorithm, **state}

    def restore_state(self, peer: Any, state: Any) -> None:
        """Resume the iteration a checkpoint was taken in (in :meth:`bsp`)."""
        from ..errors import CheckpointError

        algo = algorithm_for(self.conf.get("hama.graph.vertex.class"), self.conf.get(ALGORITHM_KEY))
        if not isinstance(state, dict) or state.get("algorithm") != algo:
            raise CheckpointError(f"peer {self.me}: the checkpoint holds no state of vectorized {algo} "
                                  f"(found {state.get('algorithm') if isinstance(state, dict) else state!r})")
        self._ft_resume = state

    def _take_resume(self, kind: str) -> Any:
        """The restored loop state of *kind* (once), and the next ``_swap`` takes the saved messages."""
        state = self._ft_resume
        if state is None:
            return None
        self._ft_resume = None
        if state.get("kind") != kind:
            from ..errors import CheckpointError

            raise CheckpointError(f"peer {self.me}: the checkpoint holds {state.get('kind')!r} state, not {kind!r}")
        self._ft_replay = True
        return state

    # ------------------------------------------------------------ SSSP, BFS, WCC
    def _min_propagation(self, peer: Any, g: LocalGraph) -> Any:
        algo = self.algorithm
        ids = g.ids
        n = len(ids)
        value: F64 = np.full(n, np.inf)
        if algo == "wcc" and isinstance(ids, np.ndarray):
            value = ids.astype(np.float64)
            if n and np.abs(value).max() >= 2.0 ** 53:
                raise GraphError("vectorized WCC: vertex ids beyond 2**53")
            frontier = np.ones(n, dtype=bool)
        elif algo == "wcc":
            keys = []
            for vid in ids:
                k = label_key(vid)
                if k[0] != 0:
                    raise GraphError(f"vectorized WCC needs integer vertex ids; got {vid!r} on peer {self.me}")
                keys.append(k[1])
            value = np.asarray(keys, dtype=np.float64)
            if n and np.abs(value).max() >= 2.0 ** 53:
                raise GraphError("vectorized WCC: vertex ids beyond 2**53")
            frontier = np.ones(n, dtype=bool)
        else:
            key = "shortest.paths.start.vertex.name" if algo == "sssp" else "bfs.source.vertex"
            source = self.conf.get(key) or ""
            frontier = np.zeros(n, dtype=bool)
            if isinstance(ids, np.ndarray):
                i = _int_index(ids, source)
                if i is not None:
                    value[i] = 0.0
                    frontier[i] = True
            for i, vid in enumerate(ids if not isinstance(ids, np.ndarray) else ()):
                if vid == source:
                    value[i] = 0.0
                    frontier[i] = True
        step = 0.0 if algo == "wcc" else 1.0  # added along an edge without weight
        ibuf = np.empty(max([b[3] - b[2] for r in g.routes for b in r.blocks(FRONTIER_EDGES)], default=0),
                        dtype=np.intp)
        sent_total = 0
        max_it = self.max_iteration
        it = 0
        resume = self._take_resume("min")
        if resume is not None:
            it, value, frontier, sent_total = (int(resume["it"]), resume["value"], resume["frontier"],
                                               int(resume["sent_total"]))
        while True:
            # what a checkpoint taken inside this iteration's sync() saves (hama_yarn.graph.checkpoint)
            self._ft_state = {"kind": "min", "it": it, "value": value, "frontier": frontier, "sent_total": sent_total}
            payloads: list[Any] = []
            sent = int(np.count_nonzero(frontier)) if g.self_loops else 0  # self loops never improve
            for r in g.routes:
                payload, active = _min_candidates(r, frontier, value, algo == "sssp", step, ibuf)
                payloads.append(payload)
                sent += active
            sent_total += sent
            got, total = self._swap(peer, payloads, (float(sent),))
            self._count_iteration(peer)
            it += 1
            if total[0] == 0 or (max_it > 0 and it > max_it):
                break
            best = np.full(n, np.inf)
            for q, pl in enumerate(got):
                if pl is not None:
                    pos, vals = pl
                    idx = g.recv[q][pos]
                    best[idx] = np.minimum(best[idx], vals)
            frontier = best < value
            value = np.where(frontier, best, value)
        self._ft_state = None
        peer.increment_counter(COUNTER_GROUP, "MESSAGES_SENT", sent_total)
        return value

    # ------------------------------------------------------------ output
    def _count_iteration(self, peer: Any) -> None:
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "ITERATIONS", 1)

    def _write(self, peer: Any, ids: Any, values: Any) -> None:
        """Write ``(id, value)`` per local vertex: a block of ``OUTPUT_ROWS`` lines per call (text output).

        With the ``text`` output format each block is formatted at once
        (:func:`text_block`) and written as one record without a key, whose line
        break ends the block's last line: the same bytes as one record per vertex.
        Blocks of float values in ``(0, 1e-4)`` (PageRank) are formatted column-wise
        by :func:`hama_yarn.graph.floatfmt.lines` when pyarrow is installed (same bytes).
        Other formats get one :meth:`write` per vertex.  The output records counter
        counts vertices either way.
        """
        bulk = isinstance(peer, PeerImpl) and _text_output(self.conf)
        floats = bulk and self.algorithm not in ("bfs", "wcc") and isinstance(ids, np.ndarray) \
            and ids.dtype == np.int64 and isinstance(values, np.ndarray)
        step = OUTPUT_ROWS
        for a in range(0, len(ids), step):
            if floats:  # small positive floats: every line of the block at once (pyarrow, if installed)
                data = floatfmt.lines(ids[a:a + step], values[a:a + step])
                if data is not None:
                    peer.write(None, data[:-1].decode("ascii"), records=len(ids[a:a + step]))
                    continue
            keys = _keys(ids[a:a + step])
            if bulk and keys is not None:
                _write_block(peer, keys, values[a:a + step], self.algorithm)
            else:  # integer ids are written as strings, other ids as they are
                if keys is None:
                    keys = ids[a:a + step]
                elif isinstance(ids, np.ndarray):
                    keys = list(map(str, keys))
                for vid, v in zip(keys, output_values(values[a:a + step], self.algorithm)):
                    peer.write(vid, v)


def _text_output(conf: Any) -> bool:
    """True if the task output is ``text`` (or there is none)."""
    from ..io.formats import output_format
    from ..io.text import NullOutputFormat, TextOutputFormat

    if not conf.get("bsp.output.dir"):
        return True
    return type(output_format(conf)) in (TextOutputFormat, NullOutputFormat)


def _keys(chunk: Any) -> list[Any] | None:
    """The ids of *chunk* as Python ints or strs (None: some id is another type, write it as is)."""
    if isinstance(chunk, np.ndarray):
        keys: list[Any] = chunk.tolist()
        return keys
    return chunk if all(type(k) is str or type(k) is int for k in chunk) else None


def output_values(values: Any, algorithm: str) -> list[Any]:
    """The output values of one block of vertices, as the Vertex API writes them.

    Parameters
    ----------
    values : ndarray of float64
        The final vertex values.
    algorithm : str
        The vectorized algorithm: ``bfs`` writes integer depths (unreachable:
        ``UNREACHABLE_DEPTH``), ``wcc`` the component's integer id as a string,
        the others the float (``inf``: unreachable).

    Returns
    -------
    list
        One Python value per vertex.
    """
    if algorithm == "bfs":
        depth = np.full(len(values), UNREACHABLE_DEPTH, dtype=np.int64)
        finite = values != math.inf
        depth[finite] = values[finite]
        return depth.tolist()
    if algorithm == "wcc":
        return list(map(str, values.astype(np.int64).tolist()))
    return values.tolist()  # type: ignore[no-any-return]


def text_block(keys: list[Any], values: Any, algorithm: str) -> str:
    """``id<TAB>value`` lines of one block, joined by line breaks (no trailing one).

    Parameters
    ----------
    keys : list of int or str
        The vertex ids.
    values : ndarray of float64
        Their values (see :func:`output_values`).
    algorithm : str
        The vectorized algorithm.

    Returns
    -------
    str
        What one ``write(id, value)`` per vertex puts into a text file, less the last line break.
    """
    if algorithm in ("bfs", "wcc") or len(keys) < 2 or not isinstance(values, np.ndarray):
        return "\n".join([f"{k}\t{v}" for k, v in zip(keys, output_values(values, algorithm))])
    return "\n".join(map("\t".join, zip(map(str, keys), float_strings(values))))


def float_strings(values: F64) -> list[str] | tuple[str, ...]:
    """``str(float(v))`` for every value of *values* (Python's shortest round-trip repr).

    Each distinct value is formatted once (PageRank gives many vertices the same
    rank), by one ``repr`` of the list of distinct floats.  A block holding a zero
    (``0.0`` and ``-0.0`` are one value to ``np.unique``) is formatted value by value.
    """
    if len(values) < 2 or bool((values == 0).any()):
        return list(map(str, values.tolist()))
    uniq, inv = np.unique(values, return_inverse=True)
    text = repr(uniq.tolist())[1:-1].split(", ")  # a float's repr has no ", "
    if len(text) == 1:
        return text * len(values)
    return operator.itemgetter(*inv.tolist())(text)  # type: ignore[no-any-return]


def _write_block(peer: Any, keys: list[Any], values: Any, algorithm: str) -> None:
    """Write one block of lines with a single call; count its vertices as output records."""
    if not keys:
        return
    peer.write(None, text_block(keys, values, algorithm), records=len(keys))
