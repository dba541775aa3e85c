"""Vertex input readers: turn input records into vertices (Hama's ``VertexInputReader``).

A reader gets each ``(key, value)`` record of the job's input format and fills a
fresh vertex with :meth:`VertexInputReader.parse_vertex` (return False to skip the
record).  Readers that make several vertices from one record (an undirected edge
list) override :meth:`VertexInputReader.parse`.  Raise ``ValueError`` for a bad
record; the runner reports it with the record's key (byte offset) and text.

Built-in readers (names for ``GraphJob.set_input_format``):

``adjacency``
    :class:`AdjacencyReader`: ``id<TAB>dst dst:weight ...`` (any whitespace; a
    ``dst:weight`` token gives a float edge value).  Lines that are empty or start
    with ``#`` are skipped.
``edgelist``
    :class:`EdgeListReader`: Graphalytics ``.v``/``.e`` files: ``id`` (a vertex) or
    ``src dst [weight]`` (an edge).  With ``hama.graph.undirected=true`` every edge
    is added in both directions.
``json``
    :class:`JsonReader`: Hama's fastgen JSON, ``[id, value, [[dst, weight], ...]]``.
``sequencefile``
    :class:`SequenceFileReader`: SequenceFile ``Text -> TextArrayWritable``
    (id -> destinations).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .vertex import Edge, Vertex

if TYPE_CHECKING:
    from ..config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = [
    "VertexInputReader",
    "AdjacencyReader",
    "EdgeListReader",
    "JsonReader",
    "SequenceFileReader",
    "GRAPH_INPUT_FORMATS",
    "parse_number",
]


def parse_number(text: str) -> float:
    """A float from *text* (``inf``/``infinity`` accepted)."""
    return float(text)


class VertexInputReader:
    """Turns input records into vertices.  Hama: ``VertexInputReader``."""

    def setup(self, conf: HamaConfiguration) -> None:
        """Called once per peer before the first record."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        """Fill *vertex* (id, value, edges) from one record; False skips the record."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse_vertex(key, value, vertex)")

    def parse(self, key: Any, value: Any, new_vertex: Callable[[], Vertex]) -> Iterable[Vertex]:
        """Every vertex (or partial vertex: edges of equal ids are merged) in one record."""
        v = new_vertex()
        if self.parse_vertex(key, value, v):
            if v.get_vertex_id() is None:
                raise ValueError("the reader set no vertex id")
            return (v,)
        return ()


def _edge(token: str) -> Edge:
    dest, sep, weight = token.rpartition(":")
    if not sep:
        return Edge(token)
    if not dest:
        raise ValueError(f"edge {token!r} has no destination")
    try:
        return Edge(dest, float(weight))
    except ValueError:
        raise ValueError(f"edge {token!r}: weight {weight!r} is not a number") from None


class AdjacencyReader(VertexInputReader):
    """``id<TAB>dst dst:weight ...`` lines (whitespace separated; ids are strings)."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        line = value if isinstance(value, str) else str(value)
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            return False
        vertex.set_vertex_id(parts[0])
        vertex.set_edges([_edge(t) for t in parts[1:]])
        return True


class EdgeListReader(VertexInputReader):
    """Graphalytics ``.v`` / ``.e`` lines: ``id`` or ``src dst [weight]``."""

    def __init__(self) -> None:
        self.undirected = False

    def setup(self, conf: HamaConfiguration) -> None:
        self.undirected = conf.get_bool("hama.graph.undirected", False)

    def parse(self, key: Any, value: Any, new_vertex: Callable[[], Vertex]) -> Iterator[Vertex]:
        parts = str(value).split()
        if not parts or parts[0].startswith("#"):
            return
        if len(parts) > 3:
            raise ValueError(f"expected 'id' or 'src dst [weight]', got {len(parts)} fields")
        v = new_vertex()
        v.set_vertex_id(parts[0])
        if len(parts) == 1:
            yield v
            return
        weight = parse_number(parts[2]) if len(parts) == 3 else None
        v.add_edge(Edge(parts[1], weight))
        yield v
        if self.undirected:
            back = new_vertex()
            back.set_vertex_id(parts[1])
            back.add_edge(Edge(parts[0], weight))
            yield back


class JsonReader(VertexInputReader):
    """Hama's fastgen JSON lines: ``[id, value, [[dst, weight], ...]]``."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        line = str(value).strip()
        if not line:
            return False
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not (isinstance(rec, list) and len(rec) == 3 and isinstance(rec[2], list)):
            raise ValueError("expected [id, value, [[dst, weight], ...]]")
        vertex.set_vertex_id(str(rec[0]))
        vertex.set_value(rec[1])
        edges = []
        for e in rec[2]:
            if isinstance(e, list) and e:
                edges.append(Edge(str(e[0]), e[1] if len(e) > 1 else None))
            else:
                edges.append(Edge(str(e)))
        vertex.set_edges(edges)
        return True


class SequenceFileReader(VertexInputReader):
    """SequenceFile records ``Text id -> TextArrayWritable destinations`` (Hama's ``PagerankSeqReader``)."""

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        vertex.set_vertex_id(str(key))
        items = value if isinstance(value, (list, tuple)) else str(value).split()
        vertex.set_edges([_edge(str(t)) for t in items])
        return True


#: ``GraphJob.set_input_format`` names -> (core input format, reader class).
GRAPH_INPUT_FORMATS = {
    "adjacency": ("text", "hama_yarn.graph.readers:AdjacencyReader"),
    "edgelist": ("text", "hama_yarn.graph.readers:EdgeListReader"),
    "json": ("text", "hama_yarn.graph.readers:JsonReader"),
    "sequencefile": ("sequencefile", "hama_yarn.graph.readers:SequenceFileReader"),
    "hbase": ("hbase", "hama_yarn.graph.hbase:HBaseVertexReader"),
}
