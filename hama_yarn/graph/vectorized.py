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
   grouped by the peer owning the destination, and for every destination peer *p*
   the distinct destination ids ``U_p`` are sent to *p* once (one superstep).  From
   then on a message to peer *p* is a single float64 array aligned with ``U_p``
   (PageRank: one value per distinct destination, already summed - the combiner is
   ``np.bincount``), or ``(positions, values)`` arrays for the frontier algorithms
   (min-combined with ``np.minimum.at``).  Peer *p* keeps the local index of every
   id of ``U_q`` for each sender *q* and folds the arrays in with fancy indexing;
3. **iterate** - one BSP superstep per graph iteration, no per-vertex Python call;
   global sums (dangling rank, average change, messages sent) ride along as scalars
   in every bundle, so all peers agree on when to stop.

Every peer sends every other peer one bundle per superstep (the core pickles numpy
arrays with protocol 5, i.e. one memory copy).  The counters (``ITERATIONS``,
``INPUT_VERTICES``, ``MESSAGES_SENT`` = logical vertex messages, one per edge used)
are those of the Vertex API runner, plus ``LOAD_NANOS`` (load and index supersteps)
and ``ITERATION_NANOS`` (all iterations, barriers included), both measured on peer 0.

**Numpy loader.**  With the ``adjacency`` or ``edgelist`` reader, the default hash
partitioner and integer ids, steps 1-2 run on arrays instead (``_fast_load``): each
peer parses its split in blocks with :func:`hama_yarn.graph.fastload.parse_text`,
routes edges to the owner of their source as one array bundle per peer (owner of
id *v* = ``|v| mod P``, Hama's ``HashPartitioner`` on an int key), and builds the
per-destination-peer CSR routes; counter ``NUMPY_LOADER`` = 1.  If any peer's text
is not plain integer-id text (string ids, leading zeros, bad records ...), all peers
agree after the first superstep and load vertex objects as above, which also reports
bad records.  ``hama.graph.vectorized.vertex.loader=true`` forces the object loader.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError
from ..bsp import HashPartitioner
from .algorithms import label_key
from .fastload import ID_LIMIT, ParsedGraph, Unsupported, parse_text
from .algorithms.paths import UNREACHABLE_DEPTH
from .runner import COUNTER_GROUP, GraphError, GraphJobRunner
from .vertex import Edge

log = logging.getLogger(__name__)

__all__ = ["VectorizedGraphRunner", "ALGORITHM_KEY", "VECTORIZED_ALGORITHMS", "algorithm_for"]

#: Configuration key naming the vectorized algorithm (default: from the vertex class).
ALGORITHM_KEY = "hama.graph.vectorized.algorithm"

#: Configuration key: ``true`` disables the numpy text loader (always load vertex objects).
NO_FAST_LOAD = "hama.graph.vectorized.vertex.loader"

#: Characters of input text parsed per numpy block.
BLOCK_CHARS = 1 << 23

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


class _Route:
    """The local out-edges whose destinations peer ``p`` owns."""

    __slots__ = ("src", "pos", "weight", "size")

    def __init__(self, src: Any, pos: Any, weight: F64 | None, size: int) -> None:
        self.src = src        # local source index per edge
        self.pos = pos        # index into U_p per edge
        self.weight = weight  # edge weight per edge (None: all 1.0)
        self.size = size      # len(U_p)


def _int_index(ids: I64, source: str) -> int | None:
    """The index of the canonical integer id *source* in the sorted *ids* (None: not there)."""
    try:
        k = int(source)
    except ValueError:
        return None
    if str(k) != source or not -ID_LIMIT < k < ID_LIMIT:
        return None
    i = int(np.searchsorted(ids, k))
    return i if i < len(ids) and int(ids[i]) == k else None


def _stable_order(keys: I64) -> I64:
    """``np.argsort(keys, kind="stable")``, by sorting ``key << 32 | position`` when that fits (6x faster)."""
    m = len(keys)
    if m and m < 2**32 and int(keys.min()) >= 0 and int(keys.max()) < 2**31:
        packed = np.sort((keys << 32) | np.arange(m, dtype=np.int64))
        return packed & np.int64(0xFFFFFFFF)
    return np.argsort(keys, kind="stable")


def _index_of(ids: I64, x: I64) -> I64:
    """Positions of the values *x* (all present) in the sorted unique *ids*: a dense table when compact."""
    if len(ids) and len(x) > len(ids):
        lo, hi = int(ids[0]), int(ids[-1])
        if hi - lo < 4 * len(ids) + (1 << 20):
            table = np.zeros(hi - lo + 1, dtype=np.int64)
            table[ids - lo] = np.arange(len(ids), dtype=np.int64)
            return table[x - lo]
    return np.searchsorted(ids, x).astype(np.int64, copy=False)


def _concat(parts: list[Any], dtype: Any) -> Any:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


class VectorizedGraphRunner(GraphJobRunner):
    """Runs a whole-graph numeric algorithm on numpy arrays (see the module docstring)."""

    def bsp(self, peer: Any) -> None:
        conf = self.conf
        self.algorithm = algorithm_for(conf.get("hama.graph.vertex.class"), conf.get(ALGORITHM_KEY))
        t0 = time.perf_counter_ns()
        if not self._fast_load(peer):
            self._load(peer)
            if self.algorithm == "wcc":
                self._symmetrize(peer)
            self._index(peer)
        self.vertices = {}  # the arrays replace the vertex objects
        t1 = time.perf_counter_ns()
        if self.algorithm.startswith("pagerank"):
            values: Any = self._pagerank(peer)
        else:
            values = self._min_propagation(peer)
        t2 = time.perf_counter_ns()
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "LOAD_NANOS", t1 - t0)
            peer.increment_counter(COUNTER_GROUP, "ITERATION_NANOS", t2 - t1)
        self._write(peer, values)

    # ------------------------------------------------------------ numpy loader
    def _fast_format(self) -> str | None:
        """``adjacency``/``edgelist`` when the numpy loader may be tried, else None."""
        from .readers import AdjacencyReader, EdgeListReader

        if type(self.partitioner) is not HashPartitioner or self.conf.get_bool(NO_FAST_LOAD, False):
            return None
        if self.reader_class is AdjacencyReader:
            return "adjacency"
        if self.reader_class is EdgeListReader:
            return "edgelist"
        return None

    def _parse_split(self, peer: Any, fmt: str) -> list[ParsedGraph] | None:
        """Parse this peer's split in blocks of lines (None: the text needs the Vertex loader)."""
        undirected = self.conf.get_bool("hama.graph.undirected", False)
        out: list[ParsedGraph] = []
        lines: list[str] = []
        size = 0
        read = peer.read_next
        try:
            while True:
                record = read()
                if record is not None:
                    value = record[1]
                    if type(value) is not str:
                        return None
                    lines.append(value)
                    size += len(value)
                if lines and (record is None or size > BLOCK_CHARS):
                    out.append(parse_text("\n".join(lines), fmt, undirected))
                    lines = []
                    size = 0
                if record is None:
                    return out
        except Unsupported as exc:
            log.info("peer %d: numpy loader not applicable (%s); loading vertex objects", self.me, exc)
            return None

    def _fast_load(self, peer: Any) -> bool:
        """Load and index with numpy arrays; False (all peers agree) means: use the Vertex loader.

        Superstep 1 routes each parsed edge to the owner of its source (and, for WCC,
        its reverse to the owner of its destination) and each defined vertex to its
        owner - one bundle of arrays per destination peer; superstep 2 sends each
        peer the distinct destinations it owns (``U_p``), which also creates the
        vertices only referenced by edges; superstep 3 counts vertices.  The owner of
        integer id *v* is ``|v| mod P`` (Hama's ``HashPartitioner`` on an int key).
        """
        fmt = self._fast_format()
        if fmt is None:
            return False
        n = self.n
        blocks = self._parse_split(peer, fmt)
        ok = blocks is not None
        if ok and blocks is not None:
            verts = _concat([g.vertices for g in blocks], np.int64)
            src = _concat([g.src for g in blocks], np.int64)
            dst = _concat([g.dst for g in blocks], np.int64)
            weighted = any(g.weight is not None for g in blocks)
            w = _concat([g.weight if g.weight is not None else np.ones(len(g.src)) for g in blocks], np.float64) \
                if weighted else None
            del blocks
            if self.algorithm == "wcc":
                src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
                w = None
            if self.algorithm.startswith("pagerank"):
                w = None
            vown = np.abs(verts) % n
            eown = np.abs(src) % n
            bundles: list[Any] = []
            for p in range(n):
                vs = verts[vown == p]
                sel = eown == p
                bundles.append((True, vs, src[sel], dst[sel], w[sel] if w is not None else None))
            del verts, src, dst, w, vown, eown
        else:
            bundles = [(False, None, None, None, None)] * n
        for p in range(n):
            if p != self.me:
                peer.send(self.names[p], bundles[p])
        mine = bundles[self.me]
        del bundles
        peer.sync()
        got = [mine, *peer.messages()]
        if not all(b[0] for b in got):
            del got
            peer.reopen_input()
            return False
        verts = _concat([b[1] for b in got], np.int64)
        src = _concat([b[2] for b in got], np.int64)
        dst = _concat([b[3] for b in got], np.int64)
        weighted = any(b[4] is not None for b in got)
        w = _concat([b[4] if b[4] is not None else np.ones(len(b[2])) for b in got], np.float64) \
            if weighted else None
        del got
        # superstep 2: the distinct destinations owned by each peer
        order = _stable_order(dst)
        dst = dst[order]
        src = src[order]
        if w is not None:
            w = w[order]
        del order
        downer = np.abs(dst) % n
        groups: list[tuple[I64, I64, F64 | None, I64]] = []  # per peer: (src ids, pos, weight, U_p)
        for p in range(n):
            sel = np.flatnonzero(downer == p)
            d = dst[sel]
            new = np.ones(len(d), dtype=bool)
            new[1:] = d[1:] != d[:-1]
            pos = np.cumsum(new) - 1
            groups.append((src[sel], pos, w[sel] if w is not None else None, d[new]))
            if p != self.me:
                peer.send(self.names[p], (self.me, d[new]))
        del dst, src, w, downer
        peer.sync()
        received: list[Any] = [None] * n
        received[self.me] = groups[self.me][3]
        for q, u_q in peer.messages():
            received[q] = u_q
        parts = [verts, *[groups[p][0] for p in range(n)]]
        if self.create_missing:
            parts += [u for u in received]
        ids = np.unique(np.concatenate(parts))
        if not self.create_missing:
            for q, u_q in enumerate(received):
                missing = u_q[~np.isin(u_q, ids)]
                if len(missing):
                    raise GraphError(f"peer {self.me}: an edge from peer {q}'s input refers to unknown vertex "
                                     f"{int(missing[0])!r} (hama.graph.create.missing.vertices=false)")
        if self.self_ref:
            s_src, s_pos, s_w, u_me = groups[self.me]
            # add (v, v) for every local vertex: merge ids into U_me and re-sort the local group
            allsrc = np.concatenate([u_me[s_pos], ids])
            alls = np.concatenate([s_src, ids])
            allw = np.concatenate([s_w, np.ones(len(ids))]) if s_w is not None else None
            order = np.argsort(allsrc, kind="stable")
            d = allsrc[order]
            new = np.ones(len(d), dtype=bool)
            new[1:] = d[1:] != d[:-1]
            groups[self.me] = (alls[order], np.cumsum(new) - 1, allw[order] if allw is not None else None, d[new])
            received[self.me] = d[new]
        nloc = len(ids)
        self.ids: Any = ids
        idx_t = np.int32 if nloc < 2**31 else np.int64
        self.routes: list[_Route] = []
        self.num_edges = 0
        outdeg = np.zeros(nloc)
        for p in range(n):
            s_ids, pos, ww, u = groups[p]
            ls = _index_of(ids, s_ids).astype(idx_t, copy=False)
            outdeg += np.bincount(ls, minlength=nloc)
            self.num_edges += len(ls)
            pos_t = pos.astype(np.int32 if len(u) < 2**31 else np.int64)
            self.routes.append(_Route(ls, pos_t, ww, len(u)))
            groups[p] = (np.zeros(0, np.int64), np.zeros(0, np.int64), None, np.zeros(0, np.int64))
        self.outdeg = outdeg
        self.recv: list[I64] = [_index_of(ids, u) for u in received]
        for name in self.names:
            peer.send(name, nloc)
        peer.sync()
        self.total_vertices = sum(peer.messages())
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "INPUT_VERTICES", self.total_vertices)
            peer.increment_counter(COUNTER_GROUP, "NUMPY_LOADER", 1)
        log.debug("peer %d: numpy loader: %d vertices, %d out-edges", self.me, nloc, self.num_edges)
        return True

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

    def _index(self, peer: Any) -> None:
        """Local indices, per-destination-peer edge groups, and the ``U_p`` exchange."""
        ids = list(self.vertices)
        self.ids = ids
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
        self.num_edges = len(src_a)
        self.outdeg = np.bincount(src_a, minlength=n).astype(np.float64)
        edge_owner = owner[code_a] if len(code_a) else np.zeros(0, dtype=np.int64)
        self.routes = []
        for p in range(self.n):
            sel = np.flatnonzero(edge_owner == p)
            u_p, inv = np.unique(code_a[sel], return_inverse=True)
            order = np.argsort(inv, kind="stable")  # sequential writes in the reductions
            self.routes.append(_Route(src_a[sel][order], inv[order].astype(np.int64), w_a[sel][order], len(u_p)))
            if p == self.me:
                self._own_u = [unique[c] for c in u_p]
            else:
                peer.send(self.names[p], (self.me, [unique[c] for c in u_p]))
        peer.sync()
        self.recv = [np.zeros(0, dtype=np.int64)] * self.n
        self.recv[self.me] = np.fromiter((index[d] for d in self._own_u), dtype=np.int64, count=len(self._own_u))
        for q, u_q in peer.messages():
            try:
                self.recv[q] = np.fromiter((index[d] for d in u_q), dtype=np.int64, count=len(u_q))
            except KeyError as exc:
                raise GraphError(f"peer {self.me}: peer {q} routed unknown vertex {exc.args[0]!r} here") from None
        del self._own_u
        log.debug("peer %d: %d vertices, %d out-edges", self.me, n, self.num_edges)

    def _swap(self, peer: Any, payloads: list[Any], scalars: tuple[float, ...]) -> tuple[list[Any], F64]:
        """Send ``payloads[p]`` to every peer *p* with *scalars*; return the received payloads
        (indexed by sender) and the sum of everyone's scalars."""
        for p in range(self.n):
            if p != self.me:
                peer.send(self.names[p], (self.me, payloads[p], scalars))
        peer.sync()
        got: list[Any] = [None] * self.n
        got[self.me] = payloads[self.me]
        total = np.asarray(scalars, dtype=np.float64)
        for q, payload, sc in peer.messages():
            got[q] = payload
            total = total + np.asarray(sc, dtype=np.float64)
        return got, total

    # ------------------------------------------------------------ PageRank
    def _pagerank(self, peer: Any) -> F64:
        conf = self.conf
        hama = self.algorithm == "pagerank-hama"
        d = conf.get_float("hama.pagerank.alpha", 0.85)
        error = conf.get_float("hama.graph.max.convergence.error", 0.001)
        n_total = float(self.total_vertices)
        n = len(self.ids)
        outdeg = self.outdeg
        has_out = outdeg > 0
        inv_deg = np.zeros(n)
        np.divide(1.0, outdeg, out=inv_deg, where=has_out)
        dangling_mask = ~has_out
        x: F64 = np.full(n, 1.0 / n_total)
        diff = 0.0  # sum |x_it - x_(it-1)| over the local vertices (Hama's AverageAggregator)
        max_it = self.max_iteration
        err_prev = math.nan  # global average change computed in iteration it-1
        it = 0
        sent = 0
        while True:
            # x holds iteration `it`'s values; the vertices now send x / outdeg along their edges
            if hama and it > 2 and err_prev < error:
                break  # every vertex votes to halt and sends nothing: the job ends
            if max_it > 0 and it + 1 > max_it:
                break
            contrib = x * inv_deg
            payloads = [np.bincount(r.pos, weights=contrib[r.src], minlength=r.size) for r in self.routes]
            sent += self.num_edges
            dangling = 0.0 if hama else float(x[dangling_mask].sum())
            got, total = self._swap(peer, payloads, (dangling, diff, float(n) if it > 0 else 0.0))
            # the average change of iteration `it`, which iteration it+1 reads (Hama's aggregator)
            err_prev = total[1] / total[2] if total[2] else math.nan
            acc = np.zeros(n)
            for q, vals in enumerate(got):
                if vals is not None and len(vals):
                    acc[self.recv[q]] += vals
            self._count_iteration(peer)
            it += 1
            if hama:
                new = (1.0 - d) / n_total + d * acc
            else:
                new = (1.0 - d) / n_total + d * (acc + float(total[0]) / n_total)
            diff = float(np.abs(new - x).sum()) if hama else 0.0
            x = new
        peer.increment_counter(COUNTER_GROUP, "MESSAGES_SENT", sent)
        return x

    # ------------------------------------------------------------ SSSP, BFS, WCC
    def _min_propagation(self, peer: Any) -> Any:
        algo = self.algorithm
        n = len(self.ids)
        value: F64 = np.full(n, np.inf)
        if algo == "wcc" and isinstance(self.ids, np.ndarray):
            value = self.ids.astype(np.float64)
            if n and np.abs(value).max() >= 2.0 ** 53:
                raise GraphError("vectorized WCC: vertex ids beyond 2**53")
            frontier = np.ones(n, dtype=bool)
        elif algo == "wcc":
            keys = []
            for vid in self.ids:
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
            if isinstance(self.ids, np.ndarray):
                i = _int_index(self.ids, source)
                if i is not None:
                    value[i] = 0.0
                    frontier[i] = True
            for i, vid in enumerate(self.ids if not isinstance(self.ids, np.ndarray) else ()):
                if vid == source:
                    value[i] = 0.0
                    frontier[i] = True
        sent_total = 0
        max_it = self.max_iteration
        it = 0
        while True:
            payloads: list[Any] = []
            sent = 0
            for r in self.routes:
                sel = np.flatnonzero(frontier[r.src])
                if not len(sel):
                    payloads.append(None)
                    continue
                cand = value[r.src[sel]]
                if algo == "sssp" and r.weight is not None:
                    cand = cand + r.weight[sel]
                elif algo == "sssp":
                    cand = cand + 1.0
                elif algo == "bfs":
                    cand = cand + 1.0
                buf = np.full(r.size, np.inf)
                np.minimum.at(buf, r.pos[sel], cand)
                pos = np.flatnonzero(buf < np.inf)
                payloads.append((pos, buf[pos]))
                sent += len(sel)
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
                    np.minimum.at(best, self.recv[q][pos], vals)
            frontier = best < value
            value = np.where(frontier, best, value)
        peer.increment_counter(COUNTER_GROUP, "MESSAGES_SENT", sent_total)
        return value

    # ------------------------------------------------------------ output
    def _count_iteration(self, peer: Any) -> None:
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "ITERATIONS", 1)

    def _write(self, peer: Any, values: Any) -> None:
        algo = self.algorithm
        write = peer.write
        if isinstance(self.ids, np.ndarray):
            self.ids = [str(v) for v in self.ids.tolist()]
        if algo == "bfs":
            for vid, v in zip(self.ids, values.tolist()):
                write(vid, UNREACHABLE_DEPTH if v == math.inf else int(v))
        elif algo == "wcc":
            for vid, v in zip(self.ids, values.tolist()):
                write(vid, str(int(v)))
        else:
            for vid, v in zip(self.ids, values.tolist()):
                write(vid, v)
