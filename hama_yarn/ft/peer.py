"""Peer side of fault tolerance: write checkpoints after barriers, restore a peer from one.

A :class:`PeerCheckpointer` hangs on a :class:`~hama_yarn.peer.runtime.PeerImpl`
(``peer.checkpointer``); the peer calls :meth:`PeerCheckpointer.after_sync` at the end
of every ``sync()``.  At a checkpoint superstep it saves, in one part file:

* the messages the peer just received (what ``get_current_message`` will return),
* its counters and the position of its input reader (records consumed since the
  reader was opened),
* the output records written since the previous checkpoint, as a static segment
  ``out<superstep>`` kept until the job ends (the part lists every segment so far; a
  restored attempt replays them all into its file, so the committed output is exactly
  that of an undisturbed run, and no checkpoint re-saves older output),
* the user's state: ``bsp.checkpoint_state(peer)`` (graph runners implement it).

A restored peer starts at the checkpoint's superstep with all of that put back; the
BSP's ``restore_state(peer, state)`` runs after ``setup()``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..errors import CheckpointError
from ..io.formats import RecordWriter
from .settings import SKIP_CHECKPOINT, FTSettings
from .store import CheckpointStore, pack

log = logging.getLogger(__name__)

__all__ = ["PeerCheckpointer", "JournalingWriter"]


class JournalingWriter(RecordWriter):
    """A record writer that remembers every record it wrote (for checkpoints)."""

    def __init__(self, inner: RecordWriter) -> None:
        self.inner = inner
        self.records: list[tuple[Any, Any]] = []

    def write(self, key: Any, value: Any) -> None:
        self.inner.write(key, value)
        self.records.append((key, value))

    def replay(self, records: list[Any]) -> None:
        """Write *records* (restored from a checkpoint) again."""
        for key, value in records:
            self.write(key, value)

    def close(self) -> None:
        self.inner.close()


class PeerCheckpointer:
    """Writes this peer's checkpoints and restores it from one.

    Parameters
    ----------
    settings : FTSettings
        The job's checkpoint interval.
    store : CheckpointStore
        The job's checkpoint directory.
    task_index, attempt : int
        Who writes.
    report : callable
        ``(superstep, nbytes, millis)``: tells the master a part is durable.
    """

    def __init__(self, settings: FTSettings, store: CheckpointStore, task_index: int, attempt: int,
                 report: Any) -> None:
        self.settings = settings
        self.store = store
        self.task_index = task_index
        self.attempt = attempt
        self.report = report
        self.bsp: Any = None
        self.writer: JournalingWriter | None = None
        self._static_bytes = 0  # static parts written since the last checkpoint (counted with it)
        self._segments: list[int] = []  # checkpoints whose output segment holds this peer's output so far

    # -- static state (written once, e.g. a loaded graph) ----------------------
    def write_static(self, name: str, state: dict[str, Any]) -> int:
        """Save *state* (a tree of arrays and values) as this peer's static part *name*.

        A static part never changes during the job: a restored attempt reads it
        (:meth:`read_static`) instead of recomputing it.  Write it before the first
        checkpoint that needs it; it is then durable before that checkpoint counts.
        """
        start = time.monotonic()
        size = self.store.write_static(name, self.task_index, self.attempt,
                                       pack({"name": name, "task": self.task_index}, state))
        self._static_bytes += size
        log.info("peer %d wrote static checkpoint part %r (%d bytes, %d ms)", self.task_index, name, size,
                 int((time.monotonic() - start) * 1000))
        return size

    def read_static(self, name: str) -> dict[str, Any]:
        """This peer's static part *name* (see :meth:`write_static`).

        Raises
        ------
        CheckpointError
            The part is missing or malformed.
        """
        return self.store.read_static(name, self.task_index).state

    # -- writing -----------------------------------------------------------
    def after_sync(self, peer: Any) -> None:
        """Called by ``peer.sync()`` after the barrier; writes a checkpoint when one is due."""
        step = peer.get_superstep_count()
        if self.settings.is_checkpoint(step):
            self.write(peer, step)

    def write(self, peer: Any, step: int) -> None:
        """Write this peer's part of the checkpoint of *step* and report it."""
        start = time.monotonic()
        state: dict[str, Any] = {"messages": peer.checkpoint_messages(), "output": []}
        user = None
        hook = getattr(self.bsp, "checkpoint_state", None)
        if callable(hook):
            user = hook(peer)
        if user is SKIP_CHECKPOINT:
            log.debug("peer %d: superstep %d cannot be resumed from: no checkpoint", self.task_index, step)
            return
        state["user"] = user
        segments = list(self._segments)
        records = self.writer.records if self.writer is not None else []
        if records:  # only the output since the previous checkpoint: earlier segments are kept
            name = f"out{step:08d}"
            self._static_bytes += self.store.write_static(
                name, self.task_index, self.attempt, pack({"name": name, "task": self.task_index}, {"records": records}))
            segments.append(step)
        header = {
            "superstep": step, "task": self.task_index, "attempt": self.attempt,
            "counters": [[g, n, v] for (g, n), v in peer.counters_snapshot().items()],
            "reader_pos": peer.reader_position(), "output_segments": segments,
        }
        size = self.store.write_part(step, self.task_index, self.attempt, pack(header, state))
        size, self._static_bytes = size + self._static_bytes, 0
        self._segments = segments
        if self.writer is not None:
            self.writer.records = []
        millis = int((time.monotonic() - start) * 1000)
        self.report(step, size, millis)
        log.debug("peer %d wrote checkpoint %d (%d bytes, %d ms)", self.task_index, step, size, millis)

    # -- restoring ---------------------------------------------------------
    def restore(self, peer: Any, step: int) -> Any:
        """Put peer state of checkpoint *step* back into *peer*; return the user's state.

        Raises
        ------
        CheckpointError
            The part is missing or malformed, or its output cannot be replayed.
        """
        part = self.store.read_part(step, self.task_index)
        counters = {(str(g), str(n)): int(v) for g, n, v in part.header["counters"]}
        peer.restore_checkpoint(step, part.state["messages"], counters, int(part.header["reader_pos"]))
        segments = [int(s) for s in part.header.get("output_segments", [])]
        output = part.state.get("output") or []
        if segments or output:
            if self.writer is None:
                raise CheckpointError(f"checkpoint {step} of task {self.task_index} holds output but the job has none")
            for s in segments:
                self.writer.replay(self.store.read_static(f"out{s:08d}", self.task_index).state["records"])
            self.writer.replay(output)
            self.writer.records = []  # durable in the segments: the next checkpoint saves only what follows
        self._segments = segments
        log.info("peer %d restored from checkpoint %d (attempt %d)", self.task_index, step, self.attempt)
        return part.state.get("user")


