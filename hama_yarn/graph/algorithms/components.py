"""Connected components: Hama's MindistSearch and weakly connected components (Graphalytics WCC).

:class:`MindistSearchVertex` follows Hama's ``MindistSearch``: a vertex starts with
the smallest id among itself and its out-neighbours and the minimum label is
propagated **along out-edges only** (on a symmetric adjacency list this is connected
components).  :class:`WCCVertex` first tells every out-neighbour about the edge, so
labels then flow both ways: weakly connected components of a directed graph.
Labels are vertex ids, ordered numerically when they are integers.
"""

from __future__ import annotations

import logging
from typing import Any

from ...bsp import Combiner
from ..job import GraphJob
from ..vertex import Vertex
from . import label_key

log = logging.getLogger(__name__)

__all__ = ["MindistSearchVertex", "WCCVertex", "MinLabelCombiner", "configure_mindist", "configure_wcc"]


class MinLabelCombiner(Combiner):
    """Keeps the smallest label (numeric order for integer ids)."""

    def combine(self, messages: Any) -> Any:
        return min(messages, key=label_key)


class MindistSearchVertex(Vertex):
    """Hama's ``MindistSearch.MinDistSearchVertex``."""

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            label = self._id
            for e in self._edges:
                if label_key(e.dest) < label_key(label):
                    label = e.dest
            self._value = label
            self.send_message_to_neighbors(label)
        else:
            best = min(messages, key=label_key) if messages else self._value
            if label_key(best) < label_key(self._value):
                self._value = best
                self.send_message_to_neighbors(best)
        self.vote_to_halt()


class WCCVertex(Vertex):
    """Weakly connected components: the minimum id over the undirected version of the graph."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        if it == 0:
            self._value = self._id
            self.send_message_to_neighbors(self._id)  # announce the edge (in-neighbour ids)
            self.neighbours = {e.dest for e in self._edges}
            return  # stay active: iteration 1 must run everywhere
        if it == 1:
            self.neighbours.update(messages)
            self.neighbours.discard(self._id)
            best = min([self._id, *self.neighbours], key=label_key)
            self._value = best
            for u in self.neighbours:
                self.send_message(u, best)
        elif messages:
            best = min(messages, key=label_key)
            if label_key(best) < label_key(self._value):
                self._value = best
                for u in self.neighbours:
                    self.send_message(u, best)
        self.vote_to_halt()


def configure_mindist(job: GraphJob, max_iteration: int = 30) -> None:
    """Hama's MindistSearch (max iteration 30 by default)."""
    job.set_vertex_class(MindistSearchVertex)
    job.set_combiner_class(MinLabelCombiner)
    job.set_max_iteration(max_iteration)


def configure_wcc(job: GraphJob) -> None:
    """Weakly connected components, until convergence.

    No combiner: iteration 0's edge announcements must all arrive.
    """
    job.set_vertex_class(WCCVertex)
