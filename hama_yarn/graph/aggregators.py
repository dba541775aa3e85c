"""Aggregators: global reductions over vertex contributions (Hama's ``*Aggregator``).

Flow per superstep: a vertex calls ``aggregate(index, value)``; the peer-local
aggregator folds it in (:meth:`Aggregator.aggregate`, or for an
:class:`AbstractAggregator` :meth:`AbstractAggregator.aggregate_vertex` with the
vertex's previous value, counting the contributions).  At the end of the superstep
every peer ships its partial ``(value, times)`` to all peers; each peer folds the
partials in peer order into a fresh aggregator with :meth:`Aggregator.aggregate`,
sums the counts and applies :meth:`AbstractAggregator.finalize_aggregation`.
Vertices read the result in the next superstep.

Difference from Hama: on the vertex side an :class:`AbstractAggregator` only sees
``aggregate(old, new)`` (Hama also feeds ``aggregate(new)``, which makes
``AbsDiffAggregator`` add the values themselves to the differences).
"""

from __future__ import annotations

import logging
import math
from typing import Any

log = logging.getLogger(__name__)

__all__ = [
    "Aggregator",
    "AbstractAggregator",
    "SumAggregator",
    "MinAggregator",
    "MaxAggregator",
    "AbsDiffAggregator",
    "AverageAggregator",
    "AGGREGATORS",
]


def _number(agg: object, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{type(agg).__name__} aggregates numbers, got {type(value).__name__} {value!r}")
    return value


class Aggregator:
    """Folds values into one.  Hama: ``Aggregator<M>``."""

    def aggregate(self, value: Any) -> None:
        """Fold in *value*."""
        raise NotImplementedError

    def get_value(self) -> Any:
        """The aggregate so far."""
        raise NotImplementedError


class AbstractAggregator(Aggregator):
    """An aggregator that also sees the vertex's previous value and counts contributions."""

    def __init__(self) -> None:
        self.times_aggregated = 0

    def aggregate_vertex(self, old_value: Any, new_value: Any) -> None:
        """Fold in one vertex contribution (old and new value)."""
        raise NotImplementedError

    def get_times_aggregated(self) -> int:
        """How many vertices contributed."""
        return self.times_aggregated

    def finalize_aggregation(self) -> Any:
        """The final global value (None: keep :meth:`get_value`)."""
        return None


class SumAggregator(Aggregator):
    """Sum of the values (starts at 0)."""

    def __init__(self) -> None:
        self.value: float | int = 0

    def aggregate(self, value: Any) -> None:
        self.value += _number(self, value)

    def get_value(self) -> Any:
        return self.value


class MinAggregator(Aggregator):
    """Minimum of the values (None when nothing was aggregated)."""

    def __init__(self) -> None:
        self.value: Any = None

    def aggregate(self, value: Any) -> None:
        if value is not None and (self.value is None or value < self.value):
            self.value = value

    def get_value(self) -> Any:
        return self.value


class MaxAggregator(Aggregator):
    """Maximum of the values (None when nothing was aggregated)."""

    def __init__(self) -> None:
        self.value: Any = None

    def aggregate(self, value: Any) -> None:
        if value is not None and (self.value is None or value > self.value):
            self.value = value

    def get_value(self) -> Any:
        return self.value


class AbsDiffAggregator(AbstractAggregator):
    """Sum of ``|old - new|`` over the vertices (a None old value is ignored)."""

    def __init__(self) -> None:
        super().__init__()
        self.value = 0.0

    def aggregate_vertex(self, old_value: Any, new_value: Any) -> None:
        if old_value is not None:
            self.value += abs(_number(self, old_value) - _number(self, new_value))

    def aggregate(self, value: Any) -> None:
        self.value += _number(self, value)

    def get_value(self) -> Any:
        return self.value


class AverageAggregator(AbsDiffAggregator):
    """Average of ``|old - new|`` over the contributing vertices."""

    def finalize_aggregation(self) -> Any:
        if self.times_aggregated == 0:
            return math.nan
        return self.value / self.times_aggregated


#: Short names accepted by ``GraphJob.set_aggregator_class``.
AGGREGATORS = {
    "sum": "hama_yarn.graph.aggregators:SumAggregator",
    "min": "hama_yarn.graph.aggregators:MinAggregator",
    "max": "hama_yarn.graph.aggregators:MaxAggregator",
    "absdiff": "hama_yarn.graph.aggregators:AbsDiffAggregator",
    "abs-diff": "hama_yarn.graph.aggregators:AbsDiffAggregator",
    "average": "hama_yarn.graph.aggregators:AverageAggregator",
    "avg": "hama_yarn.graph.aggregators:AverageAggregator",
}
