"""Graph algorithms as vertex programs (Hama's examples plus the LDBC Graphalytics six).

Each module defines the vertex class(es) and a ``configure(job, ...)`` helper that
sets the job options the algorithm needs.  Examples under ``examples/graph/`` wrap
them in command lines.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["label_key", "ALGORITHMS"]

#: Algorithm name -> ``module:VertexClass``.
ALGORITHMS = {
    "pagerank": "hama_yarn.graph.algorithms.pagerank:PageRankVertex",
    "pagerank-graphalytics": "hama_yarn.graph.algorithms.pagerank:GraphalyticsPageRankVertex",
    "sssp": "hama_yarn.graph.algorithms.paths:SSSPVertex",
    "bfs": "hama_yarn.graph.algorithms.paths:BFSVertex",
    "mindist": "hama_yarn.graph.algorithms.components:MindistSearchVertex",
    "wcc": "hama_yarn.graph.algorithms.components:WCCVertex",
    "cdlp": "hama_yarn.graph.algorithms.cdlp:CDLPVertex",
    "lcc": "hama_yarn.graph.algorithms.lcc:LCCVertex",
    "inlink": "hama_yarn.graph.algorithms.inlink:InlinkCountVertex",
    "bipartite": "hama_yarn.graph.algorithms.bipartite:BipartiteMatchingVertex",
    "kcore": "hama_yarn.graph.algorithms.kcore:KCoreVertex",
    "semi": "hama_yarn.graph.algorithms.semicluster:SemiClusteringVertex",
}


def label_key(label: Any) -> tuple[int, Any]:
    """Order labels numerically when they are integers (Graphalytics ids), else as strings."""
    if isinstance(label, int):
        return (0, label)
    s = str(label)
    if s.isdigit() or (s[:1] == "-" and s[1:].isdigit()):
        return (0, int(s))
    return (1, s)
