"""PageRank, with Hama's semantics or LDBC Graphalytics' (dangling redistribution).

:class:`PageRankVertex` is Hama's ``PageRank.PageRankVertex``: value 1/N in
iteration 0, then ``(1-d)/N + d * sum(msgs)``; an ``AverageAggregator`` (index 0)
tracks the mean absolute change and every vertex halts once it is below
``hama.graph.max.convergence.error`` after iteration 2.  Hama's driver also sets
``hama.graph.self.ref=true`` (every vertex gets a self edge, so none is dangling)
and max iteration 30; :func:`configure_hama` does the same.

:class:`GraphalyticsPageRankVertex` is the benchmark's definition: a fixed number of
iterations, and the rank of dangling vertices (no out-edges), summed with a
``SumAggregator`` (index 0), is spread evenly over all vertices every iteration.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ...config import HamaConfiguration
from ..job import GraphJob
from ..vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["PageRankVertex", "GraphalyticsPageRankVertex", "configure_hama", "configure_graphalytics"]


class PageRankVertex(Vertex):
    """Hama's PageRank vertex (``hama.pagerank.alpha``, ``hama.graph.max.convergence.error``)."""

    _conf: ClassVar[Any] = None
    damping: ClassVar[float] = 0.85
    error: ClassVar[float] = 0.001

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.damping = conf.get_float("hama.pagerank.alpha", 0.85)
            cls.error = conf.get_float("hama.graph.max.convergence.error", 0.001)

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        n = self.get_total_num_vertices()
        if it == 0:
            self.set_value(1.0 / n)
        else:
            d = self.damping
            self.set_value((1.0 - d) / n + d * sum(messages))
            self.aggregate(0, self._value)
        err = self.get_aggregated_value(0)
        if err is not None and it > 2 and err < self.error:
            self.vote_to_halt()
        elif self._edges:
            self.send_message_to_neighbors(self._value / len(self._edges))


class GraphalyticsPageRankVertex(Vertex):
    """PageRank as LDBC Graphalytics defines it (``hama.pagerank.alpha``)."""

    _conf: ClassVar[Any] = None
    damping: ClassVar[float] = 0.85

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.damping = conf.get_float("hama.pagerank.alpha", 0.85)

    def compute(self, messages: list[Any]) -> None:
        n = self.get_total_num_vertices()
        if self.get_superstep_count() == 0:
            value = 1.0 / n
        else:
            d = self.damping
            dangling = self.get_aggregated_value(0) or 0.0
            value = (1.0 - d) / n + d * (sum(messages) + dangling / n)
        self._value = value
        edges = self._edges
        if edges:
            self.send_message_to_neighbors(value / len(edges))
        else:
            self.aggregate(0, value)


def configure_hama(job: GraphJob, damping: float = 0.85, max_iteration: int = 30, error: float = 0.001) -> None:
    """Set up *job* like Hama's PageRank driver."""
    job.set_vertex_class(PageRankVertex)
    job.set("hama.pagerank.alpha", damping)
    job.set("hama.graph.max.convergence.error", error)
    job.set("hama.graph.self.ref", "true")
    job.set_max_iteration(max_iteration)
    job.set_aggregator_class("average")


def configure_graphalytics(job: GraphJob, damping: float = 0.85, iterations: int = 10) -> None:
    """Set up *job* for Graphalytics PageRank with *iterations* rank updates."""
    job.set_vertex_class(GraphalyticsPageRankVertex)
    job.set("hama.pagerank.alpha", damping)
    job.set_max_iteration(iterations)
    job.set_aggregator_class("sum")
