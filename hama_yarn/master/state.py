"""The BSPMaster's job logic as a pure state machine: events in, actions out.

No sockets, threads or clocks: the master process (:mod:`hama_yarn.master.server`)
turns RPCs, process exits and timer ticks into events, feeds them to
:meth:`JobStateMachine.handle`, and performs the returned actions.  This makes
every failure path unit-testable.

Job states follow Hama's ``JobStatus``: PREP -> RUNNING -> SUCCEEDED | FAILED |
KILLED.  The first failure wins: its peer, superstep and traceback become the
job's diagnostics.

With fault tolerance (``bsp.ft.enabled``, :mod:`hama_yarn.ft`) a failure moves a
RUNNING job to RECOVERING instead, while attempts remain
(``bsp.tasks.max.attempts``): every peer is restarted from the last checkpoint
that every peer reported durable (:class:`CheckpointWritten`), and the job is
RUNNING again once all replacement peers started.  When attempts run out the job
fails naming every failure.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .record import Record

__all__ = [
    "JobState",
    "PeerState",
    "PeerRecord",
    "JobStateMachine",
    "Event",
    "Start",
    "PeerStarted",
    "PeerRegistered",
    "PeerHeartbeat",
    "PeerSucceeded",
    "PeerFailed",
    "PeerExited",
    "BarrierCompleted",
    "KillRequested",
    "CommitFinished",
    "Tick",
    "CheckpointWritten",
    "Action",
    "LaunchPeers",
    "AbortSync",
    "StopPeers",
    "CommitOutput",
    "AbortOutput",
    "JobFinished",
    "RecoverPeers",
    "CommitCheckpoint",
    "PEER_COUNTER_GROUP",
    "JOB_COUNTER_GROUP",
]

#: Counter groups, with Hama's names (``Counters.log`` prints these).
PEER_COUNTER_GROUP = "org.apache.hama.bsp.BSPPeerImpl$PeerCounter"
JOB_COUNTER_GROUP = "org.apache.hama.bsp.JobInProgress$JobCounter"

Counters = dict[tuple[str, str], int]

#: Seconds between status versions caused only by superstep progress.
PROGRESS_INTERVAL = 0.25


class JobState(str, enum.Enum):
    """Job run states (Hama ``JobStatus`` / YARN vocabulary)."""

    PREP = "PREP"
    RUNNING = "RUNNING"
    RECOVERING = "RECOVERING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @property
    def finished(self) -> bool:
        """True for SUCCEEDED, FAILED and KILLED."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.KILLED)


class PeerState(str, enum.Enum):
    """States of one peer (task)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    KILLED = "KILLED"


# ---------------------------------------------------------------- events
class Event(Record):
    """Base of all events; *now* is seconds on the master's monotonic clock."""

    now: float


class Start(Event):
    """The master is up: launch the peers."""


class PeerStarted(Event):
    """Peer *index* fetched its task (it runs, on *host*)."""

    index: int
    host: str = ""


class PeerRegistered(Event):
    """Peer *index* registered its message server as *name*."""

    index: int
    name: str


class PeerHeartbeat(Event):
    """Peer *index* is alive, at *superstep*, with these counters."""

    index: int
    superstep: int
    counters: Counters = field(default_factory=dict)


class PeerSucceeded(Event):
    """Peer *index* finished bsp() and cleanup() without error."""

    index: int
    superstep: int
    counters: Counters = field(default_factory=dict)


class PeerFailed(Event):
    """Peer *index* raised: *error* is a one-line summary, *traceback* the detail.

    *suspect* is the peer it lost its connection to (-1: none): most likely that peer died,
    and its death, reported a moment later, is the job's failure rather than this one.
    """

    index: int
    superstep: int
    error: str
    traceback: str = ""
    counters: Counters = field(default_factory=dict)
    suspect: int = -1


class PeerExited(Event):
    """The process (or container) of peer *index* ended; *description* says how."""

    index: int
    returncode: int
    description: str = ""
    attempt: int = 0


class BarrierCompleted(Event):
    """Every peer passed the barrier of *superstep* (from the embedded SyncServer)."""

    superstep: int


class KillRequested(Event):
    """A user (``hama job -kill``, Ctrl-C) asked to kill the job."""

    reason: str


