"""hama-yarn: Apache Hama's Bulk Synchronous Parallel (BSP) framework in Python, on YARN.

>>> from hama_yarn import BSP, BSPJob, Combiner
"""

from __future__ import annotations

from .bsp import BSP, BSPPeer, Combiner, HashPartitioner, Partitioner
from .client import Counters
from .config import HamaConfiguration
from .errors import HamaError
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
