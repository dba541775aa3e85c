"""Hama's graph package: Pregel-style vertex programs on the BSP core.

>>> from hama_yarn.graph import GraphJob, Vertex, Edge
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aggregators import (
        AbsDiffAggregator,
        AbstractAggregator,
        Aggregator,
        AverageAggregator,
        MaxAggregator,
        MinAggregator,
        SumAggregator,
    )
    from .job import GraphJob
    from .readers import AdjacencyReader, EdgeListReader, JsonReader, SequenceFileReader, VertexInputReader
    from .runner import GraphError, GraphJobRunner
    from .vertex import Edge, Vertex

__all__ = [
    "AbsDiffAggregator",
    "AbstractAggregator",
    "AdjacencyReader",
    "Aggregator",
    "AverageAggregator",
    "Edge",
    "EdgeListReader",
    "GraphError",
    "GraphJob",
    "GraphJobRunner",
    "JsonReader",
    "MaxAggregator",
    "MinAggregator",
    "SequenceFileReader",
    "SumAggregator",
    "Vertex",
    "VertexInputReader",
]

# Loaded on first use (PEP 562): `hama` lists the algorithms of hama_yarn.graph.algorithms
# at start-up without importing the graph runtime (readers, fsspec, numpy paths).
_MODULES = {
    "aggregators": ("AbsDiffAggregator", "AbstractAggregator", "Aggregator", "AverageAggregator", "MaxAggregator",
                    "MinAggregator", "SumAggregator"),
    "job": ("GraphJob",),
    "readers": ("AdjacencyReader", "EdgeListReader", "JsonReader", "SequenceFileReader", "VertexInputReader"),
    "runner": ("GraphError", "GraphJobRunner"),
    "vertex": ("Edge", "Vertex"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
