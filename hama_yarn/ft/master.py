"""Master side of fault tolerance: checkpoint commits and the recovery of failed peers.

The pure :class:`~hama_yarn.master.state.JobStateMachine` decides (``RecoverPeers``,
``CommitCheckpoint``); :class:`MasterFT` carries the decisions out for the master
process:

* commit: write ``<root>/<superstep>/_COMMITTED`` and remove older checkpoints, on a
  background thread (the event loop never waits for the filesystem);
* recover: stop every peer of the failed attempt (at once), discard what they left
  (queued events, sync state, temporary output, uncommitted checkpoints), then start
  all peers again through the launcher's :meth:`~hama_yarn.launcher.base.PeerLauncher.replace`;
  each fetches its task and learns the attempt and the superstep to restore.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from ..errors import CheckpointError, HamaError
from ..master import state as st
from .settings import FTSettings, checkpoint_root

if TYPE_CHECKING:
    from .store import CheckpointStore

log = logging.getLogger(__name__)

__all__ = ["MasterFT", "machine_options"]


def machine_options(conf: Any) -> dict[str, Any]:
    """Keyword arguments of :class:`~hama_yarn.master.state.JobStateMachine` for the job's FT keys."""
    s = FTSettings.from_conf(conf)
    return {"recovery": s.recovery, "max_attempts": s.max_attempts, "checkpoints": s.checkpoints}


class MasterFT:
    """Fault tolerance of one master.

    Parameters
    ----------
    master : hama_yarn.master.server.Master
        The master (its launcher, sync server, committer, event queue).
    """

    def __init__(self, master: Any) -> None:
        self.m = master
        self.settings = FTSettings.from_conf(master.conf)
        self.root = checkpoint_root(master.conf, master.job_id) if self.settings.checkpoints else ""
        self._store: CheckpointStore | None = None
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._worker: threading.Thread | None = None
        if self.settings.recovery and not getattr(master.launcher, "supports_replace", False):
            log.warning("bsp.ft.enabled: the %s cannot replace peers; a failed peer fails the job",
                        type(master.launcher).__name__)
            master.machine.recovery = False

    @property
    def store(self) -> CheckpointStore:
        """The job's checkpoint directory (opened on first use)."""
        if self._store is None:
            from .store import CheckpointStore  # lazy: numpy and fsspec only for jobs with checkpoints

            self._store = CheckpointStore(self.root, self.m.conf)
        return self._store

    # -- checkpoints -------------------------------------------------------
    def commit(self, superstep: int) -> None:
        """Record the complete checkpoint of *superstep*; remove older ones (in the background)."""
        log.info("checkpoint of superstep %d complete", superstep)
        m = self.m.machine
        info = {"attempt": m.attempt, "recoveries": m.recoveries, "checkpoint_bytes": m.checkpoint_bytes,
                "checkpoint_ms": m.checkpoint_ms}  # for a restarted master (hama_yarn.ft.amrestart)
        self._background(self._commit, superstep, info)

    def _commit(self, superstep: int, info: dict[str, Any] | None = None) -> None:
        try:
            self.store.commit(superstep, info)
        except CheckpointError as exc:
            log.warning("%s", exc)  # the master's own record (in memory) is what counts
        self.store.remove_before(superstep)

    def _background(self, fn: Any, *args: Any) -> None:
        self._jobs.put((fn, args))
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="checkpoint-janitor", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            fn, args = item
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - clean-up is best effort
                log.warning("checkpoint clean-up failed", exc_info=True)
            finally:
                self._jobs.task_done()

    def close(self) -> None:
        """The job ended: remove its checkpoints (after pending clean-ups)."""
        if self._worker is not None:
            self._jobs.join()
            self._jobs.put(None)
        if self.root:
            try:
                self.store.remove_all()
            except HamaError as exc:
                log.warning("removing checkpoints %s failed: %s", self.root, exc)

    # -- recovery ----------------------------------------------------------
    def prepare(self) -> None:
        """Before the first launch: a resumed job (restarted master) drops what its old attempt left.

        Its temporary output (every peer writes its part again, replaying the checkpoint's
        records) and checkpoints newer than the one it resumes from (never committed).
        """
        m = self.m.machine
        if not m.resumed:
            return
        self._discard_output()
        if self.root:
            self.store.remove_after(m.restored_superstep)

    def recover(self, action: st.RecoverPeers) -> None:
        """Restart every peer as attempt ``action.attempt`` from checkpoint ``action.superstep``."""
        m = self.m
        log.warning("job %s: recovering as attempt %d from %s: %s", m.job_id, action.attempt,
                    f"the checkpoint of superstep {action.superstep}" if action.superstep else "the start",
                    action.reason)
        indexes = tuple(range(m.num_peers))
        m.launcher.replace(indexes, m.address, action.attempt, lambda: self._reset(action))

    def _reset(self, action: st.RecoverPeers) -> None:
        """Between the old peers' end and the new ones' start: forget everything the old attempt left."""
        m = self.m
        m.discard_peer_events()
        self._restart_sync()
        self._discard_output()
        if self.root:
            self._jobs.join()  # no commit of the old attempt runs behind our back
            self.store.remove_after(action.superstep)

    def _restart_sync(self) -> None:
        m = self.m
        server = m.sync_server
        restart = getattr(server, "restart", None)
        if callable(restart):
            restart()
        else:
            if server.thrift_services():
                raise HamaError(f"the sync service {type(server).__name__} cannot be restarted for a recovery")
            server.close(False)
            fresh = type(server)(server.ctx, server.on_barrier)
            fresh.start()
            m.sync_server = fresh
        m.reset_barrier()

    def _discard_output(self) -> None:
        """Remove the failed attempt's temporary output (every peer writes its part again)."""
        conf = self.m.conf
        if not conf.get("bsp.output.dir"):
            return
        from ..io.output import TEMP, OutputCommitter

        committer = OutputCommitter(conf, self.m.job_id)
        temp = f"{committer.path}/{TEMP}"
        try:
            for attempt_dir in committer.fs.ls(temp, detail=False):
                committer.fs.rm(attempt_dir, recursive=True)
        except FileNotFoundError:
            committer.setup_job()
        except OSError as exc:
            raise HamaError(f"cannot discard the failed attempt's output in {temp}: {exc}") from exc
