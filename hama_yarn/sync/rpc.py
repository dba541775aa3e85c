"""The ``rpc`` sync service: a SyncServer embedded in the master, over Thrift.

Registration and barriers are served by the master process (Hama's removed
``RPCSyncServer``, revived).  One round trip per superstep: ``enter_barrier``
returns once every peer has entered, and ``leave_barrier`` needs no call because
bundles carry their superstep number.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from ..errors import BarrierTimeoutError, HamaError, SyncError
from ..rpc.client import RPCClient, parse_address
from ..rpc.spin import spin_budget_us
from .base import SyncClient, SyncContext, SyncServer
from .channel import BarrierChannelClient, BarrierChannelServer

log = logging.getLogger(__name__)

__all__ = ["BarrierState", "RPCSyncServer", "RPCSyncClient"]

_MARGIN = 5.0  # seconds added to a blocking call's socket timeout beyond its own deadline


class BarrierWaiter(Protocol):
    """A peer waiting in a barrier without a thread (see :meth:`BarrierState.arrive`)."""

    def release(self, superstep: int, error: HamaError | None) -> None:
        """The barrier of *superstep* passed (*error* None) or failed; called exactly once."""


class BarrierState:
    """Registration and barrier bookkeeping for *num_peers* peers (thread-safe).

    Barriers complete in increasing superstep order; :meth:`abort` releases every
    waiter with a :class:`SyncError`.  A peer waits either in :meth:`enter` (a blocked
    thread: the Thrift ``enter_barrier``) or as a :class:`BarrierWaiter` registered by
    :meth:`arrive` (the lean channel, :mod:`hama_yarn.sync.channel`); both kinds may
    take part in one barrier.
    """

    def __init__(self, num_peers: int, on_barrier: Callable[[int], None] | None = None) -> None:
        self.num_peers = num_peers
        self._on_barrier = on_barrier or (lambda s: None)
        self._cond = threading.Condition()
        self._names: dict[int, str] = {}
        self._arrived: dict[int, set[int]] = {}
        self._completed = -(2**62)
        self._aborted: str | None = None
        self._finished: set[int] = set()
        # superstep -> [(waiter, task_index, deadline, timeout)]
        self._waiters: dict[int, list[tuple[BarrierWaiter, int, float, float]]] = {}

    def register(self, task_index: int, name: str) -> None:
        """Record the name of peer *task_index*."""
        if not 0 <= task_index < self.num_peers:
            raise SyncError(f"task index {task_index} out of range 0..{self.num_peers - 1}")
        with self._cond:
            self._check()
            other = self._names.get(task_index)
            if other is not None and other != name:
                log.warning("peer %d re-registered as %s (was %s)", task_index, name, other)
            self._names[task_index] = name
            self._cond.notify_all()

    def peer_names(self, timeout: float) -> list[str]:
        """Wait until every peer registered; names ordered by task index."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._aborted is not None or len(self._names) == self.num_peers, timeout):
                missing = sorted(set(range(self.num_peers)) - set(self._names))
                raise SyncError(
                    f"only {len(self._names)} of {self.num_peers} peers registered within {timeout:g}s; "
                    f"missing task indexes {missing[:10]}"
                )
            self._check()
            return [self._names[i] for i in range(self.num_peers)]

    def _arrive_locked(self, task_index: int, superstep: int) -> set[int]:
        """Count *task_index* in the barrier of *superstep*; the peers arrived so far (caller holds the lock)."""
        self._check()
        if superstep <= self._completed:
            raise SyncError(f"peer {task_index} entered barrier {superstep}, which already completed")
        arrived = self._arrived.setdefault(superstep, set())
        arrived.add(task_index)
        self._check_finished(superstep, task_index)
        return arrived

    def enter(self, task_index: int, superstep: int, timeout: float) -> None:
        """Block until all peers entered the barrier of *superstep* (or raise)."""
        release: list[BarrierWaiter] = []
        with self._cond:
            arrived = self._arrive_locked(task_index, superstep)
            if len(arrived) >= self.num_peers:
                release = self._complete_locked(superstep)
                done = True
            else:
                done = self._cond.wait_for(
                    lambda: self._completed >= superstep or self._aborted is not None or bool(self._finished),
                    timeout,
                )
                if self._completed < superstep:
                    self._check()
                    self._check_finished(superstep, task_index)
                if not done:
                    count = len(self._arrived.get(superstep, ()))
                    raise BarrierTimeoutError(superstep, count, self.num_peers, timeout)
                done = False
        if done:
            self._on_barrier(superstep)
            for w in release:
                w.release(superstep, None)

    def arrive(self, task_index: int, superstep: int, timeout: float, waiter: BarrierWaiter) -> None:
        """Enter the barrier of *superstep* without blocking: *waiter* is released exactly once.

        If this arrival completes the barrier, every waiter (this one last) is released
        in the calling thread; a failure (abort, a finished peer, :meth:`expire`, ...)
        releases it with the error :meth:`enter` would raise.
        """
        release: list[BarrierWaiter] = []
        try:
            with self._cond:
                arrived = self._arrive_locked(task_index, superstep)
                if len(arrived) < self.num_peers:
                    deadline = time.monotonic() + timeout
                    self._waiters.setdefault(superstep, []).append((waiter, task_index, deadline, timeout))
                    return
                release = self._complete_locked(superstep)
        except HamaError as exc:
            waiter.release(superstep, exc)
            return
        self._on_barrier(superstep)
        for w in release:
            w.release(superstep, None)
        waiter.release(superstep, None)

    def _complete_locked(self, superstep: int) -> list[BarrierWaiter]:
        del self._arrived[superstep]
        self._completed = superstep
        self._cond.notify_all()
        return [w for w, *_ in self._waiters.pop(superstep, ())]

    def _take_waiters_locked(self) -> list[tuple[BarrierWaiter, int, int]]:
        """Remove every waiter: ``(waiter, task_index, superstep)``."""
        out = [(w, task, step) for step, items in self._waiters.items() for w, task, _d, _t in items]
        self._waiters.clear()
        return out

    def expire(self, now: float) -> None:
        """Release with :class:`BarrierTimeoutError` every waiter whose deadline passed by *now*."""
        failed: list[tuple[BarrierWaiter, int, HamaError]] = []
        with self._cond:
            for step in list(self._waiters):
                keep = []
                for item in self._waiters[step]:
                    if item[2] <= now:
                        count = len(self._arrived.get(step, ()))
                        failed.append((item[0], step, BarrierTimeoutError(step, count, self.num_peers, item[3])))
                    else:
                        keep.append(item)
                if keep:
                    self._waiters[step] = keep
                else:
                    del self._waiters[step]
        for w, step, err in failed:
            w.release(step, err)

    def cancel(self, waiter: BarrierWaiter) -> None:
        """Forget *waiter* (its connection closed) without releasing it."""
        with self._cond:
            for step in list(self._waiters):
                items = [item for item in self._waiters[step] if item[0] is not waiter]
                if items:
                    self._waiters[step] = items
                else:
                    del self._waiters[step]

    def finish(self, task_index: int) -> None:
        """Peer *task_index* finished: barriers it never entered can no longer complete."""
        failed: list[tuple[BarrierWaiter, int, HamaError]] = []
        with self._cond:
            self._finished.add(task_index)
            self._cond.notify_all()
            for w, task, step in self._take_waiters_locked():
                try:
                    self._check_finished(step, task)
                except SyncError as exc:
                    failed.append((w, step, exc))
        for w, step, err in failed:
            w.release(step, err)

    def _check_finished(self, superstep: int, task_index: int) -> None:
        if self._finished:
            gone = sorted(self._finished)
            raise SyncError(
                f"peer {task_index} waits in the barrier of superstep {superstep}, but peer(s) {gone} already "
                "finished bsp(): peers called sync() a different number of times"
            )

    def abort(self, reason: str) -> None:
        """Fail all current and future waiters with *reason*."""
        with self._cond:
            if self._aborted is None:
                self._aborted = reason
            self._cond.notify_all()
            waiting = self._take_waiters_locked()
            error = SyncError(f"job aborted: {self._aborted}")
        for w, _task, step in waiting:
            w.release(step, error)

    def reset(self) -> None:
        """Forget registrations, barriers, finished peers and an abort (a recovery starts over)."""
        with self._cond:
            self._names.clear()
            self._arrived.clear()
            self._completed = -(2**62)
            self._aborted = None
            self._finished.clear()
            self._cond.notify_all()
            waiting = self._take_waiters_locked()
        for w, _task, step in waiting:
            w.release(step, SyncError("the job restarts from a checkpoint: this attempt's barriers are void"))

    def _check(self) -> None:
        if self._aborted is not None:
            raise SyncError(f"job aborted: {self._aborted}")


