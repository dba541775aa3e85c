"""The Pregel vertex API: :class:`Vertex` and :class:`Edge` (Hama's ``graph.Vertex``/``Edge``).

A job subclasses :class:`Vertex` and implements :meth:`Vertex.compute`.  The
:class:`~hama_yarn.graph.runner.GraphJobRunner` owns every vertex of its partition,
calls ``setup`` and ``compute`` and routes messages, mutations and aggregates.  A
vertex does not know the runner: it talks to a :class:`VertexContext` (what the
runner attaches to it), so this module depends on nothing else in the graph package.

Differences from Hama, on purpose:

- vertex ids are strings (or any hashable value a reader produces), values and
  messages are any picklable Python objects (Hama requires one Writable type ``M``
  for both; here they can differ);
- vertices stay in memory as objects between supersteps, so every attribute of a
  subclass survives (Hama keeps them serialized and loses fields that
  ``writeState`` does not write);
- :meth:`Vertex.remove` is routed to the peer that owns the vertex (Hama sends it to
  peer 0 only, so it works only when peer 0 owns the vertex).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["Edge", "Vertex", "VertexContext"]


class Edge:
    """An outgoing edge: destination vertex id and an optional value.

    Parameters
    ----------
    dest : hashable
        The destination vertex id.
    value : object, optional
        The edge value (None for an unweighted edge).
    """

    __slots__ = ("dest", "value")

    def __init__(self, dest: Any, value: Any = None) -> None:
        self.dest = dest
        self.value = value

    def get_destination_vertex_id(self) -> Any:
        """The destination vertex id."""
        return self.dest

    def get_value(self) -> Any:
        """The edge value (None when unweighted)."""
        return self.value

    def __repr__(self) -> str:
        return f"Edge({self.dest!r}, {self.value!r})"

    def __str__(self) -> str:
        return f"{self.dest}:{self.value}" if self.value is not None else str(self.dest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and (self.dest, self.value) == (other.dest, other.value)

    def __hash__(self) -> int:
        return hash((self.dest, self.value))


class VertexContext(Protocol):
    """What a :class:`Vertex` needs from the peer that runs it (the graph runner provides it).

    Attributes
    ----------
    iteration : int
        The current graph iteration (0, 1, 2, ...).
    total_vertices : int
        The number of vertices in the whole graph.
    max_iteration : int
        ``hama.graph.max.iteration`` (-1: unlimited).
    conf : HamaConfiguration
        The job configuration.
    peer : object
        The underlying BSP peer.
    """

    iteration: int
    total_vertices: int
    max_iteration: int
    conf: HamaConfiguration
    peer: Any

    def send(self, dest: Any, msg: Any) -> None:
        """Queue *msg* for vertex *dest* (delivered next iteration)."""

    def send_to_all(self, edges: list[Edge], msg: Any) -> None:
        """Queue *msg* for the destination of every edge."""

    def aggregate(self, index: int, old: Any, value: Any) -> None:
        """Fold a vertex contribution into aggregator *index*."""

    def get_aggregated_value(self, index: int) -> Any:
        """The global aggregate *index* of the previous iteration."""

    def get_num_aggregated(self, index: int) -> int:
        """How many vertices contributed to aggregate *index* in the previous iteration."""

    def add_vertex(self, vertex_id: Any, edges: list[Edge], value: Any) -> None:
        """Create a vertex on its owner peer (exists from the next iteration)."""

    def remove_vertex(self, vertex_id: Any) -> None:
        """Remove a vertex on its owner peer (before the next iteration)."""


class Vertex:
    """A vertex of a Pregel-style graph job.  Hama: ``org.apache.hama.graph.Vertex``.

    Subclasses implement :meth:`compute`; :meth:`setup` is optional.  A subclass
    that defines ``__init__`` must call ``super().__init__()`` and take no required
    arguments.

    Examples
    --------
    >>> class MaxValue(Vertex):
    ...     def compute(self, messages):
    ...         best = max(messages, default=self.get_value())
    ...         if self.get_superstep_count() == 0 or best > self.get_value():
    ...             self.set_value(best)
    ...             self.send_message_to_neighbors(best)
    ...         self.vote_to_halt()
    """

    __slots__ = ("_id", "_value", "_old_value", "_edges", "_halted", "_runner", "__dict__")

    def __init__(self) -> None:
        self._id: Any = None
        self._value: Any = None
        self._old_value: Any = None
        self._edges: list[Edge] = []
        self._halted = False
        self._runner: VertexContext | None = None

    # ----------------------------------------------------------- user hooks
    def setup(self, conf: HamaConfiguration) -> None:
        """Called once per vertex, just before its first :meth:`compute` (iteration 0)."""

    def compute(self, messages: list[Any]) -> None:
        """The vertex program.  In iteration 0, *messages* is ``[own value]``."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute(messages)")

    # ----------------------------------------------------------- identity and state
    def get_vertex_id(self) -> Any:
        """This vertex's id."""
        return self._id

    def set_vertex_id(self, vertex_id: Any) -> None:
        """Set the id (for input readers)."""
        self._id = vertex_id

    def get_value(self) -> Any:
        """The current vertex value."""
        return self._value

    def set_value(self, value: Any) -> None:
        """Set the vertex value; the previous one is kept for ``aggregate(old, new)``."""
        self._old_value = self._value
        self._value = value

    def get_edges(self) -> list[Edge]:
        """The outgoing edges (the list itself; changes are kept)."""
        return self._edges

    def set_edges(self, edges: Iterable[Edge]) -> None:
        """Replace the outgoing edges."""
        self._edges = list(edges)

    def add_edge(self, edge: Edge) -> None:
        """Add an outgoing edge."""
        self._edges.append(edge)

    def vote_to_halt(self) -> None:
        """Deactivate this vertex until a message arrives (see the halting rules)."""
        self._halted = True

    def is_halted(self) -> bool:
        """True after :meth:`vote_to_halt`."""
        return self._halted

    def set_active(self) -> None:
        """Undo :meth:`vote_to_halt`."""
        self._halted = False

    # ----------------------------------------------------------- messaging
    def _r(self) -> VertexContext:
        runner = self._runner
        if runner is None:
            raise RuntimeError(f"vertex {self._id!r} is not attached to a running graph job")
        return runner

    def send_message(self, dest: Any, msg: Any) -> None:
        """Send *msg* to a vertex id or along an :class:`Edge`; delivered next superstep."""
        self._r().send(dest.dest if isinstance(dest, Edge) else dest, msg)

    def send_message_to_neighbors(self, msg: Any) -> None:
        """Send *msg* along every outgoing edge."""
        self._r().send_to_all(self._edges, msg)

    # ----------------------------------------------------------- global information
    def get_superstep_count(self) -> int:
        """The graph iteration: 0 in the initial superstep, then 1, 2, ..."""
        return self._r().iteration

    def get_total_num_vertices(self) -> int:
        """The number of vertices in the whole graph."""
        return self._r().total_vertices

    def get_num_peers(self) -> int:
        """The number of peers (partitions)."""
        return int(self._r().peer.get_num_peers())

    def get_max_iteration(self) -> int:
        """``hama.graph.max.iteration`` (-1: unlimited)."""
        return self._r().max_iteration

    def get_conf(self) -> HamaConfiguration:
        """The job configuration."""
        return self._r().conf

    def get_peer(self) -> Any:
        """The underlying BSP peer."""
        return self._r().peer

    def get_counter(self, group: str, name: str) -> int:
        """A peer counter's current value."""
        return int(self._r().peer.get_counter(group, name))

    def increment_counter(self, group: str, name: str, amount: int = 1) -> None:
        """Add to a peer counter."""
        self._r().peer.increment_counter(group, name, amount)

    # ----------------------------------------------------------- aggregators
    def aggregate(self, index: int, value: Any) -> None:
        """Contribute *value* to aggregator *index* (position in ``set_aggregator_class``)."""
        self._r().aggregate(index, self._old_value, value)

    def get_aggregated_value(self, index: int) -> Any:
        """The global aggregate of the previous superstep (None before the first)."""
        return self._r().get_aggregated_value(index)

    def get_num_last_aggregated_vertices(self, index: int) -> int:
        """How many vertices contributed to aggregator *index* in the previous superstep."""
        return self._r().get_num_aggregated(index)

    # ----------------------------------------------------------- dynamic graphs
    def add_vertex(self, vertex_id: Any, edges: Iterable[Edge] | None = None, value: Any = None) -> None:
        """Create a vertex on its owner peer; it exists (and is active) from the next superstep."""
        self._r().add_vertex(vertex_id, list(edges or ()), value)

    def remove(self) -> None:
        """Remove this vertex at the end of the superstep (routed to its owner peer)."""
        self._r().remove_vertex(self._id)

    # ----------------------------------------------------------- misc
    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id!r}, value={self._value!r}, edges={len(self._edges)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vertex) and self._id == other._id

    def __hash__(self) -> int:
        return hash(self._id)

    def __lt__(self, other: Vertex) -> bool:
        return bool(self._id < other._id)
