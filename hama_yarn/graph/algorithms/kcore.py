"""K-core decomposition (Hama's ``ml.kcore.KCoreVertex``): the core number of every vertex.

The input is an undirected graph given as a symmetric adjacency list (each edge
listed at both ends).  Distributed estimate refinement (Montresor, De Pellegrini and
Miorandi, "Distributed k-core decomposition", 2011), as in Hama:

* iteration 0: the core estimate is the degree; send ``(id, estimate)`` to every
  neighbour;
* later: keep each neighbour's latest estimate; the new estimate is the largest
  ``k <= current`` such that at least ``k`` neighbours have estimate ``>= k``
  (``computeEstimate``); when it drops, send it to every neighbour, otherwise
  vote to halt.

The job ends when no estimate changes; the output value is the core number
(``networkx.core_number`` on the same simple graph).  Duplicate neighbour ids and
self loops are ignored (one estimate per distinct neighbour); Hama keys its estimates
by neighbour id too.
"""

from __future__ import annotations

import logging
from typing import Any

from ..job import GraphJob
from ..vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["KCoreVertex", "core_estimate", "configure_kcore"]


def core_estimate(core: int, estimates: dict[Any, int]) -> int:
    """Hama's ``computeEstimate``: the largest ``i <= core`` with ``#{e >= i} >= i`` (at least 1)."""
    count = [0] * (core + 1)
    for e in estimates.values():
        count[min(core, e)] += 1
    for i in range(core, 1, -1):
        count[i - 1] += count[i]
    i = core
    while i > 1 and count[i] < i:
        i -= 1
    return i


class KCoreVertex(Vertex):
    """Core-number estimate refinement; the value is the current estimate."""

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            nbrs = {e.dest for e in self._edges}
            nbrs.discard(self._id)
            self.neighbours = nbrs
            self.estimates: dict[Any, int] = {u: 1 << 62 for u in nbrs}
            self._value = len(nbrs)
            for u in nbrs:
                self.send_message(u, (self._id, self._value))
            return
        est = self.estimates
        changed = False
        core: int = self._value
        for src, c in messages:
            if src in est and c < est[src]:
                est[src] = c
                t = core_estimate(core, est)
                if t < core:
                    core = t
                    changed = True
        if changed:
            self._value = core
            for u in self.neighbours:
                self.send_message(u, (self._id, core))
        else:
            self.vote_to_halt()


def configure_kcore(job: GraphJob) -> None:
    """K-core decomposition until convergence."""
    job.set_vertex_class(KCoreVertex)
