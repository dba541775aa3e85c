"""A peer's receive queue (kept for imports): the queues live in :mod:`hama_yarn.messaging.queues`.

``IncomingQueue`` is the default :class:`~hama_yarn.messaging.queues.MemoryQueue`;
:func:`~hama_yarn.messaging.queues.create_queue` picks the one a job configures.
"""

from __future__ import annotations

from ..messaging.queues import MemoryQueue as IncomingQueue
from ..messaging.queues import MessageSet, ReceiveQueue

__all__ = ["IncomingQueue", "MessageSet", "ReceiveQueue"]
