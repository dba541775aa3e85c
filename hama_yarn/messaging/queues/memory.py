"""In-memory receive queues: ``memory`` (Hama's MemoryQueue) and ``sorted`` (SortedMemoryQueue)."""

from __future__ import annotations

from typing import Any

from ...errors import MessagingError
from .base import MessageSet, ReceiveQueue, message_size

__all__ = ["MemoryQueue", "SortedMemoryQueue"]


class MemoryQueue(ReceiveQueue):
    """Every received message stays in memory until its superstep's messages are read."""

    name = "memory"

    def __init__(self, conf: Any = None, spill_dir: Any = None) -> None:
        super().__init__(conf, spill_dir)
        self._by_step: dict[int, list[list[Any]]] = {}
        self._bytes: dict[int, int] = {}

    def _put(self, superstep: int, messages: list[Any], nbytes: int) -> None:
        with self._lock:
            self._by_step.setdefault(superstep, []).append(messages)
            self._bytes[superstep] = self._bytes.get(superstep, 0) + nbytes

    def add(self, superstep: int, messages: list[Any]) -> None:
        """Queue *messages* sent in *superstep*."""
        n = len(messages)
        est = n * message_size(messages[0]) if n else 0
        self._put(superstep, messages, est)

    def add_bundle(self, superstep: int, source: int, bundle: bytes | memoryview, messages: list[Any]) -> None:
        """Queue a received bundle's decoded messages."""
        self._put(superstep, messages, len(bundle))

    def _pop(self, superstep: int) -> list[list[Any]]:
        with self._lock:
            self._bytes.pop(superstep, None)
            return self._by_step.pop(superstep, [])

    def take(self, superstep: int, carry: MessageSet | None = None) -> MessageSet:
        """Every message sent in *superstep*, in arrival order."""
        lists = self._pop(superstep)
        if len(lists) == 1:
            ms = MessageSet.of(lists[0])
        else:
            ms = MessageSet(lists, sum(map(len, lists)))
        return self._with_carry(ms, carry)

    def memory_bytes(self) -> int:
        """Bytes held (bundle sizes; an estimate for a peer's messages to itself)."""
        with self._lock:
            return sum(self._bytes.values())

    def pending_supersteps(self) -> list[int]:
        """Supersteps not taken yet."""
        with self._lock:
            return sorted(self._by_step)

    def close(self) -> None:
        """Drop everything."""
        with self._lock:
            self._by_step.clear()
            self._bytes.clear()


class SortedMemoryQueue(MemoryQueue):
    """Like :class:`MemoryQueue`, but a superstep's messages are handed over sorted.

    Messages must be mutually comparable (Hama: ``WritableComparable``); with
    ``hama.queue.behaviour.persistent`` the carried messages are merged in order.
    """

    name = "sorted"

    def take(self, superstep: int, carry: MessageSet | None = None) -> MessageSet:
        """Every message sent in *superstep* (and *carry*'s), in ascending order."""
        msgs: list[Any] = []
        for lst in self._pop(superstep):
            msgs.extend(lst)
        if carry is not None:
            msgs.extend(carry)
        try:
            msgs.sort()
        except TypeError as exc:
            raise MessagingError(
                f"the sorted receive queue cannot order the messages of superstep {superstep}: {exc} "
                "(messages must be comparable; set hama.messenger.receive.queue.class=memory)") from exc
        return MessageSet.of(msgs)