class _SyncHandler:
    """Thrift ``SyncService`` handler."""

    def __init__(self, state: BarrierState, server: RPCSyncServer) -> None:
        self.state = state
        self._server = server

    def register_peer(self, task_index: int, peer_name: str) -> None:
        self.state.register(task_index, peer_name)

    def get_peer_names(self, timeout_ms: int) -> list[str]:
        return self.state.peer_names(timeout_ms / 1000.0)

    def enter_barrier(self, task_index: int, superstep: int, timeout_ms: int) -> None:
        self.state.enter(task_index, superstep, timeout_ms / 1000.0)

    def leave_barrier(self, task_index: int, superstep: int, timeout_ms: int) -> None:
        return None

    def barrier_channel(self) -> str:
        channel = self._server.channel
        return f":{channel.port}" if channel is not None else ""


class RPCSyncServer(SyncServer):
    """Master side of the ``rpc`` sync service (hosted on the master's Thrift port).

    :meth:`start` also opens the lean barrier channel (:mod:`hama_yarn.sync.channel`) unless
    ``hama.sync.rpc.channel`` is false; it binds ``ctx.extras["bind_host"]`` (the master's
    address, default all interfaces) and peers learn its port from ``barrier_channel()``.
    """

    def __init__(self, ctx: SyncContext, on_barrier: Callable[[int], None] | None = None) -> None:
        super().__init__(ctx, on_barrier)
        self.state = BarrierState(ctx.num_peers, self.on_barrier)
        self.channel: BarrierChannelServer | None = None

    def start(self) -> None:
        if self.channel is None and self.ctx.conf.get_bool("hama.sync.rpc.channel", True):
            host = str(self.ctx.extras.get("bind_host") or "0.0.0.0")
            self.channel = BarrierChannelServer(self.state, self.ctx.secret, host)

    def thrift_services(self) -> dict[str, object]:
        return {"SyncService": _SyncHandler(self.state, self)}

    def close(self, succeeded: bool) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def abort(self, reason: str) -> None:
        self.state.abort(reason)

    def peer_finished(self, task_index: int) -> None:
        self.state.finish(task_index)

    def restart(self) -> None:
        """Recovery (:mod:`hama_yarn.ft`): the peers of a new attempt register and sync afresh."""
        self.state.reset()


