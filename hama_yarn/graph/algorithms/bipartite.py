"""Randomized bipartite matching (Hama's ``BipartiteMatching``).

Input (:class:`BipartiteReader`, Hama's format): ``<id> <L|R>:<nbr> <nbr> ...``, e.g.
``A L:B D``; the edges should be symmetric (every ``L`` vertex lists its ``R``
neighbours and vice versa).  The vertex value is ``(match, side)`` with
``match == "U"`` while unmatched; output ``id<TAB><match> <side>``.

Each round is four iterations (``iteration % 4``):

0. every unmatched left vertex sends a request (its id) to all its neighbours;
1. every unmatched right vertex grants **one** request, chosen at random;
2. every unmatched left vertex accepts **one** grant at random and is matched;
3. the right vertex whose grant was accepted is matched.

Matched vertices vote to halt (and ignore messages).  The result is always a
matching; it is maximal once no unmatched left vertex has an unmatched right
neighbour, which at least one more pair per round guarantees after at most
``min(|L|, |R|) + 1`` rounds, i.e. ``hama.graph.max.iteration >= 4 * (min + 1)``.

Differences from Hama: Hama seeds one ``java.util.Random(seed)`` afresh in every
``compute`` call, so every vertex draws the same index sequence; here the draw uses
a generator seeded by ``(seed, vertex id, iteration)``, so choices are independent
per vertex and still reproducible for a given ``bipartite.matching.seed``.  An
unmatched vertex without unmatched neighbours never halts (as in Hama), so the job
runs to the max iteration.
"""

from __future__ import annotations

import logging
import random
from typing import Any, ClassVar

from ...config import HamaConfiguration
from ..job import GraphJob
from ..readers import VertexInputReader
from ..vertex import Edge, Vertex

log = logging.getLogger(__name__)

__all__ = ["BipartiteMatchingVertex", "BipartiteReader", "BipartiteWriter", "UNMATCHED", "SEED_KEY",
           "configure_bipartite"]

#: The match value of an unmatched vertex.
UNMATCHED = "U"
#: Hama's seed key.
SEED_KEY = "bipartite.matching.seed"


class BipartiteReader(VertexInputReader):
    """Hama's ``BipartiteMatchingVertexReader``: ``<id> <L|R>:<nbr> <nbr> ...``."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        line = str(value).strip()
        if not line or line.startswith("#"):
            return False
        head, sep, tail = line.partition(":")
        selves = head.split()
        if not sep or len(selves) != 2 or selves[1] not in ("L", "R"):
            raise ValueError("expected '<id> <L|R>:<nbr> <nbr> ...'")
        vertex.set_vertex_id(selves[0])
        vertex.set_value((UNMATCHED, selves[1]))
        vertex.set_edges([Edge(t) for t in tail.split()])
        return True


class BipartiteWriter:
    """Writes ``id<TAB><match> <side>`` (Hama's ``TextPair`` output)."""

    def setup(self, conf: HamaConfiguration) -> None:
        """Nothing to set up."""

    def write(self, vertex: Vertex, peer: Any) -> None:
        """Write one vertex."""
        value = vertex.get_value()
        if not isinstance(value, tuple):  # a vertex created by an edge only: no side known
            value = (UNMATCHED, "?")
        peer.write(vertex.get_vertex_id(), f"{value[0]} {value[1]}")


class BipartiteMatchingVertex(Vertex):
    """Hama's ``BipartiteMatching.BipartiteMatchingVertex``; messages are sender ids."""

    _conf: ClassVar[Any] = None
    seed: ClassVar[int] = 0

    def setup(self, conf: HamaConfiguration) -> None:
        cls = type(self)
        if cls._conf is not conf:
            cls._conf = conf
            cls.seed = conf.get_int(SEED_KEY, 0)

    def _pick(self, messages: list[Any]) -> Any:
        it = self.get_superstep_count()
        rng = random.Random(f"{self.seed}/{self._id}/{it}")  # str seeds hash with SHA-512: stable
        return messages[rng.randrange(len(messages))]

    def compute(self, messages: list[Any]) -> None:
        value = self._value
        if not isinstance(value, tuple):  # an id referenced by an edge but never defined
            self.vote_to_halt()
            return
        match, side = value
        if match != UNMATCHED:
            self.vote_to_halt()
            return
        phase = self.get_superstep_count() % 4
        if phase == 0:
            if side == "L":
                self.send_message_to_neighbors(self._id)
        elif phase == 1:
            if side == "R" and messages:
                self.send_message(self._pick(messages), self._id)
        elif phase == 2:
            if side == "L" and messages:
                chosen = self._pick(messages)
                self._value = (chosen, side)
                self.send_message(chosen, self._id)
        elif side == "R" and messages:
            self._value = (messages[0], side)


def configure_bipartite(job: GraphJob, max_iteration: int = 30, seed: int | None = None) -> None:
    """Hama's bipartite matching job (reader, writer, max iteration, seed)."""
    job.set_vertex_class(BipartiteMatchingVertex)
    job.set_vertex_input_reader_class(BipartiteReader)
    job.set_vertex_output_writer_class(BipartiteWriter)
    job.set_max_iteration(max_iteration)
    job.set(SEED_KEY, int(seed if seed is not None else random.SystemRandom().randrange(1 << 31)))
