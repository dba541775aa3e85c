"""Graphs in HBase tables: one row per vertex, out-edges in a column family.

Row key = vertex id (UTF-8); in the edge family (``hama.graph.hbase.edge.family``,
default ``edges``) each qualifier is a target vertex id and its value the edge weight
as text (empty = no weight).  A vertex without out-edges keeps an empty-qualifier cell
``edges:`` so its row exists.  An optional vertex value column
(``hama.graph.hbase.value.column``, ``family:qualifier``) gives the initial value.

``GraphJob.set_input_format("hbase")`` selects :class:`HBaseVertexReader` on the core
``hbase`` input format; :func:`configure_hbase_input` / :func:`configure_hbase_output`
set the table keys.  Output to HBase uses the core ``hbase`` output format: the runner's
``peer.write(vertex_id, value)`` stores ``str(value)`` in ``hbase.mapred.output.column``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .readers import AdjacencyReader, VertexInputReader
from .vertex import Edge, Vertex

if TYPE_CHECKING:
    from ..config import HamaConfiguration
    from ..job import BSPJob

log = logging.getLogger(__name__)

__all__ = ["HBaseVertexReader", "adjacency_rows", "configure_hbase_input", "configure_hbase_output",
           "EDGE_FAMILY_KEY", "VALUE_COLUMN_KEY"]

EDGE_FAMILY_KEY = "hama.graph.hbase.edge.family"
VALUE_COLUMN_KEY = "hama.graph.hbase.value.column"


def _latest(value: Any) -> bytes:
    """A cell value as returned by the reader (plain, ``(value, ts)`` or a version list)."""
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, tuple):
        value = value[0]
    return bytes(value)


class HBaseVertexReader(VertexInputReader):
    """Rows of the ``hbase`` input format -> vertices (see the module docstring)."""

    def __init__(self) -> None:
        self.prefix = b"edges:"
        self.value_column = b""

    def setup(self, conf: HamaConfiguration) -> None:
        self.prefix = (conf.get(EDGE_FAMILY_KEY) or "edges").encode() + b":"
        self.value_column = (conf.get(VALUE_COLUMN_KEY) or "").encode()

    def parse_vertex(self, key: Any, value: Any, vertex: Vertex) -> bool:
        if not isinstance(value, dict):
            raise ValueError("expected an HBase row {column: value} (bsp.input.format.class=hbase)")
        row = bytes(key)
        try:
            vertex.set_vertex_id(row.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"row key {row!r} is not UTF-8") from None
        n = len(self.prefix)
        edges = []
        for col, cell in value.items():
            if col == self.value_column:
                text = _latest(cell).decode("utf-8")
                vertex.set_value(float(text) if text else None)
            elif col.startswith(self.prefix) and len(col) > n:
                data = _latest(cell)
                try:
                    weight = float(data.decode("ascii")) if data else None
                except (UnicodeDecodeError, ValueError):
                    raise ValueError(f"edge {col!r}: weight {data!r} is not a number") from None
                edges.append(Edge(col[n:].decode("utf-8"), weight))
        vertex.set_edges(edges)
        return True


def adjacency_rows(records: Iterable[tuple[Any, Any]], family: str) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
    """Adjacency text records (``id<TAB>dst dst:w ...``) -> HBase rows for :class:`HBaseVertexReader`."""
    reader = AdjacencyReader()
    fam = family.encode() + b":"
    for key, value in records:
        v: Vertex = Vertex()
        if not reader.parse_vertex(key, value, v):
            continue
        cells: dict[bytes, bytes] = {}
        for e in v.get_edges():
            w = e.get_value()
            cells[fam + str(e.get_destination_vertex_id()).encode()] = b"" if w is None else repr(float(w)).encode()
        if not cells:
            cells[fam] = b""
        yield str(v.get_vertex_id()).encode(), cells


def configure_hbase_input(job: BSPJob, table: str, edge_family: str = "edges", value_column: str = "") -> None:
    """Read the graph from *table* (``hbase`` input, :class:`HBaseVertexReader`, scan only the edge family)."""
    job.set("bsp.input.format.class", "hbase")
    job.set("bsp.runtime.partition.recordconverter", "hama_yarn.graph.hbase:HBaseVertexReader")
    job.set("hbase.mapreduce.inputtable", table)
    job.set(EDGE_FAMILY_KEY, edge_family)
    columns = [edge_family] + ([value_column] if value_column else [])
    job.set("hbase.mapreduce.scan.columns", " ".join(columns))
    if value_column:
        job.set(VALUE_COLUMN_KEY, value_column)


def configure_hbase_output(job: BSPJob, table: str, column: str = "cf:value") -> None:
    """Write ``(vertex id, value)`` into *table*: row = id, ``column`` = ``str(value)``."""
    job.set_output_format("hbase")
    job.set("hbase.mapred.outputtable", table)
    job.set("hbase.mapred.output.column", column)
