"""The peer launcher of a job in the bspmaster: it asks grooms to start and stop the peers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from ..launcher.base import PeerExit, PeerLauncher

log = logging.getLogger(__name__)

__all__ = ["GroomPeerLauncher", "Dispatcher"]


class Dispatcher(Protocol):
    """What the launcher needs of the bspmaster: queue an action for a groom."""

    def dispatch(self, groom: str, kind: str, job_id: str, index: int, attempt: int, master_address: str) -> bool:
        """Queue the action; False when the groom is dead or unknown."""

    def groom_alive(self, groom: str) -> bool:
        """The groom is registered and not declared dead."""

    def relocate(self, job_id: str, index: int, preferred: str, attempt: int) -> str | None:
        """A slot for a replacement of task *index*: *preferred* if alive with a free slot, else
        the live groom with the most free slots; None when no groom has one."""


class GroomPeerLauncher(PeerLauncher):
    """Runs peer *i* on groom ``placement[i]`` (chosen by the bspmaster's allocator).

    Exits arrive through :meth:`task_exited`: a groom's report, or the bspmaster
    declaring the groom dead.  With fault tolerance on, :meth:`replace` restarts lost
    peers for the next job attempt on their groom, or on another one with a free slot
    when theirs is dead (Hama never rescheduled a dead groom's tasks).

    Parameters
    ----------
    on_exit : callable
        See :class:`~hama_yarn.launcher.base.PeerLauncher`.
    job_id : str
        The job's id.
    placement : list of str
        Groom name of every task index.
    dispatcher : Dispatcher
        The bspmaster.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], job_id: str, placement: list[str],
                 dispatcher: Dispatcher) -> None:
        super().__init__(on_exit)
        self.job_id = job_id
        self.placement = list(placement)
        self._dispatcher = dispatcher
        self._cv = threading.Condition()
        self._live: set[int] = set()
        self._attempts: dict[int, int] = {}
        self._address = ""

    supports_replace = True

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        self._address = master_address
        lost = []
        for i in indexes:
            with self._cv:
                self._live.add(i)
            if not self._dispatcher.dispatch(self.placement[i], "LAUNCH_TASK", self.job_id, i, 0, master_address):
                lost.append(i)
        for i in lost:
            self.task_exited(i, 0, -9, f"groom {self.placement[i]} is gone")
        log.info("job %s: asked %d grooms to launch %d peers", self.job_id, len(set(self.placement)), len(indexes))

    def task_exited(self, index: int, attempt: int, returncode: int, description: str) -> None:
        """A peer ended (reported by its groom, or its groom died); reported once per attempt."""
        with self._cv:
            if index not in self._live or attempt != self._attempts.get(index, 0):
                return
            self._live.discard(index)
            self._cv.notify_all()
        self.on_exit(PeerExit(index, returncode, f"on {self.placement[index]}: {description}", attempt))

    def replace(self, indexes: tuple[int, ...], master_address: str, attempt: int,
                prepare: Callable[[], None] | None = None) -> None:
        """Kill these peers (their grooms are asked; a dead groom's are gone), run *prepare*,
        launch them again for *attempt* on their groom or on another with a free slot."""
        self._address = master_address
        with self._cv:
            old = {i: self._attempts.get(i, 0) for i in indexes if i in self._live}
        for i, a in old.items():
            self._dispatcher.dispatch(self.placement[i], "KILL_TASK", self.job_id, i, a, master_address)
        deadline = time.monotonic() + 15.0
        with self._cv:
            self._cv.wait_for(lambda: not (set(old) & self._live), max(0.0, deadline - time.monotonic()))
            stuck = sorted(set(old) & self._live)
            self._live -= set(stuck)
        if stuck:
            log.warning("job %s: peers %s did not report their end within 15s; replacing them anyway",
                        self.job_id, stuck)
        if prepare is not None:
            prepare()
        lost: list[tuple[int, str]] = []
        # peers whose groom lives go back to it first; then the dead grooms' peers take the free slots
        for i in sorted(indexes, key=lambda i: not self._dispatcher.groom_alive(self.placement[i])):
            groom = self._dispatcher.relocate(self.job_id, i, self.placement[i], attempt)
            with self._cv:
                self._attempts[i] = attempt
                self._live.add(i)
            if groom is None:
                lost.append((i, "no groom has a free task slot for its replacement"))
                continue
            if groom != self.placement[i]:
                log.info("job %s: task %d moves from groom %s to %s", self.job_id, i, self.placement[i], groom)
                self.placement[i] = groom
            if not self._dispatcher.dispatch(groom, "LAUNCH_TASK", self.job_id, i, attempt, master_address):
                lost.append((i, f"groom {groom} is gone"))
        for i, why in lost:
            self.task_exited(i, attempt, -9, why)
        log.info("job %s: replaced peers %s (attempt %d)", self.job_id, list(indexes), attempt)

    def live(self) -> set[int]:
        """Task indexes launched and not reported ended."""
        with self._cv:
            return set(self._live)

    def stop(self, grace: float) -> None:
        """Wait *grace* seconds for the peers to end, then ask their grooms to kill them (10 s more)."""
        with self._cv:
            self._cv.wait_for(lambda: not self._live, grace)
            left = sorted(self._live)
        for i in left:
            self._dispatcher.dispatch(self.placement[i], "KILL_TASK", self.job_id, i, self._attempts.get(i, 0),
                                      self._address)
        deadline = time.monotonic() + 10.0
        with self._cv:
            self._cv.wait_for(lambda: not self._live, max(0.0, deadline - time.monotonic()))
            if self._live:
                log.warning("job %s: peers %s did not report their end", self.job_id, sorted(self._live))

    def close(self) -> None:
        if self.live():
            self.stop(2.0)
