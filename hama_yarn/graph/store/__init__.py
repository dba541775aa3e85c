"""Where a Vertex API peer keeps its vertices: ``hama.graph.vertices.store.class``.

``memory`` (default)
    Vertex objects in a dict (Hama's ``MapVerticesInfo``/``ListVerticesInfo``).
``disk``
    :class:`~hama_yarn.graph.store.disk.DiskVertexStore`: serialized vertices in a file
    on a local disk, streamed through a bounded window every iteration (Hama 0.6's
    ``DiskVerticesInfo``), for partitions larger than the container's memory.

Hama's key ``hama.graph.vertices.info`` (used when ``hama.graph.vertices.store.class`` is
left at ``memory``) and its class names (with or without the ``org.apache.hama.graph.``
package) are accepted too.
:mod:`hama_yarn.graph.store.mmap` memory-maps the vectorized runner's arrays
(``hama.graph.vectorized.mmap``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from .disk import CACHE_KEY, DiskVertexStore
from .localdir import task_tag

if TYPE_CHECKING:
    from ...config import HamaConfiguration

__all__ = ["STORE_KEY", "HAMA_STORE_KEY", "CACHE_KEY", "store_kind", "open_store", "DiskVertexStore"]

STORE_KEY = "hama.graph.vertices.store.class"
#: Hama 0.7's key (a VerticesInfo class).
HAMA_STORE_KEY = "hama.graph.vertices.info"

_NAMES = {
    "memory": "memory", "map": "memory", "list": "memory",
    "mapverticesinfo": "memory", "listverticesinfo": "memory",
    "disk": "disk", "diskverticesinfo": "disk",
}


def store_kind(conf: HamaConfiguration) -> str:
    """``memory`` or ``disk`` from the configuration.

    Raises
    ------
    ConfigError
        An unknown store name.
    """
    key = STORE_KEY
    name = (conf.get(STORE_KEY) or "").strip()
    hama = (conf.get(HAMA_STORE_KEY) or "").strip()
    if hama and name in ("", "memory"):  # the default: Hama's key, when set, decides
        key, name = HAMA_STORE_KEY, hama
    if not name:
        return "memory"
    short = name.rpartition(".")[2].rpartition(":")[2].lower()
    kind = _NAMES.get(short)
    if kind is None:
        raise ConfigError(key, f"unknown vertex store {name!r}: use memory or disk "
                               "(or Hama's MapVerticesInfo / ListVerticesInfo / DiskVerticesInfo)")
    return kind


def open_store(conf: HamaConfiguration, peer: Any, index: int) -> DiskVertexStore | None:
    """The store of *peer* (index *index*): None for ``memory`` (the runner's dict), else a disk store."""
    if store_kind(conf) == "disk":
        return DiskVertexStore(conf, index, task_tag(peer, index))
    return None
