"""Values shared by the graph algorithms and the vectorized runner (a leaf module: it imports nothing).

Kept out of :mod:`hama_yarn.graph.algorithms.paths` so that
:mod:`hama_yarn.graph.vectorized` can use them without importing the vertex
programs (which import :mod:`hama_yarn.graph.job`, which imports the vectorized runner).
"""

from __future__ import annotations

__all__ = ["UNREACHABLE_DEPTH"]

#: BFS depth of an unreachable vertex (Java's Long.MAX_VALUE, as Graphalytics writes it).
UNREACHABLE_DEPTH = 9223372036854775807
