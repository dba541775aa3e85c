"""The native thread pools of a peer process (BLAS, OpenMP), sized to the peer's share of the CPUs.

NumPy's OpenBLAS (and MKL, OpenMP code, numexpr) starts one thread per CPU of the host
when it is loaded.  Several peers on one host (local mode, a groom's slots, YARN
containers of one vcore) then run ``peers x CPUs`` threads that take the CPUs from each
other, and the pools cost CPU to start in every peer.  A peer process therefore sets the
usual variables before the user's code loads any of these libraries, as PySpark sets
``OMP_NUM_THREADS`` to ``spark.task.cpus``: ``hama.peer.native.threads`` if set, else in
local mode the host's CPUs divided among the job's peers, else the container's
``hama.yarn.peer.vcores``.  A variable the user set in the environment is kept.
"""

from __future__ import annotations

import logging
import os
import sys

from ..config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["native_threads", "limit_native_threads", "THREAD_VARIABLES"]

#: The environment variables the common native thread pools read when they are loaded.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def _host_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def native_threads(conf: HamaConfiguration) -> int:
    """Threads for a peer's native pools: ``hama.peer.native.threads`` when > 0; else in local
    mode the host's CPUs divided among ``bsp.peers.num`` peers (at least 1); else
    ``hama.yarn.peer.vcores``."""
    n = conf.get_int("hama.peer.native.threads", 0)
    if n > 0:
        return n
    if (conf.get("bsp.master.address") or "local").strip() == "local":
        return max(1, _host_cpus() // max(1, conf.get_int("bsp.peers.num", 1)))
    return max(1, conf.get_int("hama.yarn.peer.vcores", 1))


def limit_native_threads(conf: HamaConfiguration) -> int | None:
    """Set :data:`THREAD_VARIABLES` (those the user did not set) to :func:`native_threads` in this
    process; None, and nothing set, once NumPy is loaded (its pool is sized already)."""
    if "numpy" in sys.modules:
        return None
    n = native_threads(conf)
    for var in THREAD_VARIABLES:
        os.environ.setdefault(var, str(n))
    log.debug("native thread pools: %d thread(s)", n)
    return n
