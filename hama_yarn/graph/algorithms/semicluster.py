"""Semi-clustering (Hama's ``SemiClusterJobDriver`` / ``ml.semiclustering``; Pregel paper §5.3).

The input is an undirected, weighted graph as a symmetric adjacency list (every edge
listed at both ends with the same weight): the adjacency reader's ``dst:weight``
tokens, or Hama's format with :class:`SemiClusterReader` (``id<TAB>nbr-weight,nbr-weight``).

A semi-cluster *c* is a set of vertices with score::

    S_c = (I_c - f_B * B_c) / (V_c * (V_c - 1) / 2)        (S_c = 1 for a single vertex)

where ``I_c`` is the weight of the edges inside *c*, ``B_c`` the weight of the edges
leaving it and ``V_c`` its size.  Messages are ``(members, I_c, B_c)`` (members
sorted), so extending a cluster by a vertex is O(|c|).  Iteration 0: every vertex
sends its singleton cluster to its neighbours.  Later iterations: for every received
cluster *c* that does not contain the vertex and has fewer than
``semicluster.max.vertex.count`` members, form ``c' = c + {v}``; sort the received
clusters and the new ones by score (best first) and send the best
``semicluster.max.message.sent.count`` to every neighbour; the vertex value keeps the
best ``vertex.max.cluster.count`` clusters that contain the vertex.  The job runs to
``hama.graph.max.iteration``.  Output: ``id<TAB>[m m m, m m, ...]`` (the member ids
of the vertex's clusters, best first).

Differences from Hama, on purpose (Hama's code deviates from the paper it cites):
clusters are sorted **best** first (Hama sorts ascending, so it forwards its worst
clusters); the score is the paper's (Hama divides once more by the edge count and
fixes ``f_B = 0``; here ``semicluster.boundary.factor``, default 0); cluster ids are
the sorted member lists rather than a Java ``hashCode`` of them.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ...config import HamaConfiguration
from ..job import GraphJob
from ..readers import VertexInputReader
from ..vertex import Edge, Vertex

log = logging.getLogger(__name__)

__all__ = ["SemiClusteringVertex", "SemiClusterReader", "SemiClusterWriter", "semi_cluster_score",
           "configure_semicluster"]

Cluster = tuple[tuple[Any, ...], float, float]


def semi_cluster_score(size: int, internal: float, boundary: float, boundary_factor: float) -> float:
    """The paper's score ``(I - f_B * B) / (V (V - 1) / 2)``; 1.0 for a single vertex."""
    if size <= 1:
        return 1.0
    return (internal - boundary_factor * boundary) / (size * (size - 1) / 2)


class SemiClusterReader(VertexInputReader):
    """Hama's ``SemiClusterTextReader``: ``id<TAB>nbr-weight,nbr-weight,...`` (``#`` lines skipped)."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        line = str(value).strip()
        if not line or line.startswith("#"):
            return False
        vid, _, rest = line.partition("\t")
        vertex.set_vertex_id(vid.strip())
        edges = []
        for tok in rest.split(","):
            tok = tok.strip()
            if not tok:
                continue
            dest, sep, w = tok.rpartition("-")
            if not sep or not dest:
                raise ValueError(f"edge {tok!r}: expected nbr-weight")
            edges.append(Edge(dest, float(w)))
        vertex.set_edges(edges)
        return True


class SemiClusterWriter:
    """Writes ``id<TAB>[m m m, m m, ...]`` (the vertex's semi-clusters, best first)."""

    def setup(self, conf: HamaConfiguration) -> None:
        """Nothing to set up."""

    def write(self, vertex: Vertex, peer: Any) -> None:
        """Write one vertex."""
        clusters = vertex.get_value() or []
        peer.write(vertex.get_vertex_id(), "[" + ", ".join(" ".join(map(str, m)) for _, m in clusters) + "]")


def _order(score: float, members: tuple[Any, ...]) -> tuple[float, int, tuple[str, ...]]:
    return (-score, len(members), tuple(map(str, members)))


class SemiClusteringVertex(Vertex):
    """Semi-clustering; the value is ``[(score, members), ...]`` best first."""

    _conf: ClassVar[Any] = None
    max_vertices: ClassVar[int] = 10
    max_messages: ClassVar[int] = 10
    max_clusters: ClassVar[int] = 10
    boundary_factor: ClassVar[float] = 0.0

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.max_vertices = conf.get_int("semicluster.max.vertex.count", 10)
            cls.max_messages = conf.get_int("semicluster.max.message.sent.count", 10)
            cls.max_clusters = conf.get_int("vertex.max.cluster.count", 10)
            cls.boundary_factor = conf.get_float("semicluster.boundary.factor", 0.0)

    def _score(self, c: Cluster) -> float:
        return semi_cluster_score(len(c[0]), c[1], c[2], self.boundary_factor)

    def compute(self, messages: list[Any]) -> None:
        vid = self._id
        if self.get_superstep_count() == 0:
            weights: dict[Any, float] = {}
            for e in self._edges:
                if e.dest != vid:
                    weights[e.dest] = 1.0 if e.value is None else float(e.value)
            self.weights = weights
            self.total_weight = sum(weights.values())
            single: Cluster = ((vid,), 0.0, self.total_weight)
            self._value = [(1.0, (vid,))]
            self.send_message_to_neighbors(single)
            return
        weights = self.weights
        candidates: dict[tuple[Any, ...], Cluster] = {}
        for c in messages:
            members, internal, boundary = c
            candidates.setdefault(members, c)
            if vid in members or len(members) >= self.max_vertices:
                continue
            w_in = sum(weights.get(u, 0.0) for u in members)
            new_members = tuple(sorted((*members, vid), key=str))
            candidates.setdefault(new_members, (new_members, internal + w_in,
                                                boundary - w_in + (self.total_weight - w_in)))
        ranked = sorted(((self._score(c), c) for c in candidates.values()), key=lambda sc: _order(sc[0], sc[1][0]))
        for _, c in ranked[: self.max_messages]:
            self.send_message_to_neighbors(c)
        mine = {m: s for s, m in self._value}
        for s, c in ranked:
            if vid in c[0]:
                mine.setdefault(c[0], s)
        best = sorted(((s, m) for m, s in mine.items()), key=lambda sm: _order(sm[0], sm[1]))
        self._value = best[: self.max_clusters]


def configure_semicluster(job: GraphJob, max_iteration: int = 10, max_vertices: int = 10,
                          max_messages: int = 10, max_clusters: int = 10, boundary_factor: float = 0.0) -> None:
    """Semi-clustering with Hama's parameters (``semicluster.*``, ``vertex.max.cluster.count``)."""
    job.set_vertex_class(SemiClusteringVertex)
    job.set_vertex_output_writer_class(SemiClusterWriter)
    job.set_max_iteration(max_iteration)
    job.set("semicluster.max.vertex.count", max_vertices)
    job.set("semicluster.max.message.sent.count", max_messages)
    job.set("vertex.max.cluster.count", max_clusters)
    job.set("semicluster.boundary.factor", boundary_factor)
