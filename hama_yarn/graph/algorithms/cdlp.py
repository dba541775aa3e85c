"""Community detection by label propagation (LDBC Graphalytics CDLP).

Every vertex starts with its own id as label.  In each of ``cdlp.iterations``
rounds it takes the most frequent label among its in- and out-neighbours (a
neighbour on both sides counts twice, as in the benchmark); ties go to the smallest
label.  Iteration 0 sends each vertex's id along its out-edges so every vertex
learns its in-neighbours; iteration 1 already performs round 1 (the labels are the
ids), so round *k* ends in iteration *k* and the job runs iterations 0..rounds.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from ..job import GraphJob
from ..vertex import Vertex
from . import label_key

log = logging.getLogger(__name__)

__all__ = ["CDLPVertex", "configure_cdlp"]


def _most_frequent(labels: list[Any]) -> Any:
    counts = Counter(labels)
    top = max(counts.values())
    return min((lab for lab, c in counts.items() if c == top), key=label_key)


class CDLPVertex(Vertex):
    """Label propagation over in- and out-neighbours."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        if it == 0:
            self._value = self._id
            self.send_message_to_neighbors(self._id)
            return
        if it == 1:
            self.in_neighbours = list(messages)
            labels = [*messages, *(e.dest for e in self._edges)]
        else:
            labels = messages
        if labels:
            self._value = _most_frequent(labels)
        label = self._value
        self.send_message_to_neighbors(label)
        for u in self.in_neighbours:
            self.send_message(u, label)


def configure_cdlp(job: GraphJob, iterations: int) -> None:
    """CDLP with *iterations* label-propagation rounds."""
    job.set_vertex_class(CDLPVertex)
    job.set_max_iteration(iterations)
