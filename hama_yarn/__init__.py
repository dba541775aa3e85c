"""hama-yarn: Apache Hama's Bulk Synchronous Parallel (BSP) framework in Python, on YARN.

>>> from hama_yarn import BSP, BSPJob, Combiner
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

_collecting = gc.isenabled()
gc.disable()  # as util.without_gc does (the package's modules are tens of thousands of lasting objects)
try:
    from .bsp import BSP, BSPPeer, Combiner, HashPartitioner, Partitioner
    from .config import HamaConfiguration
    from .errors import HamaError
finally:
    if _collecting:
        gc.enable()

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
    from .util import without_gc

    if name == "BSPJob":
        return without_gc(lambda: __import__("hama_yarn.job", fromlist=["BSPJob"]).BSPJob)
    if name == "Counters":
        return without_gc(lambda: __import__("hama_yarn.client", fromlist=["Counters"]).Counters)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
