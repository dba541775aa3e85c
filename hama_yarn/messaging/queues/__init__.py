"""Receive queues, selected by ``hama.messenger.receive.queue.class``.

=========  ==========================================  ========================================
name       Hama class name                             behaviour
=========  ==========================================  ========================================
memory     org.apache.hama.bsp.message.queue.          every message in memory (the default)
           MemoryQueue
sorted     ...SortedMemoryQueue                        in memory, handed over sorted
disk       ...DiskQueue                                every bundle to local disk on arrival
spilling   ...SpillingQueue                            memory up to
                                                       ``hama.messenger.spill.threshold.bytes``,
                                                       the rest on disk
=========  ==========================================  ========================================

A dotted path ``package.module:Class`` selects a third-party :class:`ReceiveQueue`.
"""

from __future__ import annotations

from typing import Any

from ...errors import ConfigError
from .base import MessageSet, ReceiveQueue, message_size
from .disk import DiskQueue, SpillingQueue
from .localdirs import SpillDir, remove_job_spill, spill_roots
from .memory import MemoryQueue, SortedMemoryQueue

__all__ = [
    "ReceiveQueue", "MessageSet", "MemoryQueue", "SortedMemoryQueue", "DiskQueue", "SpillingQueue",
    "SpillDir", "QUEUES", "KEY", "queue_class", "create_queue", "remove_job_spill", "spill_roots", "message_size",
]

KEY = "hama.messenger.receive.queue.class"

#: Short names (and Hama's class names, with or without package) -> class.
QUEUES: dict[str, type[ReceiveQueue]] = {
    "memory": MemoryQueue,
    "sorted": SortedMemoryQueue,
    "disk": DiskQueue,
    "spilling": SpillingQueue,
}
_HAMA_PACKAGE = "org.apache.hama.bsp.message.queue."
for _cls in (MemoryQueue, SortedMemoryQueue, DiskQueue, SpillingQueue):
    QUEUES[_cls.__name__.lower()] = _cls
    QUEUES[(_HAMA_PACKAGE + _cls.__name__).lower()] = _cls


def queue_class(conf: Any) -> type[ReceiveQueue]:
    """The receive-queue class *conf* selects.

    Raises
    ------
    ConfigError
        Naming the key and the accepted values when the value is unknown.
    """
    value = ((conf.get(KEY) if conf is not None else None) or "memory").strip()
    cls = QUEUES.get(value.lower())
    if cls is not None:
        return cls
    if ":" in value:
        from ...plugins import load_object

        obj = load_object(value, KEY)
        if isinstance(obj, type) and issubclass(obj, ReceiveQueue):
            return obj
        raise ConfigError(KEY, f"{value} is not a ReceiveQueue subclass")
    raise ConfigError(KEY, f"unknown receive queue {value!r}; choose one of memory, sorted, disk, spilling "
                           "(or Hama's class names, or package.module:Class)")


def create_queue(conf: Any, job_id: str, index: int) -> ReceiveQueue:
    """The receive queue of peer *index* (with its spill directory if it uses the disk)."""
    cls = queue_class(conf)
    spill = SpillDir.for_peer(conf, job_id, index) if cls.uses_disk else None
    return cls(conf, spill)