class CommitFinished(Event):
    """The output commit ended; *error* is empty on success."""

    error: str = ""


class Tick(Event):
    """Time passes: check registration and heartbeat deadlines."""


class CheckpointWritten(Event):
    """Peer *index* (of job attempt *attempt*) made its part of checkpoint *superstep* durable."""

    index: int
    attempt: int
    superstep: int
    nbytes: int = 0
    millis: int = 0


# ---------------------------------------------------------------- actions
class Action(Record):
    """Base of all actions."""


class LaunchPeers(Action):
    """Start peers with these task indexes."""

    indexes: tuple[int, ...]


class AbortSync(Action):
    """Release every peer waiting in a barrier with an error."""

    reason: str


class StopPeers(Action):
    """Stop all peer processes that are still running."""

    reason: str


class CommitOutput(Action):
    """Move the peers' output from the temporary location into the output directory."""


class AbortOutput(Action):
    """Remove all temporary output (nothing may appear in the output directory)."""


class RecoverPeers(Action):
    """Stop every peer of the failed attempt and start all peers again as job attempt *attempt*,
    restored from the checkpoint of *superstep* (0: from the start); discard the failed
    attempt's temporary output and sync state."""

    attempt: int
    superstep: int
    reason: str


class CommitCheckpoint(Action):
    """Every peer's part of the checkpoint of *superstep* is durable: record it, drop older ones."""

    superstep: int


class JobFinished(Action):
    """The job reached a final *state*."""

    state: JobState
    diagnostics: str


# ---------------------------------------------------------------- the machine
@dataclass
class PeerRecord:
    """What the master knows about one peer."""

    index: int
    state: PeerState = PeerState.PENDING
    name: str = ""
    host: str = ""
    superstep: int = 0
    last_seen: float = 0.0
    counters: Counters = field(default_factory=dict)
    diagnostics: str = ""