class RPCSyncClient(SyncClient):
    """Peer side of the ``rpc`` sync service."""

    def __init__(self, ctx: SyncContext, task_index: int) -> None:
        super().__init__(ctx, task_index)
        if not ctx.master_address:
            raise SyncError("the rpc sync service needs the master's address")
        self._rpc = RPCClient(ctx.master_address, "SyncService", ctx.secret, timeout=None)
        self._channel: BarrierChannelClient | None = None

    def register(self, peer_name: str, attempt_id: str) -> None:
        self._rpc.call("register_peer", self.task_index, peer_name, timeout=60.0)
        if self.ctx.conf.get_bool("hama.sync.rpc.channel", True):
            address: str = self._rpc.call("barrier_channel", timeout=60.0)
            if address.startswith(":"):
                address = parse_address(self.ctx.master_address)[0] + address
            if address:
                spin = spin_budget_us(self.ctx.conf, "hama.sync.rpc.spin.us", self.ctx.num_peers)
                self._channel = BarrierChannelClient(address, self.ctx.secret, spin)

    def get_peer_names(self, timeout: float) -> list[str]:
        names: list[str] = self._rpc.call("get_peer_names", _ms(timeout), timeout=timeout + _MARGIN)
        return names

    def enter_barrier(self, superstep: int, timeout: float) -> None:
        start = time.monotonic()
        try:
            # A blocking socket (no per-call poll): the server enforces the barrier timeout, and
            # a dead master ends the call with EOF (or the heartbeat thread ends the peer).
            if self._channel is not None:
                self._channel.enter(self.task_index, superstep, _ms(timeout))
            else:
                self._rpc.call("enter_barrier", self.task_index, superstep, _ms(timeout))
        except SyncError:
            raise
        except Exception as exc:
            raise SyncError(
                f"barrier of superstep {superstep} failed after {time.monotonic() - start:.1f}s: {exc}"
            ) from exc

    def leave_barrier(self, superstep: int, timeout: float) -> None:
        return None  # bundles are tagged with their superstep: no second round trip

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
        self._rpc.close()


def _ms(seconds: float) -> int:
    return max(1, min(int(seconds * 1000), 2**31 - 1))
