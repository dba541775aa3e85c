"""Single-source shortest paths (Hama's SSSP) and breadth-first search (Graphalytics BFS).

SSSP: edge values are the weights (1 when an edge has none); the source is
``shortest.paths.start.vertex.name``; unreachable vertices keep ``inf``.  A
:class:`MinCombiner` keeps one message per destination vertex.

BFS: the depth from ``bfs.source.vertex``; unreachable vertices get
9223372036854775807 (Graphalytics' value).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any, ClassVar

from ...bsp import Combiner
from ...config import HamaConfiguration
from ..constants import UNREACHABLE_DEPTH
from ..job import GraphJob
from ..vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["SSSPVertex", "BFSVertex", "MinCombiner", "UNREACHABLE_DEPTH", "configure_sssp", "configure_bfs"]


class MinCombiner(Combiner):
    """Keeps the smallest message."""

    def combine(self, messages: Iterable[Any]) -> Any:
        return min(messages)


class SSSPVertex(Vertex):
    """Hama's ``SSSP.ShortestPathVertex`` with float distances."""

    _conf: ClassVar[Any] = None
    source: ClassVar[str] = ""

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.source = conf.get("shortest.paths.start.vertex.name") or ""
        self._value = math.inf

    def compute(self, messages: list[Any]) -> None:
        best = 0.0 if self.get_superstep_count() == 0 and self._id == self.source else math.inf
        for m in messages:
            if m < best:
                best = m
        if best < self._value:
            self._value = best
            send = self.send_message
            for e in self._edges:
                w = e.value
                send(e.dest, best + (1.0 if w is None else w))
        self.vote_to_halt()


class BFSVertex(Vertex):
    """Breadth-first search depth from ``bfs.source.vertex``."""

    _conf: ClassVar[Any] = None
    source: ClassVar[str] = ""

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.source = conf.get("bfs.source.vertex") or ""
        self._value = UNREACHABLE_DEPTH

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            if self._id == self.source:
                self._value = 0
                self.send_message_to_neighbors(1)
        elif messages and self._value == UNREACHABLE_DEPTH:
            depth = min(messages)
            self._value = depth
            self.send_message_to_neighbors(depth + 1)
        self.vote_to_halt()


def configure_sssp(job: GraphJob, source: str) -> None:
    """SSSP from *source* with a min combiner."""
    job.set_vertex_class(SSSPVertex)
    job.set("shortest.paths.start.vertex.name", source)
    job.set_combiner_class(MinCombiner)


def configure_bfs(job: GraphJob, source: str) -> None:
    """BFS from *source* with a min combiner."""
    job.set_vertex_class(BFSVertex)
    job.set("bfs.source.vertex", source)
    job.set_combiner_class(MinCombiner)
