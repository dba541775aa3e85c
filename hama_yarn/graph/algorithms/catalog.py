"""Every algorithm of the graph package by name, with the options a command line can set.

:func:`configure` sets up a :class:`~hama_yarn.graph.GraphJob` for one algorithm the way
``hama graph ALGORITHM`` (:mod:`hama_yarn.cli.graph`) runs it.

>>> job = GraphJob()                                            # doctest: +SKIP
>>> configure(job, "bfs", source="1")                           # doctest: +SKIP
"""

from __future__ import annotations

import logging

from ...errors import UsageError
from ..job import GraphJob
from . import ALGORITHMS, bipartite, cdlp, components, inlink, kcore, lcc, pagerank, paths, semicluster

log = logging.getLogger(__name__)

__all__ = ["ALGORITHM_NAMES", "NEEDS_SOURCE", "DESCRIPTIONS", "DEFAULT_ITERATIONS", "configure"]

#: Algorithm names in the order a help text lists them.
ALGORITHM_NAMES: list[str] = list(ALGORITHMS)

#: Algorithms that need a source vertex.
NEEDS_SOURCE = frozenset({"sssp", "bfs"})

#: Default ``--iterations`` of the algorithms that take one.
DEFAULT_ITERATIONS = {"pagerank": 30, "pagerank-graphalytics": 10, "mindist": 30, "cdlp": 10, "bipartite": 30,
                      "semi": 10}

#: One line per algorithm (for help texts).
DESCRIPTIONS = {
    "pagerank": "Hama's PageRank (damping, max iterations, convergence error)",
    "pagerank-graphalytics": "LDBC Graphalytics PageRank (fixed number of iterations)",
    "sssp": "single-source shortest paths from --source (edge values are weights, default 1)",
    "bfs": "breadth-first search depth from --source",
    "mindist": "Hama's MindistSearch (component labels by minimum id)",
    "wcc": "weakly connected components (Graphalytics)",
    "cdlp": "community detection by label propagation (Graphalytics)",
    "lcc": "local clustering coefficient (Graphalytics)",
    "inlink": "in-link count",
    "bipartite": "Hama's bipartite matching (input 'A L:B D')",
    "kcore": "k-core decomposition (symmetric adjacency input)",
    "semi": "semi-clustering (Hama's semi-cluster job)",
}


def configure(job: GraphJob, name: str, *, source: str | None = None, iterations: int | None = None,
              damping: float = 0.85, seed: int | None = None, semi_reader: bool = False) -> None:
    """Set up *job* to run algorithm *name*.

    Parameters
    ----------
    job : GraphJob
        The job (input, output and formats are the caller's).
    name : str
        One of :data:`ALGORITHM_NAMES`.
    source : str, optional
        Source vertex id (``sssp``, ``bfs``; required there).
    iterations : int, optional
        Iterations of ``pagerank``, ``pagerank-graphalytics``, ``mindist``, ``cdlp``,
        ``bipartite``, ``semi`` (defaults: :data:`DEFAULT_ITERATIONS`).
    damping : float
        PageRank damping factor.
    seed : int, optional
        ``bipartite``: random seed.
    semi_reader : bool
        ``semi``: read Hama's semi-clustering input ``id<TAB>nbr-w,nbr-w`` instead of adjacency.

    Raises
    ------
    UsageError
        Unknown algorithm, or ``sssp``/``bfs`` without a source.
    """
    if name not in ALGORITHMS:
        raise UsageError(f"unknown graph algorithm {name!r}; known: {', '.join(ALGORITHM_NAMES)}")
    if name in NEEDS_SOURCE and not source:
        raise UsageError(f"{name} needs a source vertex (--source ID)")
    if iterations is not None and iterations <= 0:
        raise UsageError(f"iterations must be positive, got {iterations}")
    it = iterations or DEFAULT_ITERATIONS.get(name, 0)
    if name == "pagerank":
        pagerank.configure_hama(job, damping, it)
    elif name == "pagerank-graphalytics":
        pagerank.configure_graphalytics(job, damping, it)
    elif name == "sssp":
        paths.configure_sssp(job, str(source))
    elif name == "bfs":
        paths.configure_bfs(job, str(source))
    elif name == "mindist":
        components.configure_mindist(job, it)
    elif name == "wcc":
        components.configure_wcc(job)
    elif name == "cdlp":
        cdlp.configure_cdlp(job, it)
    elif name == "lcc":
        lcc.configure_lcc(job)
    elif name == "bipartite":
        bipartite.configure_bipartite(job, it, seed)
    elif name == "kcore":
        kcore.configure_kcore(job)
    elif name == "semi":
        if semi_reader:
            job.set_vertex_input_reader_class(semicluster.SemiClusterReader)
        semicluster.configure_semicluster(job, it)
    else:
        inlink.configure_inlink(job)
