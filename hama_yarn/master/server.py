"""The master process: the pure :class:`JobStateMachine` wrapped with I/O.

Hosts, on one authenticated Thrift port, the ``MasterService`` (clients),
``PeerUmbilical`` (peers) and the embedded SyncServer's services; drives a
:class:`~hama_yarn.launcher.PeerLauncher`; commits or aborts output.  All state
changes happen on one event-loop thread; RPC handlers only post events.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import HamaError
from ..launcher.base import PeerExit, PeerLauncher
from ..peer.main import load_job
from ..rpc.idl import counters_from_thrift, counters_to_thrift, idl
from ..rpc.server import RPCServer
from ..web.timeline import Timeline, split_timeline
from ..ft.master import MasterFT, machine_options
from ..sync import SyncContext, server_class
from . import state as st

log = logging.getLogger(__name__)

__all__ = ["Master"]


class Master:
    """One job's BSPMaster and SyncServer.

    Parameters
    ----------
    job_dir : str
        The job's staging directory (``job.json``).
    secret : str
        The job secret.
    launcher_factory : callable
        ``(on_exit) -> PeerLauncher``.
    host : str
        Address to bind; the advertised address is *advertise* or this.
    advertise : str, optional
        Host name peers and clients use to reach the master.
    publish : callable, optional
        Called with the master's ``host:port`` once it listens (local mode writes
        ``master.json``; YARN mode stores it in skein's key-value store).
    listener : socket.socket, optional
        The master's port, already bound and listening (local mode binds it before
        forking the peers, which connect while the master starts).  A peer that asks
        for its task before the job was launched waits for the launch.
    """

    def __init__(
        self,
        job_dir: str,
        secret: str,
        launcher_factory: Callable[[Callable[[PeerExit], None]], PeerLauncher],
        host: str = "127.0.0.1",
        advertise: str | None = None,
        publish: Callable[[str], None] | None = None,
        listener: socket.socket | None = None,
    ) -> None:
        self.job_dir = job_dir
        self.job_id, self.conf = load_job(job_dir)
        self._secret = secret
        self.num_peers = self.conf.get_int("bsp.peers.num")
        self.machine = st.JobStateMachine(
            self.job_id,
            self.num_peers,
            heartbeat_timeout=self.conf.get_seconds("hama.peer.heartbeat.timeout.ms"),
            start_timeout=self.conf.get_seconds("hama.master.start.timeout.ms") * 2,
            suspect_grace=self.conf.get_seconds("hama.master.suspect.grace.ms"),
            **machine_options(self.conf),
        )
        self._events: queue.Queue[st.Event] = queue.Queue()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._finished = threading.Event()
        self._released = threading.Event()
        self._launched = threading.Event()  # peers were launched, or the job ended before that
        self._splits: list[str] = []
        self._stopper: threading.Thread | None = None
        self._barrier = -1
        self._settled = False
        self.start_time = time.time()
        self.finish_time = 0.0
        self.user = _user()
        self.launcher = launcher_factory(self._on_peer_exit)
        self.committer = _committer(self.conf, self.job_id)
        bind_host = listener.getsockname()[0] if listener is not None else host
        ctx = SyncContext(self.conf, self.job_id, self.num_peers, secret, extras={"bind_host": bind_host})
        self.sync_server = server_class(self.conf)(ctx, self._on_barrier)
        self.ft = MasterFT(self)  # fault tolerance: checkpoint commits, recovery (hama_yarn.ft)
        services: dict[str, object] = {"MasterService": _MasterHandler(self), "PeerUmbilical": _UmbilicalHandler(self)}
        services.update(self.sync_server.thrift_services())
        self.server = RPCServer(host, 0, secret, services, name="master", sock=listener)
        self._advertise = advertise or (host if host not in ("0.0.0.0", "") else socket.getfqdn())
        self._publish = publish
        self._host = host
        self.address = ""
        self.timeline = Timeline(self.num_peers)  # per-superstep timings for the web UI
        self.peer_pids: dict[int, int] = {}
        self.web: Any = None  # hama_yarn.web.deferred.DeferredWebUI
        self.ui_url = ""  # direct URL of the web UI, token included
        self.am_attempt = 0  # YARN: the ApplicationMaster attempt this master runs in (0: not on YARN)

    # ------------------------------------------------------------------ API
    def post(self, event: st.Event) -> None:
        """Queue an event for the state machine (any thread)."""
        self._events.put(event)

    def run(self, linger: float = 60.0) -> st.JobState:
        """Run the job to its end; serve status until released or *linger* seconds passed."""
        self.server.start()
        self.address = f"{self._advertise}:{self.server.port}"
        log.info("master of %s listening on %s", self.job_id, self.address)
        # The web UI's port is bound and its URL known now; it starts serving when wanted
        # (hama_yarn.web.deferred), not while the peers start.  Then the client learns the address.
        self._open_web()
        if self._publish is not None:
            self._publish(self.address)
        try:
            self._prepare()
        except HamaError as exc:
            log.error("job %s cannot start: %s", self.job_id, exc)
            self._apply([st.AbortSync(str(exc)), st.JobFinished(st.JobState.FAILED, f"Job setup failed: {exc}")],
                        force_state=st.JobState.FAILED, diagnostics=f"Job setup failed: {exc}")
            self._launched.set()
        else:
            self.post(st.Start(time.monotonic()))
        self._loop()
        self._settle()
        self._released.wait(linger)
        self.shutdown()
        return self.machine.state

    def _settle(self) -> None:
        """After the job ended: let stopping peers report (their counters), then mark it settled."""
        if self._stopper is not None:
            deadline = time.monotonic() + self.conf.get_seconds("hama.job.kill.grace.ms") + 10
            while self._stopper.is_alive() and time.monotonic() < deadline:
                self._stopper.join(0.05)
                self._drain()
        self._drain()
        with self._lock:
            self._settled = True
            self.machine.version += 1
            self._changed.notify_all()
        if self.machine.state.finished:
            self._record_final_state(self.machine.state)
            self._write_history()

    def _drain(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                self.machine.handle(event)  # a finished job only absorbs late counters

    def shutdown(self) -> None:
        """Wait for stopping peers (so they can report), stop serving, close sync and launcher."""
        if self._stopper is not None:
            self._stopper.join(self.conf.get_seconds("hama.job.kill.grace.ms") + 10)
            if self.machine.state is not st.JobState.SUCCEEDED:
                # A peer that was slow to start may have created output after the first abort.
                self.committer.abort_job()
        self.server.stop()
        self.ft.close()
        if self.web is not None:
            # Its serve_forever() notices a shutdown only at its next poll (up to 0.2 s): stop it
            # in the background instead of making the client, which waits for this process, wait.
            threading.Thread(target=self.web.stop, name="web-stop", daemon=True).start()
        try:
            self.sync_server.close(self.machine.state is st.JobState.SUCCEEDED)
        except Exception:  # noqa: BLE001
            log.warning("closing the sync service failed", exc_info=True)
        self.launcher.close()

    # ------------------------------------------------------------ internals
    def _prepare(self) -> None:
        self.sync_server.start()
        if self.conf.get("bsp.input.dir"):
            from ..io.formats import input_format

            splits = input_format(self.conf).get_splits(self.conf, self.num_peers)
            if len(splits) != self.num_peers:
                raise HamaError(f"input format made {len(splits)} splits for {self.num_peers} peers")
            self._splits = [json.dumps(s) for s in splits]
        else:
            self._splits = [""] * self.num_peers
        self.committer.setup_job()
        self.ft.prepare()  # a resumed job (restarted master) drops what its old attempt left

    def _loop(self) -> None:
        tick_every = 0.25
        next_tick = time.monotonic() + tick_every
        reported_barrier = self._barrier
        while not self._finished.is_set():
            now = time.monotonic()
            try:
                event: st.Event = self._events.get(timeout=max(0.0, next_tick - now))
            except queue.Empty:
                next_tick = now + tick_every
                event = st.Tick(now)
            barrier = self._barrier
            if barrier != reported_barrier and isinstance(event, st.Tick | st.PeerExited | st.PeerFailed):
                # Barriers are reported on ticks (not per superstep, to keep the barrier
                # path lean) and before a failure, so diagnostics name the right superstep.
                reported_barrier = barrier
                self._handle(st.BarrierCompleted(now, barrier))
            self._handle(event)

    def _handle(self, event: st.Event) -> None:
        with self._lock:
            actions = self.machine.handle(event)
            self._changed.notify_all()
        self._apply(actions)

    def _apply(self, actions: list[st.Action], force_state: st.JobState | None = None, diagnostics: str = "") -> None:
        for action in actions:
            try:
                self._perform(action, force_state, diagnostics)
            except Exception:  # noqa: BLE001 - one failing action must not kill the master
                log.exception("action %s failed", action)

    def _perform(self, action: st.Action, force_state: st.JobState | None, diagnostics: str) -> None:
        if isinstance(action, st.LaunchPeers):
            try:
                self.launcher.launch(action.indexes, self.address)
            finally:
                self._launched.set()
        elif isinstance(action, st.AbortSync):
            self.sync_server.abort(action.reason)
        elif isinstance(action, st.RecoverPeers):
            try:
                self.ft.recover(action)
            except Exception as exc:  # noqa: BLE001 - a recovery that cannot start fails the job
                log.exception("recovery failed")
                self.post(st.KillRequested(time.monotonic(), f"recovery of attempt {action.attempt} failed: {exc}"))
        elif isinstance(action, st.CommitCheckpoint):
            self.ft.commit(action.superstep)
        elif isinstance(action, st.StopPeers):
            grace = self.conf.get_seconds("hama.job.kill.grace.ms")
            self._stopper = threading.Thread(target=self.launcher.stop, args=(grace,), name="stop-peers", daemon=True)
            self._stopper.start()
        elif isinstance(action, st.CommitOutput):
            try:
                self.committer.commit_job()
                self.post(st.CommitFinished(time.monotonic()))
            except HamaError as exc:
                self.post(st.CommitFinished(time.monotonic(), error=str(exc)))
        elif isinstance(action, st.AbortOutput):
            self.committer.abort_job()
        elif isinstance(action, st.JobFinished):
            with self._lock:
                if force_state is not None:
                    self.machine.state = force_state
                    self.machine.diagnostics = diagnostics
                self.machine.version += 1
                self.finish_time = time.time()
                self._changed.notify_all()
            log.info("job %s %s%s", self.job_id, action.state.value, f": {action.diagnostics}" if action.diagnostics else "")
            self._record_final_state(action.state, with_counters=False)
            self._finished.set()
            self._launched.set()

    def _record_final_state(self, state: st.JobState, with_counters: bool = True) -> None:
        """Note the job's end in the registry (``hama job -list all``, ``-status`` after the master is gone)."""
        from ..registry import record_final_state

        counters = [[g, n, v] for (g, n), v in sorted(self.machine.counters().items())] if with_counters else None
        record_final_state(self.conf, self.job_id, state.value, self.machine.superstep, counters,
                           self.machine.diagnostics or "", self.user)

    def await_launch(self, task_index: int) -> None:
        """Block a peer that asks for its task until the job launched its peers.

        Raises
        ------
        HamaError
            The job ended before (its setup failed, it was killed), or it was not
            launched within the peers' start timeout.
        """
        if not self._launched.wait(self.machine.start_timeout):
            raise HamaError(f"job aborted: peer {task_index} asked for its task, "
                            f"but the job was not launched within {self.machine.start_timeout:g}s")
        state = self.machine.state
        if state not in (st.JobState.RUNNING, st.JobState.RECOVERING):
            first = (self.machine.diagnostics or state.value).splitlines()[0]
            raise HamaError(f"job aborted before peer {task_index} started: {first}")

    def _on_peer_exit(self, ex: PeerExit) -> None:
        self.post(st.PeerExited(time.monotonic(), ex.index, ex.returncode, ex.description, ex.attempt))

    def discard_peer_events(self) -> None:
        """Recovery: drop queued events of the failed attempt's peers (they are all gone)."""
        keep = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            if isinstance(event, st.KillRequested | st.Tick | st.Start):
                keep.append(event)
        for event in keep:
            self._events.put(event)

    def reset_barrier(self) -> None:
        """Recovery: the sync service starts over (barrier numbers restart below the old ones)."""
        self._barrier = -1

    def _on_barrier(self, superstep: int) -> None:
        self._barrier = superstep  # read by the event loop at its next tick

    def status(self) -> Any:
        """The job's status as a Thrift ``JobStatus`` (thread-safe)."""
        with self._lock:
            return self._status_locked()

    def _status_locked(self) -> Any:
        m = self.machine
        module = idl()
        now_wall, now_mono = time.time(), time.monotonic()
        peers = [
            module.PeerInfo(
                index=p.index, name=p.name, state=p.state.value, superstep=p.superstep, host=p.host,
                last_seen_ms=int((now_wall - (now_mono - p.last_seen)) * 1000) if p.last_seen else 0,
                diagnostics=p.diagnostics,
            )
            for p in m.peers
        ]
        return module.JobStatus(
            job_id=self.job_id, job_name=self.conf.get("bsp.job.name") or "", state=m.state.value,
            superstep=m.superstep, num_peers=self.num_peers, start_time_ms=int(self.start_time * 1000),
            finish_time_ms=int(self.finish_time * 1000), user=self.user, diagnostics=m.diagnostics,
            counters=counters_to_thrift(m.counters()), peers=peers, version=m.version, master_address=self.address,
            settled=self._settled, recoveries=m.recoveries, restored_superstep=m.restored_superstep,
            am_attempt=self.am_attempt,
        )

    # ------------------------------------------------------------ web UI
    def snapshot(self) -> dict[str, Any]:
        """A read-only JSON view of the job (web UI, job history); thread-safe."""
        from ..web.snapshot import build_snapshot

        with self._lock:
            status = self._status_locked()
            counters = self.machine.counters()
            peer_counters = [dict(p.counters) for p in self.machine.peers]
        return build_snapshot(self, status, counters, peer_counters)

    def peer_report(self, index: int, counters: list[Any]) -> dict[tuple[str, str], int]:
        """A peer's reported counters without the timeline entries (kept in :attr:`timeline`)."""
        plain, timeline = split_timeline(counters_from_thrift(counters))
        if timeline and 0 <= index < self.num_peers:
            self.timeline.add(index, timeline)
        return plain

    def _open_web(self) -> None:
        """Bind the web UI (``hama.web.enabled``) and note its URL; it serves once wanted."""
        if not self.conf.get_bool("hama.web.enabled", True):
            return
        from ..web.deferred import DeferredWebUI

        try:
            self.web = DeferredWebUI(self, self._host, self._advertise)
        except OSError as exc:
            log.warning("web UI not started (%s); the job runs without it", exc)
            return
        self.ui_url = self.web.url
        self.web.start()
        if (self.conf.get("bsp.master.address") or "local").strip() in ("local", "inline"):
            from ..registry import note

            note(self.conf, self.job_id, ui_url=self.ui_url)

    def _write_history(self) -> None:
        """The job history record (``hama history``); a failure is logged, never raised."""
        if not self.conf.get_bool("hama.job.history.enabled", True):
            return
        from ..web.history import history_dirs, write_record
        from ..web.live import MasterSource

        try:
            record = self.snapshot()
            record["logs"] = MasterSource(self).peer_logs(None, 50)
            base = history_dirs(self.conf, (self.conf.get("bsp.master.address") or "local").strip())[0]
            if base.startswith("file://"):
                # A local directory (local mode's default): plain file calls. Opening it through
                # fsspec costs its import and its entry-point scan (~0.2 s) while the client waits.
                from ..util import write_json_atomic

                os.makedirs(base[len("file://"):], exist_ok=True)
                target = os.path.join(base[len("file://"):], f"{self.job_id}.json")
                write_json_atomic(target, record, 0o644)
                log.info("job history record: %s", f"{base.rstrip('/')}/{self.job_id}.json")
                return
            log.info("job history record: %s", write_record(self.conf, record))
        except Exception as exc:  # noqa: BLE001 - history is a record, not part of the job
            log.warning("no job history record for %s: %s", self.job_id, exc)

    def wait_status(self, known_version: int, timeout: float) -> Any:
        """Block until the status version differs from *known_version* (or *timeout*)."""
        with self._changed:
            self._changed.wait_for(lambda: self.machine.version != known_version, timeout)
            return self._status_locked()


