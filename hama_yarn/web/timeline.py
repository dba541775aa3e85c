"""Per-superstep timings: recorded by each peer, shipped with its heartbeat, kept by the master.

A peer notes, for every superstep it ends, the time spent in user code (*compute*)
and in :meth:`~hama_yarn.peer.runtime.PeerImpl.sync` (sending plus the barrier:
*sync*, the per-superstep share of ``TIME_IN_SYNC_MS``) and the messages it sent.
The entries ride in the heartbeat's counter list under the private group
:data:`TIMELINE_GROUP` (``s<step>.compute_ms``, ``s<step>.sync_ms``, ``s<step>.sent``
and the process's ``rss_kb``); the master strips that group before the counters
reach the state machine, so job counters never show it.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["TIMELINE_GROUP", "StepRecorder", "Timeline", "split_timeline", "current_rss_kb"]

#: Counter group carrying timeline entries from peers to the master (never a job counter).
TIMELINE_GROUP = "_hama.timeline"

#: Entries a peer keeps while the master is not told (older ones are dropped).
_PEER_PENDING_MAX = 2000
#: Supersteps the master keeps (the most recent).
_MASTER_MAX_STEPS = 5000

Counters = dict[tuple[str, str], int]


def current_rss_kb() -> int:
    """Resident set size of this process in KiB (0 if unknown)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        try:
            import resource

            return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        except (ImportError, OSError):
            return 0


class StepRecorder:
    """Peer side: notes each superstep's compute and sync time; hands them out once."""

    def __init__(self, now: float) -> None:
        self._lock = threading.Lock()
        self._step_end = now
        self._pending: list[tuple[int, int, int, int]] = []

    def record(self, step: int, sync_start: float, sync_end: float, sent: int) -> None:
        """Superstep *step* ran user code until *sync_start* and left its barrier at *sync_end*."""
        compute_ms = max(0, int((sync_start - self._step_end) * 1000))
        sync_ms = max(0, int((sync_end - sync_start) * 1000))
        self._step_end = sync_end
        with self._lock:
            self._pending.append((step, compute_ms, sync_ms, sent))
            if len(self._pending) > _PEER_PENDING_MAX:
                del self._pending[: len(self._pending) - _PEER_PENDING_MAX]

    def take(self) -> Counters:
        """The entries not yet handed out, as counters of :data:`TIMELINE_GROUP` (plus ``rss_kb``)."""
        with self._lock:
            pending, self._pending = self._pending, []
        out: Counters = {(TIMELINE_GROUP, "rss_kb"): current_rss_kb()}
        for step, compute_ms, sync_ms, sent in pending:
            out[(TIMELINE_GROUP, f"s{step}.compute_ms")] = compute_ms
            out[(TIMELINE_GROUP, f"s{step}.sync_ms")] = sync_ms
            out[(TIMELINE_GROUP, f"s{step}.sent")] = sent
        return out


def split_timeline(counters: Counters) -> tuple[Counters, Counters]:
    """``(job counters, timeline entries)`` of a peer report."""
    if not any(g == TIMELINE_GROUP for g, _ in counters):
        return counters, {}
    plain = {k: v for k, v in counters.items() if k[0] != TIMELINE_GROUP}
    extra = {k: v for k, v in counters.items() if k[0] == TIMELINE_GROUP}
    return plain, extra


class Timeline:
    """Master side: per superstep and peer, compute/sync milliseconds and messages sent.

    Thread-safe; fed from the RPC handler threads, read by the web UI.
    """

    def __init__(self, num_peers: int) -> None:
        self.num_peers = num_peers
        self._lock = threading.Lock()
        self._steps: dict[int, dict[int, list[int]]] = {}
        self._rss: dict[int, int] = {}

    def add(self, peer: int, entries: Counters) -> None:
        """Merge one report of peer *peer* (counters of :data:`TIMELINE_GROUP`)."""
        with self._lock:
            for (_, name), value in entries.items():
                if name == "rss_kb":
                    self._rss[peer] = int(value)
                    continue
                step_text, _, field = name.partition(".")
                try:
                    step = int(step_text[1:])
                except ValueError:
                    continue
                slot = {"compute_ms": 0, "sync_ms": 1, "sent": 2}.get(field)
                if slot is None:
                    continue
                self._steps.setdefault(step, {}).setdefault(peer, [0, 0, 0])[slot] = int(value)
            if len(self._steps) > _MASTER_MAX_STEPS:
                for step in sorted(self._steps)[: len(self._steps) - _MASTER_MAX_STEPS]:
                    del self._steps[step]

    def rss_kb(self, peer: int) -> int:
        """Last reported RSS of peer *peer* in KiB (0 if never reported)."""
        with self._lock:
            return self._rss.get(peer, 0)

    def to_json(self) -> list[dict[str, Any]]:
        """One entry per superstep: per-peer timings, the slowest peer, totals."""
        with self._lock:
            steps = {s: {p: list(v) for p, v in peers.items()} for s, peers in self._steps.items()}
        out = []
        for step in sorted(steps):
            peers = steps[step]
            rows = [{"peer": p, "compute_ms": v[0], "sync_ms": v[1], "sent": v[2]} for p, v in sorted(peers.items())]
            slowest = max(rows, key=lambda r: (r["compute_ms"], -r["peer"]))["peer"] if rows else -1
            waits = sorted(r["sync_ms"] for r in rows)
            out.append({
                "superstep": step,
                "peers": rows,
                "slowest_peer": slowest,
                "max_compute_ms": max((r["compute_ms"] for r in rows), default=0),
                "max_sync_ms": waits[-1] if waits else 0,
                "p50_sync_ms": waits[len(waits) // 2] if waits else 0,
                "messages_sent": sum(r["sent"] for r in rows),
                "complete": len(rows) == self.num_peers,
            })
        return out
