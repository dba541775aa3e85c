"""The receive-queue plug-in contract and the one-pass message set it hands over.

A :class:`ReceiveQueue` stores what a peer receives, keyed by the superstep the
messages were sent in, from the moment a bundle arrives until the barrier of that
superstep has passed; :meth:`ReceiveQueue.take` then hands the superstep's messages
over as a :class:`MessageSet`: read once, each sender's messages in send order (the
memory queues: in arrival order; the disk queues: sender by sender),
its disk files deleted as they are read and when it is closed.

The contract is narrow on purpose (``add``, ``add_bundle``, ``take``,
``memory_bytes``, ``close``); ``tests/contract/test_queue_contract.py`` runs the
same suite against every implementation, third-party ones included.  A queue that
stores bundles as they are sets ``decodes_on_arrival = False``: the receiver then hands
it bundles whose message count their header tells (:func:`~hama_yarn.messaging.codec.bundle_count`)
undecoded, through :meth:`ReceiveQueue.add_encoded`.
"""

from __future__ import annotations

import itertools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ...errors import MessagingError

__all__ = ["ReceiveQueue", "MessageSet", "message_size"]

_END = object()


def message_size(msg: Any) -> int:
    """A cheap estimate of one message's serialized size in bytes (for buffer caps)."""
    if isinstance(msg, (bytes, bytearray, str)):
        return len(msg) + 8
    nbytes = getattr(msg, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes + 64
    return 16


def _call_all(callbacks: list[Callable[[], None]]) -> Callable[[], None]:
    def run() -> None:
        for cb in callbacks:
            cb()

    return run


class MessageSet:
    """One superstep's received messages: counted up front, read once, in order.

    Parameters
    ----------
    chunks : iterable of list
        The messages as consecutive lists (loaded lazily: a disk queue's iterator
        reads and decodes one bundle at a time).
    count : int
        Total number of messages in *chunks*.
    on_close : callable, optional
        Called once, when the set is closed or read to the end (deletes spill files).
    """

    __slots__ = ("_chunks", "_cur", "_pos", "_remaining", "_on_close")

    def __init__(self, chunks: Iterable[list[Any]] = (), count: int = 0,
                 on_close: Callable[[], None] | None = None) -> None:
        self._chunks: Iterator[list[Any]] = iter(chunks)
        self._cur: list[Any] = []
        self._pos = 0
        self._remaining = count
        self._on_close = on_close

    @classmethod
    def of(cls, messages: list[Any]) -> MessageSet:
        """A set holding the list *messages* (in memory)."""
        ms = cls((), len(messages))
        ms._cur = messages
        return ms

    def __len__(self) -> int:
        return self._remaining

    def next(self, default: Any = None) -> Any:
        """The next message, or *default* when none is left (the set is then closed)."""
        pos = self._pos
        cur = self._cur
        if pos < len(cur):
            self._pos = pos + 1
            self._remaining -= 1
            return cur[pos]
        for chunk in self._chunks:
            if chunk:
                self._cur, self._pos = chunk, 1
                self._remaining -= 1
                return chunk[0]
        self._cur, self._pos = [], 0
        self.close()
        return default

    def __iter__(self) -> Iterator[Any]:
        cur, pos = self._cur, self._pos
        self._cur, self._pos = [], 0
        try:
            if pos < len(cur):
                n = len(cur) - pos
                self._remaining -= n
                yield from (cur if pos == 0 else itertools.islice(cur, pos, None))
            for chunk in self._chunks:
                self._remaining -= len(chunk)
                yield from chunk
        finally:
            self.close()

    def to_list(self) -> list[Any]:
        """Every message left, as one list (reads the whole set into memory)."""
        out = list(self)
        return out

    def followed_by(self, other: MessageSet) -> MessageSet:
        """A set reading this one's remaining messages, then *other*'s (both are consumed)."""
        head = self._cur[self._pos:] if self._pos < len(self._cur) else []
        chunks = itertools.chain([head], self._chunks, [other._cur[other._pos:]], other._chunks)
        closers = [c for c in (self._on_close, other._on_close) if c is not None]
        self._on_close = other._on_close = None
        ms = MessageSet(chunks, len(self) + len(other), _call_all(closers) if closers else None)
        self._cur, self._chunks, self._remaining = [], iter(()), 0
        other._cur, other._chunks, other._remaining = [], iter(()), 0
        return ms

    def close(self) -> None:
        """Drop every message left and release its files (idempotent)."""
        self._chunks = iter(())
        self._cur, self._pos, self._remaining = [], 0, 0
        cb, self._on_close = self._on_close, None
        if cb is not None:
            cb()


class ReceiveQueue(ABC):
    """Where a peer's received messages wait for their superstep's barrier.

    Implementations must be thread-safe for ``add``/``add_bundle`` (bundles arrive on
    the message server's threads while the peer computes) and keep each sender's order.

    Parameters
    ----------
    conf : HamaConfiguration or None
        The job configuration (thresholds, directories).
    spill_dir : SpillDir or None
        Where this peer may write files (:mod:`hama_yarn.messaging.queues.localdirs`).
    """

    #: Short name (``hama.messenger.receive.queue.class``).
    name = "?"
    #: True when the queue may write files (needs a spill directory).
    uses_disk = False
    #: False: the receiver calls :meth:`add_encoded` (no decoding) for bundles whose
    #: message count is known without decoding them.
    decodes_on_arrival = True

    def __init__(self, conf: Any = None, spill_dir: Any = None) -> None:
        self._conf = conf
        self._spill_dir = spill_dir
        self._lock = threading.Lock()

    @abstractmethod
    def add(self, superstep: int, messages: list[Any]) -> None:
        """Queue decoded *messages* sent in *superstep* (a peer's messages to itself)."""

    def add_bundle(self, superstep: int, source: int, bundle: bytes | memoryview, messages: list[Any]) -> None:
        """Queue one received bundle: its encoded bytes and its decoded *messages*.

        A disk-backed queue writes *bundle* as it is and drops *messages*; the default
        keeps *messages*.
        """
        self.add(superstep, messages)

    def add_encoded(self, superstep: int, source: int, bundle: bytes | memoryview, count: int) -> None:
        """Queue one received bundle, not decoded, holding *count* messages (the receiver
        checked its header).  *bundle* may be a view of a buffer reused once this returns.

        The default decodes it and calls :meth:`add_bundle`.

        Raises
        ------
        MessagingError
            If the bundle does not decode (names the sender and the superstep).
        """
        from ..codec import decode

        try:
            messages = decode(bundle)
        except MessagingError as exc:
            raise MessagingError(f"bundle from peer {source} for superstep {superstep}: {exc}") from exc
        self.add_bundle(superstep, source, bundle, messages)

    @abstractmethod
    def take(self, superstep: int, carry: MessageSet | None = None) -> MessageSet:
        """Hand over every message sent in *superstep* (after its barrier).

        *carry* (``hama.queue.behaviour.persistent``) holds the previous superstep's
        unread messages; they come first (a sorted queue merges them in order).
        """

    @abstractmethod
    def memory_bytes(self) -> int:
        """Bytes of messages this queue holds in memory (estimate), for memory reports."""

    def pending_supersteps(self) -> list[int]:
        """Supersteps with messages not taken yet (diagnostics)."""
        return []

    def close(self) -> None:
        """Drop everything not taken and delete this queue's files (idempotent)."""

    @staticmethod
    def _with_carry(ms: MessageSet, carry: MessageSet | None) -> MessageSet:
        if carry is None or len(carry) == 0:
            if carry is not None:
                carry.close()
            return ms
        return carry.followed_by(ms)
