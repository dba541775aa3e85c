"""Local clustering coefficient (LDBC Graphalytics LCC).

The neighbourhood N(v) is the union of in- and out-neighbours (without v).  LCC(v)
is the number of directed edges between members of N(v) divided by
``|N(v)| * (|N(v)| - 1)`` (0 when ``|N(v)| < 2``); on a symmetric (undirected)
adjacency list this is the usual ``2 * triangles / (d * (d - 1))``.

Iterations: 0 - announce v to out-neighbours; 1 - build N(v), send N(v) to every
member; 2 - each member u answers with ``|out(u) & N(v)|``; 3 - v sums the answers.
"""

from __future__ import annotations

import logging
from typing import Any

from ..job import GraphJob
from ..vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["LCCVertex", "configure_lcc"]


class LCCVertex(Vertex):
    """Local clustering coefficient in four iterations."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        vid = self._id
        if it == 0:
            self._value = 0.0
            self.send_message_to_neighbors(vid)
            return  # stay active for iteration 1
        if it == 1:
            out = {e.dest for e in self._edges}
            out.discard(vid)
            self.out_neighbours = out
            nbrs = out | set(messages)
            nbrs.discard(vid)
            self.degree = len(nbrs)
            if len(nbrs) >= 2:
                frozen = frozenset(nbrs)
                for u in nbrs:
                    self.send_message(u, (vid, frozen))
        elif it == 2:
            out = self.out_neighbours
            for src, nbrs in messages:
                count = len(out & nbrs) if len(out) < len(nbrs) else len(nbrs & out)
                if count:
                    self.send_message(src, count)
        elif it == 3 and messages:
            d = self.degree
            self._value = sum(messages) / (d * (d - 1))
        self.vote_to_halt()


def configure_lcc(job: GraphJob) -> None:
    """LCC (iterations 0..3)."""
    job.set_vertex_class(LCCVertex)
    job.set_max_iteration(3)