class JobStateMachine:
    """Job, peer and superstep state of one BSP job.

    Parameters
    ----------
    job_id : str
        The job's id.
    num_peers : int
        Number of peers.
    heartbeat_timeout : float
        A running peer silent for longer (seconds) fails the job.
    start_timeout : float
        Peers that have not started this long (seconds) after launch fail the job.
    recovery : bool
        Recover from failed peers (``bsp.ft.enabled``) instead of failing the job.
    max_attempts : int
        Runs of the job's peers in all, the first included (``bsp.tasks.max.attempts``).
    checkpoints : bool
        Peers write checkpoints (adds the checkpoint counters).
    suspect_grace : float
        A peer failing because it lost its connection to another peer waits this long
        (seconds) for that peer's own failure, which is then the one reported.
    """

    def __init__(self, job_id: str, num_peers: int, heartbeat_timeout: float = 30.0, start_timeout: float = 120.0,
                 recovery: bool = False, max_attempts: int = 1, checkpoints: bool = False,
                 suspect_grace: float = 5.0) -> None:
        if num_peers < 1:
            raise ValueError("num_peers must be >= 1")
        self.job_id = job_id
        self.num_peers = num_peers
        self.heartbeat_timeout = heartbeat_timeout
        self.start_timeout = start_timeout
        self.suspect_grace = suspect_grace
        # A failure held back while its suspect may still report its own: (diagnostics,
        # suspect index, deadline, how many peers blamed it).
        self._held: tuple[str, int, float, int] | None = None
        self.state = JobState.PREP
        self.peers = [PeerRecord(i) for i in range(num_peers)]
        self.superstep = 0
        self.diagnostics = ""
        self.launched_at: float | None = None
        self.committing = False
        self.version = 0
        self._published_superstep = 0
        self._published_at = float("-inf")
        # fault tolerance
        self.recovery = recovery
        self.max_attempts = max(1, max_attempts)
        self.checkpoints = checkpoints
        self.attempt = 0
        self.recoveries = 0
        self.checkpoint = 0  # superstep of the newest complete checkpoint (0: none)
        self.restored_superstep = 0
        self.failures: list[str] = []
        self.checkpoint_bytes = 0
        self.checkpoint_ms = 0
        self._ckpt_reports: dict[int, set[int]] = {}
        self.resumed = False  # a restarted master (YARN AM attempt >= 2) resumes the job

    def resume(self, attempt: int, superstep: int, recoveries: int = 0, checkpoint_bytes: int = 0,
               checkpoint_ms: int = 0) -> None:
        """Before :class:`Start`: continue a job whose previous master died (a YARN AM restart).

        Peers start as job attempt *attempt*, restored from the checkpoint of *superstep*
        (0: from the start); the job is RECOVERING until they all started.  The restart
        counts as a recovery; the restarted master has ``max_attempts`` runs of the peers
        of its own (the peers did not fail).

        Raises
        ------
        ValueError
            The job already started, or *attempt* < 1.
        """
        if self.state is not JobState.PREP or attempt < 1:
            raise ValueError(f"cannot resume a job in state {self.state.value} as attempt {attempt}")
        self.max_attempts += attempt - self.attempt
        self.attempt = attempt
        self.recoveries = recoveries + 1
        self.checkpoint = self.restored_superstep = self.superstep = max(0, superstep)
        self.checkpoint_bytes, self.checkpoint_ms = checkpoint_bytes, checkpoint_ms
        for p in self.peers:
            p.superstep = self.superstep
        self.resumed = True

    # -- queries ---------------------------------------------------------
    def counters(self) -> Counters:
        """Job counters: the peers' counters summed, plus SUPERSTEPS and LAUNCHED_TASKS."""
        total: Counters = {}
        for p in self.peers:
            for k, v in p.counters.items():
                total[k] = total.get(k, 0) + v
        total[(JOB_COUNTER_GROUP, "SUPERSTEPS")] = self.superstep
        total[(JOB_COUNTER_GROUP, "LAUNCHED_TASKS")] = sum(1 for p in self.peers if p.state != PeerState.PENDING)
        if self.recovery or self.checkpoints:
            total[(JOB_COUNTER_GROUP, "RECOVERIES")] = self.recoveries
            total[(JOB_COUNTER_GROUP, "CHECKPOINT_BYTES")] = self.checkpoint_bytes
            total[(JOB_COUNTER_GROUP, "CHECKPOINT_TIME_MS")] = self.checkpoint_ms
        return total

    # -- transitions -----------------------------------------------------
    def handle(self, event: Event) -> list[Action]:
        """Apply *event*; return the actions the master must perform, in order."""
        before = (self.state, self.committing, tuple(p.state for p in self.peers))
        actions = self._dispatch(event)
        after = (self.state, self.committing, tuple(p.state for p in self.peers))
        # Superstep-only changes bump the version at most every PROGRESS_INTERVAL
        # seconds, so clients following progress cost nothing per superstep.
        progressed = self.superstep != self._published_superstep and event.now - self._published_at >= PROGRESS_INTERVAL
        if before != after or actions or progressed:
            self.version += 1
            self._published_superstep, self._published_at = self.superstep, event.now
        return actions

    def _dispatch(self, ev: Event) -> list[Action]:
        if isinstance(ev, Start):
            if self.state is not JobState.PREP:
                return []
            self.state = JobState.RECOVERING if self.resumed else JobState.RUNNING
            self.launched_at = ev.now
            return [LaunchPeers(tuple(range(self.num_peers)))]
        if isinstance(ev, KillRequested):
            if self.state.finished:
                return []
            return self._end(JobState.KILLED, f"Job killed: {ev.reason}", PeerState.KILLED)
        if self.state not in (JobState.RUNNING, JobState.RECOVERING):
            if isinstance(ev, PeerHeartbeat | PeerSucceeded | PeerFailed):
                self._absorb_counters(ev.index, ev.counters)
            return []
        if (self.attempt > 0 and isinstance(ev, PeerHeartbeat | PeerSucceeded | PeerFailed | PeerRegistered)
                and self._peer(ev.index).state is PeerState.PENDING):
            return []  # a late report of the failed attempt's peer: its replacement has not started yet
        if isinstance(ev, PeerStarted):
            p = self._peer(ev.index)
            if p.state is PeerState.PENDING:
                p.state = PeerState.RUNNING
            p.host, p.last_seen = ev.host, ev.now
            if self.state is JobState.RECOVERING and all(q.state is not PeerState.PENDING for q in self.peers):
                self.state = JobState.RUNNING
            return []
        if isinstance(ev, CheckpointWritten):
            return self._checkpoint_written(ev)
        if isinstance(ev, PeerRegistered):
            p = self._peer(ev.index)
            p.name, p.last_seen = ev.name, ev.now
            return []
        if isinstance(ev, PeerHeartbeat):
            p = self._peer(ev.index)
            p.last_seen = ev.now
            p.superstep = max(p.superstep, ev.superstep)
            p.counters = dict(ev.counters) or p.counters
            self.superstep = max(self.superstep, min(q.superstep for q in self.peers))
            return []
        if isinstance(ev, BarrierCompleted):
            if ev.superstep >= 0:
                self.superstep = max(self.superstep, ev.superstep + 1)
                for p in self.peers:
                    if p.state is PeerState.RUNNING:
                        p.superstep = max(p.superstep, ev.superstep + 1)
            return []
        if isinstance(ev, PeerSucceeded):
            p = self._peer(ev.index)
            p.state, p.superstep, p.last_seen = PeerState.SUCCEEDED, ev.superstep, ev.now
            p.counters = dict(ev.counters)
            self.superstep = max(self.superstep, ev.superstep)
            if all(q.state is PeerState.SUCCEEDED for q in self.peers) and not self.committing:
                self.committing = True
                return [CommitOutput()]
            return []
        if isinstance(ev, PeerFailed):
            p = self._peer(ev.index)
            p.counters = dict(ev.counters) or p.counters
            p.superstep = ev.superstep
            diag = self._peer_diagnostics(p, ev.superstep, ev.error, ev.traceback)
            p.state, p.diagnostics = PeerState.FAILED, diag
            return self._failed_or_hold(diag, ev.now, ev.suspect)
        if isinstance(ev, PeerExited):
            p = self._peer(ev.index)
            if ev.attempt != self.attempt or p.state is PeerState.SUCCEEDED or (p.state is PeerState.FAILED):
                return []
            how = ev.description or f"exit code {ev.returncode}"
            diag = self._peer_diagnostics(p, p.superstep, f"peer process ended unexpectedly ({how})", "")
            p.state, p.diagnostics = PeerState.FAILED, diag
            return self._failed_or_hold(diag, ev.now)
        if isinstance(ev, CommitFinished):
            if ev.error:
                return self._end(JobState.FAILED, f"Output commit failed: {ev.error}", PeerState.SUCCEEDED, abort_output=True)
            self.committing = False
            self.state = JobState.SUCCEEDED
            return [JobFinished(JobState.SUCCEEDED, "")]
        if isinstance(ev, Tick):
            return self._check_deadlines(ev.now)
        raise TypeError(f"unknown event {ev!r}")

    def _check_deadlines(self, now: float) -> list[Action]:
        if self._held is not None and now >= self._held[2]:
            return self._failed(self._held[0], now)  # its suspect did not fail: this is the failure
        if self.committing:
            return []
        for p in self.peers:
            if p.state is PeerState.PENDING and self.launched_at is not None and now - self.launched_at > self.start_timeout:
                diag = self._peer_diagnostics(p, 0, f"peer did not start within {self.start_timeout:g}s", "")
                p.state, p.diagnostics = PeerState.FAILED, diag
                return self._failed(diag, now)
            if p.state is PeerState.RUNNING and now - p.last_seen > self.heartbeat_timeout:
                diag = self._peer_diagnostics(
                    p, p.superstep, f"no heartbeat for {now - p.last_seen:.1f}s (timeout {self.heartbeat_timeout:g}s)", ""
                )
                p.state, p.diagnostics = PeerState.FAILED, diag
                return self._failed(diag, now)
        return []

    def _failed_or_hold(self, diag: str, now: float, suspect: int = -1) -> list[Action]:
        """A peer failed; hold the failure back while the peer it blames may still report its own.

        Peers that lose their connection to a dead peer usually report before the master sees
        that peer's process end; the dead peer's failure is the one a user needs to read.
        """
        if self._held is not None:
            held_diag, held_suspect, deadline, blamed = self._held
            if self.peers[held_suspect].state is PeerState.FAILED:  # the suspect's own failure: the cause
                n = blamed + (suspect == held_suspect)
                note = f"\n({n} other peer{'s' if n != 1 else ''} then failed sending to peer {held_suspect})"
                return self._failed(self.peers[held_suspect].diagnostics + note, now)
            if suspect == held_suspect:
                self._held = (held_diag, held_suspect, deadline, blamed + 1)
                return []
            return self._failed(held_diag, now)
        if 0 <= suspect < self.num_peers and self.suspect_grace > 0 and self.peers[suspect].state in (
                PeerState.RUNNING, PeerState.PENDING):
            self._held = (diag, suspect, now + self.suspect_grace, 1)
            return []
        return self._failed(diag, now)

    # -- fault tolerance -------------------------------------------------
    def _failed(self, diag: str, now: float) -> list[Action]:
        """A peer failed: recover while attempts remain (``bsp.ft.enabled``), else fail the job."""
        self._held = None
        self.failures.append(diag)
        if not self.recovery:
            return self._end(JobState.FAILED, diag, PeerState.KILLED)
        if self.attempt + 1 >= self.max_attempts:
            n = len(self.failures)
            head = (f"Job failed: {n} failure{'s' if n != 1 else ''} in {self.attempt + 1} attempt"
                    f"{'s' if self.attempt else ''} (bsp.tasks.max.attempts={self.max_attempts})")
            body = "\n".join(f"[{i + 1}] {f}" for i, f in enumerate(self.failures))
            return self._end(JobState.FAILED, f"{head}\n{body}" if n > 1 else diag, PeerState.KILLED)
        self.attempt += 1
        self.recoveries += 1
        restore = self.checkpoint
        self.restored_superstep = restore
        self.state = JobState.RECOVERING
        self.superstep = restore
        self.launched_at = now
        self._ckpt_reports.clear()
        for q in self.peers:
            q.state, q.superstep, q.name, q.last_seen = PeerState.PENDING, restore, "", now
        reason = diag.splitlines()[0]
        return [AbortSync(f"recovering (attempt {self.attempt}): {reason}"),
                RecoverPeers(self.attempt, restore, reason)]

    def _checkpoint_written(self, ev: CheckpointWritten) -> list[Action]:
        if ev.attempt != self.attempt or not 0 <= ev.index < self.num_peers:
            return []
        self.checkpoint_bytes += ev.nbytes
        self.checkpoint_ms += ev.millis
        if ev.superstep <= self.checkpoint:
            return []
        reported = self._ckpt_reports.setdefault(ev.superstep, set())
        reported.add(ev.index)
        if len(reported) < self.num_peers:
            return []
        self.checkpoint = ev.superstep
        for step in [s for s in self._ckpt_reports if s <= ev.superstep]:
            del self._ckpt_reports[step]
        return [CommitCheckpoint(ev.superstep)]

    def _end(self, state: JobState, diagnostics: str, others: PeerState, abort_output: bool = True) -> list[Action]:
        self.state = state
        self.diagnostics = diagnostics
        self.committing = False
        self._held = None
        for p in self.peers:
            if p.state in (PeerState.PENDING, PeerState.RUNNING):
                p.state = others
        actions: list[Action] = [AbortSync(diagnostics.splitlines()[0] if diagnostics else state.value), StopPeers(state.value)]
        if abort_output:
            actions.append(AbortOutput())
        actions.append(JobFinished(state, diagnostics))
        return actions

    def _absorb_counters(self, index: int, counters: Counters) -> None:
        if counters and 0 <= index < self.num_peers:
            self.peers[index].counters = dict(counters)

    def _peer(self, index: int) -> PeerRecord:
        if not 0 <= index < self.num_peers:
            raise ValueError(f"task index {index} out of range 0..{self.num_peers - 1}")
        return self.peers[index]

    def _peer_diagnostics(self, p: PeerRecord, superstep: int, error: str, tb: str) -> str:
        where = f"peer {p.index}" + (f" ({p.name})" if p.name else "") + (f" on {p.host}" if p.host else "")
        text = f"Task {task_attempt_id(self.job_id, p.index)} failed: {where} at superstep {superstep}: {error}"
        return text + ("\n" + tb.rstrip() if tb else "")


def task_attempt_id(job_id: str, index: int, attempt: int = 0) -> str:
    """Hama-style attempt id: ``attempt_<jt>_<job4>_<task6>_<attempt>``."""
    rest = job_id[len("job_") :] if job_id.startswith("job_") else job_id
    return f"attempt_{rest}_{index:06d}_{attempt}"
