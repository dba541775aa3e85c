"""Hama's graph package: Pregel-style vertex programs on the BSP core.

>>> from hama_yarn.graph import GraphJob, Vertex, Edge
"""

from __future__ import annotations

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
