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


class GroomPeerLauncher(PeerLauncher):
    """Runs peer *i* on groom ``placement[i]`` (chosen by the bspmaster's allocator).

    Exits arrive through :meth:`task_exited`: a groom's report, or the bspmaster
    declaring the groom dead.

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
        self._address = ""

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
        """A peer ended (reported by its groom, or its groom died); reported once."""
        with self._cv:
            if index not in self._live:
                return
            self._live.discard(index)
            self._cv.notify_all()
        self.on_exit(PeerExit(index, returncode, f"on {self.placement[index]}: {description}", attempt))

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
            self._dispatcher.dispatch(self.placement[i], "KILL_TASK", self.job_id, i, 0, self._address)
        deadline = time.monotonic() + 10.0
        with self._cv:
            self._cv.wait_for(lambda: not self._live, max(0.0, deadline - time.monotonic()))
            if self._live:
                log.warning("job %s: peers %s did not report their end", self.job_id, sorted(self._live))

    def close(self) -> None:
        if self.live():
            self.stop(2.0)
