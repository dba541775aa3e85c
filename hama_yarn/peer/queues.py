"""Message queues of a peer, behind small classes a checkpoint hook can wrap.

:class:`IncomingQueue` holds received message lists by the superstep they were
sent in; :meth:`IncomingQueue.take` hands over one superstep's messages after its
barrier.  Fault tolerance will wrap it to persist what it hands over.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["IncomingQueue"]


class IncomingQueue:
    """Received messages keyed by superstep (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_step: dict[int, list[list[Any]]] = {}

    def add(self, superstep: int, messages: list[Any]) -> None:
        """Queue *messages* that were sent in *superstep*."""
        with self._lock:
            self._by_step.setdefault(superstep, []).append(messages)

    def take(self, superstep: int) -> list[Any]:
        """Remove and return every message sent in *superstep*, as one list."""
        with self._lock:
            lists = self._by_step.pop(superstep, [])
        if len(lists) == 1:
            return lists[0]
        out: list[Any] = []
        for lst in lists:
            out.extend(lst)
        return out

    def pending_supersteps(self) -> list[int]:
        """Supersteps with messages not yet taken (for diagnostics)."""
        with self._lock:
            return sorted(self._by_step)
