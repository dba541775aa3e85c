"""In-link count (Hama's ``InlinkCount``): the number of edges pointing at each vertex."""

from __future__ import annotations

import logging
from typing import Any

from ..job import GraphJob
from ..vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["InlinkCountVertex", "configure_inlink"]


class InlinkCountVertex(Vertex):
    """Iteration 0 sends 1 along every edge; iteration 1 counts the messages."""

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            self._value = 0
            self.send_message_to_neighbors(1)
        else:
            self._value = sum(messages)
        self.vote_to_halt()


def configure_inlink(job: GraphJob) -> None:
    """In-link count."""
    job.set_vertex_class(InlinkCountVertex)
