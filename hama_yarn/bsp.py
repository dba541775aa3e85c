"""The user-facing BSP API: :class:`BSP`, :class:`Combiner`, :class:`Partitioner`.

A job is a sequence of supersteps: local computation, messages, then a barrier.
Users subclass :class:`BSP`; the framework calls ``setup``, then ``bsp`` once,
then ``cleanup`` (always, even after an exception), on every peer.  Supersteps end
where ``bsp`` calls ``peer.sync()``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .config import HamaConfiguration

__all__ = ["BSP", "BSPPeer", "Combiner", "Partitioner", "HashPartitioner"]


class BSPPeer(Protocol):
    """What a peer offers user code (Hama's ``BSPPeer`` in snake_case)."""

    def send(self, peer_name: str, msg: Any) -> None:
        """Queue *msg* for peer *peer_name*; it is delivered by the next ``sync()``."""

    def sync(self) -> None:
        """End the superstep: deliver queued messages and wait at the barrier."""

    def get_current_message(self) -> Any:
        """The next message received in the previous superstep, or None when empty."""

    def get_num_current_messages(self) -> int:
        """How many received messages are left to read."""

    def messages(self) -> Iterator[Any]:
        """Iterate over (and drain) every message left to read."""

    def get_superstep_count(self) -> int:
        """0 during setup and the first superstep; +1 per ``sync()``."""

    def get_peer_name(self, index: int | None = None) -> str:
        """This peer's name, or the name of peer *index*."""

    def get_peer_index(self) -> int:
        """This peer's task index (0 .. num_peers-1)."""

    def get_all_peer_names(self) -> list[str]:
        """Every peer's name, ordered by task index; identical on all peers."""

    def get_num_peers(self) -> int:
        """Number of peers in the job."""

    def clear(self) -> None:
        """Drop every message queued for sending in this superstep."""

    def write(self, key: Any, value: Any, *, records: int = 1) -> None:
        """Write an output record (*records*: how many records a pre-formatted block stands for)."""

    def read_next(self) -> tuple[Any, Any] | None:
        """The next input record as ``(key, value)``, or None at the end."""

    def read_batch(self) -> Any:
        """The next input ``pyarrow.RecordBatch`` (Parquet/Arrow input), or None at the end."""

    def reopen_input(self) -> None:
        """Start reading this peer's input split from the beginning again."""

    def get_configuration(self) -> HamaConfiguration:
        """The job configuration."""

    def increment_counter(self, group: str, name: str, amount: int = 1) -> None:
        """Add *amount* to a counter."""

    def get_counter(self, group: str, name: str) -> int:
        """Current value of a counter on this peer."""

    def get_task_id(self) -> str:
        """This task attempt's id (``attempt_<...>``)."""


class BSP:
    """Base class of BSP programs.  Hama: ``org.apache.hama.bsp.BSP``.

    Examples
    --------
    >>> class Hello(BSP):
    ...     def bsp(self, peer):
    ...         for name in peer.get_all_peer_names():
    ...             peer.send(name, f"hi from {peer.get_peer_name()}")
    ...         peer.sync()
    ...         for msg in peer.messages():
    ...             peer.write(msg, None)
    """

    def setup(self, peer: BSPPeer) -> None:
        """Called once before :meth:`bsp`, after every peer registered and passed an initial barrier."""

    def bsp(self, peer: BSPPeer) -> None:
        """The program; called once.  Supersteps end at ``peer.sync()``."""
        raise NotImplementedError(f"{type(self).__name__} must implement bsp(peer)")

    def cleanup(self, peer: BSPPeer) -> None:
        """Called once after :meth:`bsp`, even when setup or bsp raised."""

    def checkpoint_state(self, peer: BSPPeer) -> Any:
        """State to save with a checkpoint (``bsp.checkpoint.enabled``), or None.

        Called at the end of every checkpointed superstep, right after ``sync()``
        returned.  Return ``bytes``, numpy arrays, or a dict/list/tuple of them and
        of picklable values (arrays are stored as raw buffers, not pickled).  A
        program whose state lives only in ``peer`` (messages, input position,
        counters, output: all saved by the framework) needs none.
        """
        return None

    def restore_state(self, peer: BSPPeer, state: Any) -> None:
        """Put back what :meth:`checkpoint_state` returned; called after :meth:`setup`.

        On recovery (``bsp.ft.enabled``) a peer restarts from the last complete
        checkpoint: ``setup``, then this, then :meth:`bsp` again with
        ``peer.get_superstep_count()`` at the restored superstep, so ``bsp`` must
        derive its progress from the superstep count (as in Hama).
        """


class Combiner:
    """Combines all messages a peer sends to one destination peer in a superstep into one.

    Hama: ``org.apache.hama.bsp.Combiner`` (0.7 semantics).
    """

    def combine(self, messages: Iterable[Any]) -> Any:
        """Return the single message that replaces *messages*."""
        raise NotImplementedError(f"{type(self).__name__} must implement combine(messages)")


class Partitioner:
    """Maps a record's key to the index of the peer that owns it.  Hama: ``Partitioner``."""

    def get_partition(self, key: Any, value: Any, num_tasks: int) -> int:
        """Return a task index in ``range(num_tasks)``."""
        raise NotImplementedError


class HashPartitioner(Partitioner):
    """``hash(key) mod num_tasks`` with a hash that is stable across processes.

    Python's ``hash`` of ``str`` is salted per process, so strings and bytes use
    CRC-32 instead; ints use their value.
    """

    def get_partition(self, key: Any, value: Any, num_tasks: int) -> int:
        if isinstance(key, int):
            return abs(key) % num_tasks
        if isinstance(key, str):
            data = key.encode("utf-8", "surrogatepass")
        elif isinstance(key, bytes):
            data = key
        else:
            data = repr(key).encode()
        return zlib.crc32(data) % num_tasks