class _MasterHandler:
    """Thrift ``MasterService``."""

    def __init__(self, master: Master) -> None:
        self.m = master

    def get_status(self) -> Any:
        return self.m.status()

    def wait_status(self, known_version: int, timeout_ms: int) -> Any:
        return self.m.wait_status(known_version, min(timeout_ms, 60_000) / 1000.0)

    def kill_job(self, reason: str) -> bool:
        if self.m.machine.state.finished:
            return False
        self.m.post(st.KillRequested(time.monotonic(), reason or "killed by user"))
        return True

    def release(self) -> None:
        self.m._released.set()


class _UmbilicalHandler:
    """Thrift ``PeerUmbilical``."""

    def __init__(self, master: Master) -> None:
        self.m = master

    def get_task(self, task_index: int, host: str, pid: int) -> Any:
        if not 0 <= task_index < self.m.num_peers:
            raise HamaError(f"task index {task_index} out of range 0..{self.m.num_peers - 1}")
        self.m.await_launch(task_index)
        self.m.peer_pids[task_index] = pid
        self.m.post(st.PeerStarted(time.monotonic(), task_index, host))
        with self.m._lock:
            attempt, restore = self.m.machine.attempt, self.m.machine.restored_superstep
        return idl().TaskAssignment(
            job_id=self.m.job_id, attempt_id=st.task_attempt_id(self.m.job_id, task_index, attempt),
            task_index=task_index, num_peers=self.m.num_peers,
            split_json=self.m._splits[task_index] if self.m._splits else "",
            attempt=attempt, restore_superstep=restore, checkpoint_dir=self.m.ft.root,
        )

    def peer_registered(self, task_index: int, peer_name: str) -> None:
        self.m.post(st.PeerRegistered(time.monotonic(), task_index, peer_name))

    def heartbeat(self, task_index: int, superstep: int, counters: list[Any]) -> None:
        self.m.post(st.PeerHeartbeat(time.monotonic(), task_index, superstep, self.m.peer_report(task_index, counters)))

    def task_done(self, task_index: int, superstep: int, counters: list[Any]) -> None:
        self.m.sync_server.peer_finished(task_index)
        self.m.post(st.PeerSucceeded(time.monotonic(), task_index, superstep, self.m.peer_report(task_index, counters)))

    def checkpoint_written(self, task_index: int, attempt: int, superstep: int, nbytes: int, millis: int) -> None:
        self.m.post(st.CheckpointWritten(time.monotonic(), task_index, attempt, superstep, nbytes, millis))

    def task_failed(self, task_index: int, superstep: int, error: str, traceback: str, counters: list[Any],
                    suspect: int = -1) -> None:
        self.m.post(st.PeerFailed(time.monotonic(), task_index, superstep, error, traceback,
                                  self.m.peer_report(task_index, counters), -1 if suspect is None else suspect))


def _committer(conf: Any, job_id: str) -> Any:
    """The job's OutputCommitter; a job without output does not load the I/O layer (fsspec)."""
    if not conf.get("bsp.output.dir"):
        return _NoOutput()
    from ..io.output import OutputCommitter

    return OutputCommitter(conf, job_id)


class _NoOutput:
    """The committer of a job without ``bsp.output.dir``: nothing to set up, commit or abort."""

    def setup_job(self) -> None:
        pass

    def commit_job(self) -> list[str]:
        return []

    def abort_job(self) -> None:
        pass


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001
        return "unknown"
