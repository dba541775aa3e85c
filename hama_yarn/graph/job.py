"""``GraphJob``: a :class:`~hama_yarn.BSPJob` that runs a vertex program (Hama's ``GraphJob``)."""

from __future__ import annotations

import logging
from typing import Any

from ..bsp import Combiner, Partitioner
from ..config import HamaConfiguration
from ..errors import ConfigError
from ..job import BSPJob
from ..plugins import class_path
from .aggregators import AGGREGATORS, Aggregator
from .readers import GRAPH_INPUT_FORMATS, VertexInputReader
from .runner import (
    AGGREGATOR_CLASS,
    COMBINER_CLASS,
    MAX_ITERATION,
    READER_CLASS,
    VERTEX_CLASS,
    WRITER_CLASS,
    aggregator_classes,
    load_class,
)
from .vertex import Vertex

log = logging.getLogger(__name__)

__all__ = ["GraphJob"]

RUNNER = "hama_yarn.graph.runner:GraphJobRunner"
VECTORIZED_RUNNER = "hama_yarn.graph.vectorized:VectorizedGraphRunner"
VECTORIZED_ALGORITHM = "hama.graph.vectorized.algorithm"


def _name(obj: type | str) -> str:
    return obj if isinstance(obj, str) else class_path(obj)


class GraphJob(BSPJob):
    """A Pregel-style graph job.  Hama: ``org.apache.hama.graph.GraphJob``.

    Parameters
    ----------
    conf : HamaConfiguration, optional
        Base configuration.
    vertex_class : type or str, optional
        The :class:`~hama_yarn.graph.Vertex` subclass.

    Notes
    -----
    The BSP class is always :class:`~hama_yarn.graph.runner.GraphJobRunner`, the core's
    runtime partitioning is off (the runner routes vertices itself) and the default
    input format is ``adjacency``.  :meth:`set_combiner_class` sets
    ``hama.graph.combiner.class``: the combiner is applied per destination **vertex**
    by the runner, not per destination peer by the core.

    Examples
    --------
    >>> job = GraphJob(vertex_class=MyVertex)        # doctest: +SKIP
    >>> job.set_input_path("graph.txt")              # doctest: +SKIP
    >>> job.set_output_path("out")                   # doctest: +SKIP
    >>> job.set_max_iteration(30)                    # doctest: +SKIP
    >>> job.wait_for_completion()                    # doctest: +SKIP
    True
    """

    def __init__(self, conf: HamaConfiguration | None = None, vertex_class: type[Vertex] | str | None = None) -> None:
        super().__init__(conf, RUNNER)
        self.set("bsp.input.runtime.partitioning", "false")
        if not self.get(READER_CLASS):
            self.set_input_format("adjacency")
        if vertex_class is not None:
            self.set_vertex_class(vertex_class)

    def set_vertex_class(self, cls: type[Vertex] | str) -> None:
        """``hama.graph.vertex.class``."""
        self.set(VERTEX_CLASS, _name(cls))

    def set_vertex_input_reader_class(self, cls: type[VertexInputReader] | str) -> None:
        """The vertex input reader (``bsp.runtime.partition.recordconverter``)."""
        self.set(READER_CLASS, _name(cls))

    def set_vertex_output_writer_class(self, cls: type | str) -> None:
        """``hama.graph.vertex.output.writer.class``: a class with ``write(vertex, peer)``."""
        self.set(WRITER_CLASS, _name(cls))

    def set_max_iteration(self, n: int) -> None:
        """``hama.graph.max.iteration``: iterations 0..n run (n <= 0: until every vertex halts)."""
        self.set(MAX_ITERATION, int(n))

    def get_max_iteration(self) -> int:
        """``hama.graph.max.iteration``."""
        return self.conf.get_int(MAX_ITERATION, -1)

    def set_aggregator_class(self, *classes: type[Aggregator] | str) -> None:
        """``hama.graph.aggregator.class``: aggregator *i* is ``classes[i]``.

        Names ``sum``, ``min``, ``max``, ``absdiff``, ``average`` select the built-ins.
        """
        names = [AGGREGATORS.get(c.lower(), c) if isinstance(c, str) else _name(c) for c in classes]
        self.set(AGGREGATOR_CLASS, ";".join(names))

    def set_combiner_class(self, cls: type[Combiner] | str) -> None:
        """``hama.graph.combiner.class``: combines the messages to one vertex from one peer."""
        self.set(COMBINER_CLASS, _name(cls))

    def set_vectorized(self, on: bool = True, algorithm: str | None = None) -> None:
        """Run on the vectorized numpy path (:mod:`hama_yarn.graph.vectorized`) instead of vertex objects.

        Parameters
        ----------
        on : bool
            True selects :class:`~hama_yarn.graph.vectorized.VectorizedGraphRunner`,
            False the Vertex API runner again.
        algorithm : str, optional
            ``pagerank``, ``pagerank-hama``, ``sssp``, ``bfs`` or ``wcc``; by default it
            follows the vertex class (``GraphalyticsPageRankVertex`` -> ``pagerank``, ...).
        """
        self.set_bsp_class(VECTORIZED_RUNNER if on else RUNNER)
        if algorithm is not None:
            self.set(VECTORIZED_ALGORITHM, algorithm)

    def is_vectorized(self) -> bool:
        """True when :meth:`set_vectorized` selected the numpy path."""
        return self.conf.get("bsp.work.class") == VECTORIZED_RUNNER

    def set_input_format(self, fmt: type | str) -> None:
        """``adjacency``, ``edgelist``, ``json``, ``sequencefile`` (graph readers) or a core format."""
        if isinstance(fmt, str) and fmt in GRAPH_INPUT_FORMATS:
            core, reader = GRAPH_INPUT_FORMATS[fmt]
            super().set_input_format(core)
            self.set_vertex_input_reader_class(reader)
        else:
            super().set_input_format(fmt)

    def set_partitioner_class(self, cls: type[Partitioner] | str) -> None:
        """``bsp.input.partitioner.class``: maps a vertex id to its owner peer."""
        super().set_partitioner_class(cls)

    def submit(self, detach: bool = False) -> None:
        """Check the graph classes, then submit (see :meth:`BSPJob.submit`).

        Raises
        ------
        ConfigError
            No vertex class, or a class of the wrong kind.
        """
        conf = self.conf
        if not conf.get(VERTEX_CLASS):
            raise ConfigError(VERTEX_CLASS, "no vertex class set (GraphJob.set_vertex_class)")
        load_class(conf, VERTEX_CLASS, Vertex)
        load_class(conf, READER_CLASS, VertexInputReader)
        load_class(conf, COMBINER_CLASS, Combiner)
        aggregator_classes(conf)
        if self.is_vectorized():
            from .vectorized import algorithm_for

            algorithm_for(conf.get(VERTEX_CLASS), conf.get(VECTORIZED_ALGORITHM))
        super().submit(detach)


def graph_job(vertex_class: type[Vertex] | str, conf: HamaConfiguration | None = None, **settings: Any) -> GraphJob:
    """A :class:`GraphJob` with extra configuration keys set from *settings* (``a_b`` -> ``a.b``)."""
    job = GraphJob(conf, vertex_class)
    for k, v in settings.items():
        job.set(k.replace("_", "."), v)
    return job
