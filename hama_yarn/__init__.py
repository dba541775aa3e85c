"""hama-yarn: Apache Hama's Bulk Synchronous Parallel (BSP) framework in Python, on YARN.

>>> from hama_yarn import BSP, BSPJob, Combiner
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .bsp import BSP, BSPPeer, Combiner, HashPartitioner, Partitioner
from .config import HamaConfiguration
from .errors import HamaError

if TYPE_CHECKING:
    from .client import Counters
    from .job import BSPJob

__version__ = "0.1.0"

__all__ = [
    "BSP",
    "BSPJob",
    "BSPPeer",
    "Combiner",
    "Counters",
    "HamaConfiguration",
    "HamaError",
    "HashPartitioner",
    "Partitioner",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The client side (BSPJob, Counters) loads on first use: master and peer
    # processes import hama_yarn.* without paying for it.
    if name == "BSPJob":
        from .job import BSPJob

        return BSPJob
    if name == "Counters":
        from .client import Counters

        return Counters
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
