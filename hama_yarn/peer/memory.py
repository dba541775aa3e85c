"""Memory accounting of a peer: peak RSS per superstep, and failing clearly at a limit.

A :class:`MemoryGuard` thread samples the process's resident set size every
``hama.peer.memory.check.interval.ms``.  Its counters (group :data:`GROUP`) are, per
peer *i*: ``PEAK_RSS_BYTES_PEER_<i>`` (the job so far) and
``SUPERSTEP_PEAK_RSS_BYTES_PEER_<i>`` (the current superstep).  When the RSS passes
the limit (``hama.peer.memory.limit.mb``; on YARN ``bsp.child.mem.in.mb`` when that is
0) the guard calls its *on_exceed* with a message naming the peer, the superstep, the
bytes held and the keys to set, so the job fails with that message before YARN or the
kernel kills the process without one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["MemoryGuard", "GROUP", "current_rss", "memory_limit", "peak_rss_summary"]

GROUP = "MemoryCounter"
_PEAK = "PEAK_RSS_BYTES_PEER_"
_STEP_PEAK = "SUPERSTEP_PEAK_RSS_BYTES_PEER_"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MiB = 1 << 20


def current_rss() -> int:
    """This process's resident set size in bytes (``/proc/self/statm``; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _max_rss() -> int:
    """This process's peak RSS so far (``getrusage``; exact, between samples too)."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except (ImportError, OSError):
        return 0


def memory_limit(conf: Any, on_yarn: bool) -> tuple[int, str]:
    """``(limit in bytes, the key that set it)``; ``(0, "")`` when there is none."""
    mb = conf.get_int("hama.peer.memory.limit.mb", 0)
    if mb > 0:
        return mb * MiB, "hama.peer.memory.limit.mb"
    if on_yarn:
        mb = conf.get_int("bsp.child.mem.in.mb", 0)
        if mb > 0:
            return mb * MiB, "bsp.child.mem.in.mb"
    return 0, ""


def peak_rss_summary(counters: dict[tuple[str, str], int]) -> str:
    """``peak RSS 312 MiB (peer 2)`` from job counters (empty when there are none)."""
    best: tuple[int, str] | None = None
    for (group, name), value in counters.items():
        if group == GROUP and name.startswith(_PEAK) and (best is None or value > best[0]):
            best = (value, name[len(_PEAK):])
    if best is None:
        return ""
    return f"peak RSS {best[0] / MiB:.0f} MiB (peer {best[1]})"


class MemoryGuard(threading.Thread):
    """Samples the RSS of this peer; keeps peaks; reports passing the limit once.

    Parameters
    ----------
    index : int
        The peer's task index.
    limit : int
        Bytes; 0 for no limit.
    key : str
        The configuration key that set *limit* (named in the message).
    interval : float
        Seconds between samples.
    superstep : callable
        Returns the peer's current superstep.
    held : callable
        Returns the bytes of messages the peer holds in memory (received queue).
    on_exceed : callable
        Called once, on the guard's thread, with the failure message.
    """

    def __init__(self, index: int, limit: int, key: str, interval: float, superstep: Callable[[], int],
                 held: Callable[[], int], on_exceed: Callable[[str], None]) -> None:
        super().__init__(name=f"memory-guard-{index}", daemon=True)
        self.index = index
        self.limit = limit
        self.key = key
        self._interval = interval
        self._superstep = superstep
        self._held = held
        self._on_exceed = on_exceed
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self.peak = 0
        self.step = 0
        self.step_peak = 0
        self.tripped = False

    def sample(self) -> int:
        """Take one sample now (also called from the peer's thread); returns the RSS."""
        rss = current_rss()
        top = max(rss, _max_rss())
        step = self._superstep()
        with self._lock:
            if step != self.step:
                self.step, self.step_peak = step, 0
            self.step_peak = max(self.step_peak, rss)
            self.peak = max(self.peak, top)
            trip = bool(self.limit) and rss > self.limit and not self.tripped
            if trip:
                self.tripped = True
        if trip:
            self._on_exceed(self.message(rss, step))
        return rss

    def message(self, rss: int, step: int) -> str:
        """The failure message for *rss* bytes at superstep *step*."""
        held = self._held()
        return (f"peer {self.index} passed its memory limit in superstep {step}: resident memory "
                f"{rss / MiB:.0f} MiB > {self.limit / MiB:.0f} MiB ({self.key}); its receive queue holds "
                f"{held} bytes ({held / MiB:.0f} MiB) of messages. Set hama.messenger.receive.queue.class="
                f"spilling (or disk) to keep received messages on local disk, lower "
                f"hama.messenger.max.buffer.bytes, or raise {self.key}")

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - accounting never fails the peer by itself
                log.debug("memory sample failed", exc_info=True)

    def counters(self) -> dict[tuple[str, str], int]:
        """This peer's peak-RSS counters."""
        with self._lock:
            return {(GROUP, f"{_PEAK}{self.index}"): self.peak, (GROUP, f"{_STEP_PEAK}{self.index}"): self.step_peak}

    def stop(self) -> None:
        """End sampling."""
        self._stop_event.set()