def attach_checkpointer(conf: Any, task: Any, umbilical: Any, writer: RecordWriter | None
                        ) -> tuple[PeerCheckpointer | None, RecordWriter | None]:
    """The peer's checkpointer for its task assignment (None when checkpoints are off).

    Returns
    -------
    tuple
        ``(checkpointer, writer)``: the writer wrapped so its records can be checkpointed.
    """
    root = getattr(task, "checkpoint_dir", "") or ""
    if not root:
        return None, writer
    settings = FTSettings.from_conf(conf)
    store = CheckpointStore(root, conf)
    index, attempt = int(task.task_index), int(task.attempt or 0)

    def report(step: int, nbytes: int, millis: int) -> None:
        umbilical.call("checkpoint_written", index, attempt, step, nbytes, millis)

    ckpt = PeerCheckpointer(settings, store, index, attempt, report)
    if writer is not None:
        writer = ckpt.writer = JournalingWriter(writer)
    return ckpt, writer


def prepare_restore(ckpt: PeerCheckpointer | None, task: Any, peer: Any, bsp: Any) -> Any:
    """Hook *ckpt* into *peer*; on a recovered attempt restore the peer's state now.

    Returns
    -------
    callable or None
        To call after ``bsp.setup(peer)``: hands the user's state to ``bsp.restore_state``.
    """
    if ckpt is None:
        return None
    ckpt.bsp = bsp
    if ckpt.settings.checkpoints:
        peer.checkpointer = ckpt
    step = int(getattr(task, "restore_superstep", 0) or 0)
    if step <= 0:
        return None
    user = ckpt.restore(peer, step)

    def after_setup() -> None:
        hook = getattr(bsp, "restore_state", None)
        if callable(hook):
            hook(peer, user)

    return after_setup
