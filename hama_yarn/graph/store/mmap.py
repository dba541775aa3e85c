"""Memory-mapped arrays for the vectorized graph runner (``hama.graph.vectorized.mmap``).

With ``hama.graph.vectorized.mmap=true`` a peer writes its part of the graph (the CSR
routes, the receive indices, the out-degrees and integer ids) to ``.npy`` files on a
local disk (:mod:`~hama_yarn.graph.store.localdir`) and continues on
``numpy.memmap`` views of them; the per-vertex vectors of PageRank (values, the
contributions sent, the accumulated sums) are file-backed too.  The kernel then keeps
in memory only the pages in use and writes clean ones back to the file instead of
needing RAM for the whole partition.  Results are bit-identical: the same numpy
operations run on the same values.  The files are deleted when the job ends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .localdir import ScratchDir, task_tag

if TYPE_CHECKING:
    from ...config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["MMAP_KEY", "ArrayFiles", "open_arrays"]

MMAP_KEY = "hama.graph.vectorized.mmap"


class ArrayFiles:
    """numpy arrays backed by files in a scratch directory.

    Parameters
    ----------
    conf : HamaConfiguration
        Picks the local directory.
    index : int
        The peer index (chooses the disk).
    """

    def __init__(self, conf: HamaConfiguration, index: int, tag: str | None = None) -> None:
        self.dir = ScratchDir(conf, f"hama-arrays-{tag or f'p{index}'}-", index, replaces_stale=tag is not None)
        self._n = 0
        self.bytes = 0

    def empty(self, shape: int | tuple[int, ...], dtype: Any = np.float64) -> Any:
        """A new file-backed array (uninitialised contents)."""
        shape_t = (shape,) if isinstance(shape, int) else tuple(shape)
        if 0 in shape_t:
            return np.empty(shape_t, dtype=dtype)  # a file cannot map zero bytes
        self._n += 1
        arr = np.lib.format.open_memmap(str(self.dir.file(f"a{self._n}.npy")), mode="w+", dtype=dtype,
                                        shape=shape_t)
        self.bytes += int(arr.nbytes)
        return arr

    def full(self, shape: int, value: float, dtype: Any = np.float64) -> Any:
        """A file-backed array filled with *value*."""
        arr = self.empty(shape, dtype)
        arr.fill(value)
        return arr

    def put(self, a: Any) -> Any:
        """A file-backed copy of ndarray *a* (anything else, or an empty array, is returned as is)."""
        if not isinstance(a, np.ndarray) or a.size == 0 or a.dtype.hasobject:
            return a
        out = self.empty(a.shape, a.dtype)
        out[...] = a
        out.flush()
        return out

    def graph(self, g: Any) -> Any:
        """Move a :class:`~hama_yarn.graph.vecload.LocalGraph`'s arrays into files (in place; returns *g*)."""
        g.ids = self.put(g.ids)
        g.outdeg = self.put(g.outdeg)
        g.recv = [self.put(r) for r in g.recv]
        for r in g.routes:
            r.indices = self.put(r.indices)
            r.indptr = self.put(r.indptr)
            r.weight = self.put(r.weight)
        log.debug("vectorized graph memory-mapped from %s (%d bytes)", self.dir.path, self.bytes)
        return g

    def close(self) -> None:
        """Delete the files (mapped arrays still referenced stay readable until unmapped)."""
        self.dir.close()


def open_arrays(conf: HamaConfiguration, peer: Any, index: int) -> ArrayFiles | None:
    """An :class:`ArrayFiles` for *peer* when ``hama.graph.vectorized.mmap`` is true, else None."""
    if conf.get_bool(MMAP_KEY, False):
        return ArrayFiles(conf, index, task_tag(peer, index))
    return None
