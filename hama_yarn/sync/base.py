"""The sync service plug-in interface (Hama's ``PeerSyncClient`` / ``SyncServer``).

A sync service gives peers three things: registration and discovery of peer
names, and the barrier that ends each superstep.  It is selected by
``hama.sync.client.class`` (peers) and ``hama.sync.server.class`` (master):

* ``rpc``: the SyncServer embedded in the master, over Thrift (default);
* ``zookeeper``: kazoo against ``hama.zookeeper.quorum`` with Hama's znode layout;
* ``package.module:Class``: a third-party implementation of these interfaces.

Barrier numbering: the initial barrier every peer passes before ``setup()`` is
superstep ``-1``; the barrier ending superstep *s* (the user's *s*-th ``sync()``)
is superstep *s*.  Numbers are strictly increasing per job.

Message delivery does not depend on ``leave_barrier``: bundles are tagged with the
superstep they were sent in, so a backend may make ``leave_barrier`` a no-op when
its ``enter_barrier`` already releases all peers together.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import HamaConfiguration

__all__ = ["SyncClient", "SyncServer", "SyncContext", "INITIAL_BARRIER"]

#: Superstep number of the barrier all peers pass before ``setup()``.
INITIAL_BARRIER = -1


@dataclass
class SyncContext:
    """What a sync backend gets to know about its job and process.

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration.
    job_id : str
        The job's id (``job_<...>``).
    num_peers : int
        How many peers take part in every barrier.
    secret : str
        The job secret (for backends that talk to the master).
    master_address : str
        ``host:port`` of the master (``""`` on the master itself).
    """

    conf: HamaConfiguration
    job_id: str
    num_peers: int
    secret: str = ""
    master_address: str = ""
    extras: dict[str, object] = field(default_factory=dict)


class SyncClient(abc.ABC):
    """Peer side of a sync service.  One instance per peer; never shared.

    Every blocking method takes a timeout in seconds and raises
    :class:`~hama_yarn.errors.BarrierTimeoutError` (or another
    :class:`~hama_yarn.errors.SyncError`) instead of blocking forever.
    """

    def __init__(self, ctx: SyncContext, task_index: int) -> None:
        self.ctx = ctx
        self.task_index = task_index

    @abc.abstractmethod
    def register(self, peer_name: str, attempt_id: str) -> None:
        """Publish this peer's name (``host:port``).  Hama: ``register``."""

    @abc.abstractmethod
    def get_peer_names(self, timeout: float) -> list[str]:
        """Wait until every peer registered; return names ordered by task index."""

    @abc.abstractmethod
    def enter_barrier(self, superstep: int, timeout: float) -> None:
        """First half of the barrier of *superstep*; called after bundles are sent."""

    @abc.abstractmethod
    def leave_barrier(self, superstep: int, timeout: float) -> None:
        """Second half of the barrier; called after the message queues are swapped."""

    def close(self) -> None:
        """Release connections and ephemeral state of this peer."""


class SyncServer(abc.ABC):
    """Master side of a sync service.

    Parameters
    ----------
    ctx : SyncContext
        The job.
    on_barrier : callable
        Called with the superstep number each time a barrier completes (the master
        uses it for progress).  Backends that cannot observe barriers may not call it.
    """

    def __init__(self, ctx: SyncContext, on_barrier: Callable[[int], None] | None = None) -> None:
        self.ctx = ctx
        self.on_barrier = on_barrier or (lambda s: None)

    @classmethod
    def preflight(cls, conf: HamaConfiguration) -> None:
        """Check, in the client before a job is submitted, that the service can be used.

        Called where the master will run (the client's machine in local mode), so a
        service that cannot be reached fails at submit with one error naming the key
        to change, not later inside the master.  The default checks nothing.

        Raises
        ------
        ConfigError
            Naming the key to change.
        """

    def start(self) -> None:
        """Prepare the service for the job (create roots, ...)."""

    def thrift_services(self) -> dict[str, object]:
        """Thrift services to host on the master's port (name -> handler)."""
        return {}

    def abort(self, reason: str) -> None:
        """Fail every peer waiting in a barrier or registration with *reason*."""

    def peer_finished(self, task_index: int) -> None:
        """Peer *task_index* returned from bsp(): it will enter no more barriers.

        Backends should then fail (at once, not at the barrier timeout) any peer that
        waits, or later waits, in a barrier the finished peer never entered.
        """

    def close(self, succeeded: bool) -> None:
        """The job ended: remove its state."""
