"""``hama bspmaster``: a long-running master for classic (non-YARN) clusters (Hama's BSPMaster).

It keeps the grooms (registration, heartbeats every second, failure detection), a
FIFO job queue, and runs one :class:`~hama_yarn.master.server.Master` per job — the
same master code path as local and YARN mode — whose launcher is a
:class:`~hama_yarn.daemons.launcher.GroomPeerLauncher`.  Placement is all-or-nothing
over the grooms' free slots; a job that does not fit waits in the queue (up to
``bsp.master.queue.timeout.ms``) instead of being killed as in Hama.

Thrift services on ``bsp.master.hostname:bsp.master.port`` (cluster secret):
``ClusterService`` (clients) and ``GroomTracker`` (grooms).
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError, JobSubmissionError
from ..rpc.idl import idl
from ..rpc.server import RPCServer
from .alloc import GroomSlots, allocator_name, place
from .common import cluster_secret, now_ms
from .launcher import GroomPeerLauncher

log = logging.getLogger(__name__)

__all__ = ["BSPMasterDaemon"]

QUEUED, RUNNING = "QUEUED", "RUNNING"
_ENDED = ("SUCCEEDED", "FAILED", "KILLED")


@dataclass
class _Groom:
    name: str
    host: str
    max_tasks: int
    last_seen: float
    alive: bool = True
    failures: int = 0
    running: int = 0
    reports: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    #: (job_id, task index) -> attempt of the tasks placed on this groom and not ended.
    tasks: dict[tuple[str, int], int] = field(default_factory=dict)


@dataclass
class _Job:
    job_id: str
    conf: HamaConfiguration
    job_json: str
    secret: str
    num_peers: int
    submitted: float
    name: str
    user: str
    state: str = QUEUED
    diagnostics: str = ""
    placement: list[str] = field(default_factory=list)
    master: Any = None
    launcher: GroomPeerLauncher | None = None
    thread: threading.Thread | None = None
    #: a kill that arrived after placement but before the job's master existed
    pending_kill: str | None = None


class BSPMasterDaemon:
    """The bspmaster: grooms, queue, scheduler, one :class:`Master` per running job.

    Parameters
    ----------
    conf : HamaConfiguration
        The daemon's configuration (``bsp.master.*``, ``bsp.groom.expiry.ms``, ...).
    """

    def __init__(self, conf: HamaConfiguration) -> None:
        self.conf = conf
        self.identifier = time.strftime("%Y%m%d%H%M")
        self.secret = cluster_secret(conf, create=True)
        addr = (conf.get("bsp.master.address") or "").strip()
        if ":" in addr:
            host, _, port = addr.rpartition(":")
            if not port.isdigit():
                raise ConfigError("bsp.master.address", f"bad port in {addr!r}")
            self.host, self.port = host or "127.0.0.1", int(port)
        else:
            self.host = (conf.get("bsp.master.hostname") or "127.0.0.1").strip()
            self.port = conf.get_int("bsp.master.port")
        self.advertise = socket.getfqdn() if self.host in ("0.0.0.0", "") else self.host
        self.allocator = allocator_name(conf.get("bsp.taskalloc.class"))
        self.expiry = conf.get_seconds("bsp.groom.expiry.ms")
        self.queue_timeout = conf.get_seconds("bsp.master.queue.timeout.ms")
        self.linger = conf.get_seconds("bsp.master.job.linger.ms")
        self.max_total = conf.get_int("bsp.tasks.maximum.total")
        from ..registry import tmp_dir

        self.work = tmp_dir(conf) / "bspmaster" / self.identifier
        self._cv = threading.Condition()
        self._grooms: dict[str, _Groom] = {}
        self._jobs: dict[str, _Job] = {}
        self._queue: list[str] = []
        self._seq = 0
        self._stopping = threading.Event()
        self.server = RPCServer(self.host, self.port, self.secret,
                                {"ClusterService": _ClusterHandler(self), "GroomTracker": _GroomHandler(self)},
                                name="bspmaster")
        self.address = ""
        self.web: Any = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> BSPMasterDaemon:
        """Listen and start the scheduler; returns self."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.server.start()
        self.address = f"{self.advertise}:{self.server.port}"
        threading.Thread(target=self._schedule_loop, name="scheduler", daemon=True).start()
        self._start_web()
        log.info("bspmaster %s listening on %s (allocator %s)", self.identifier, self.address, self.allocator)
        return self

    def wait(self) -> None:
        """Block until :meth:`stop`."""
        self._stopping.wait()

    def stop(self, grace: float = 10.0) -> None:
        """Kill queued and running jobs, let their masters stop the peers, stop serving."""
        from ..master import state as st

        with self._cv:
            if self._stopping.is_set():
                return
            self._stopping.set()
            for job_id in list(self._queue):
                self._end_queued(self._jobs[job_id], "KILLED", "the bspmaster shut down")
            running = [j for j in self._jobs.values() if j.state == RUNNING]
            self._cv.notify_all()
        for job in running:
            job.master.post(st.KillRequested(time.monotonic(), "the bspmaster shut down"))
            job.master._released.set()
        deadline = time.monotonic() + grace
        for job in running:
            if job.thread is not None:
                job.thread.join(max(0.1, deadline - time.monotonic()))
        self.server.stop()
        if self.web is not None:
            self.web.stop()
        log.info("bspmaster stopped")

    def _start_web(self) -> None:
        """The cluster page and API (``hama.web.enabled``, port ``bsp.http.infoserver.port``)."""
        if not self.conf.get_bool("hama.web.enabled", True):
            return
        from ..web.cluster import ClusterWebServer
        from ..web.server import ui_token

        try:
            self.web = ClusterWebServer(self.snapshot, self.kill_job, ui_token(self.secret), self.host,
                                        self.conf.get_int("bsp.http.infoserver.port", 0), self.advertise)
        except OSError as exc:
            log.warning("cluster web UI not started (%s); the bspmaster runs without it", exc)
            return
        self.web.start()

    @property
    def ui_url(self) -> str:
        """The cluster page's direct URL, token included ('' without a UI)."""
        return str(self.web.url) if self.web is not None else ""

    def snapshot(self) -> dict[str, Any]:
        """The cluster as plain data: for the web UI and its JSON API."""
        status = self.cluster_status()
        grooms = [{"name": g.name, "host": g.host, "state": g.state, "max_tasks": g.max_tasks,
                   "running_tasks": g.running_tasks, "failures": g.failures, "last_seen_ms": g.last_seen_ms,
                   "tasks": [{"job_id": t.job_id, "task_index": t.task_index, "attempt": t.attempt, "pid": t.pid}
                             for t in g.tasks or []]} for g in status.grooms]
        jobs = [{"job_id": j.job_id, "name": j.name, "user": j.user, "state": j.state, "num_peers": j.num_peers,
                 "placement": j.placement, "submit_time_ms": j.submit_time_ms, "diagnostics": j.diagnostics,
                 "ui_url": j.ui_url} for j in self.list_jobs()]
        cluster = {"identifier": status.identifier, "address": self.address, "max_tasks": status.max_tasks,
                   "running_tasks": status.running_tasks, "queued_jobs": status.queued_jobs,
                   "live_grooms": sum(g["state"] == "ALIVE" for g in grooms),
                   "dead_grooms": sum(g["state"] != "ALIVE" for g in grooms), "allocator": self.allocator}
        return {"cluster": cluster, "grooms": grooms, "jobs": jobs}

    # ------------------------------------------------------------ grooms
    def register_groom(self, info: Any) -> str:
        with self._cv:
            old = self._grooms.get(info.name)
            g = _Groom(info.name, info.host, int(info.max_tasks), time.monotonic())
            if old is not None and old.alive:
                g.tasks, g.failures = old.tasks, old.failures  # re-registration of a live groom
            self._grooms[info.name] = g
            self._update_groom(g, info)
            orphans = [t for t in g.reports if t.job_id not in self._jobs]
            for t in orphans:  # tasks of a job of an earlier bspmaster (restarted): their master is gone
                g.actions.append(idl().GroomAction(kind="KILL_TASK", job_id=t.job_id, task_index=t.task_index,
                                                   attempt=t.attempt, master_address="", job_json="", job_secret=""))
            self._cv.notify_all()
        if orphans:
            log.info("groom %s runs %d tasks of jobs this bspmaster does not know: killing them", info.name,
                     len(orphans))
        log.info("groom %s registered (host %s, %d slots)", info.name, info.host, info.max_tasks)
        return self.identifier

    def _update_groom(self, g: _Groom, info: Any) -> None:
        g.last_seen = time.monotonic()
        g.max_tasks = int(info.max_tasks)
        g.running = int(info.running_tasks)
        g.failures = max(g.failures, int(info.failures))
        g.reports = list(info.tasks or [])

    def heartbeat(self, info: Any, wait_ms: int) -> list[Any]:
        deadline = time.monotonic() + min(max(wait_ms, 0), 10_000) / 1000.0
        with self._cv:
            g = self._grooms.get(info.name)
            if g is None or not g.alive:
                raise HamaError(f"unknown groom {info.name}: register first")
            self._update_groom(g, info)
            while not g.actions and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cv.wait(left)
            actions, g.actions = g.actions, []
            if g.alive:
                g.last_seen = time.monotonic()
            return actions

    def dispatch(self, groom: str, kind: str, job_id: str, index: int, attempt: int, master_address: str) -> bool:
        """Queue an action for *groom* (see :class:`~hama_yarn.daemons.launcher.Dispatcher`)."""
        with self._cv:
            g = self._grooms.get(groom)
            job = self._jobs.get(job_id)
            if g is None or not g.alive or job is None:
                return False
            launch = kind == "LAUNCH_TASK"
            g.actions.append(idl().GroomAction(
                kind=kind, job_id=job_id, task_index=index, attempt=attempt, master_address=master_address,
                job_json=job.job_json if launch else "", job_secret=job.secret if launch else ""))
            self._cv.notify_all()
            return True

    def groom_alive(self, groom: str) -> bool:
        """The groom is registered and not declared dead."""
        with self._cv:
            g = self._grooms.get(groom)
            return g is not None and g.alive

    def relocate(self, job_id: str, index: int, preferred: str, attempt: int) -> str | None:
        """A slot for the replacement of a job's task (see :class:`~hama_yarn.daemons.launcher.Dispatcher`)."""
        with self._cv:
            for g in self._grooms.values():
                g.tasks.pop((job_id, index), None)
            live = [g for g in self._grooms.values() if g.alive and len(g.tasks) < g.max_tasks]
            if not live:
                return None
            pick = next((g for g in live if g.name == preferred), None) or max(
                live, key=lambda g: g.max_tasks - len(g.tasks))
            pick.tasks[(job_id, index)] = attempt
            self._cv.notify_all()
            return pick.name

    def task_exited(self, groom: str, report: Any) -> None:
        with self._cv:
            g = self._grooms.get(groom)
            if g is not None and g.tasks.get((report.job_id, report.task_index)) == report.attempt:
                g.tasks.pop((report.job_id, report.task_index), None)
                if report.state != "SUCCEEDED":
                    g.failures += 1
            job = self._jobs.get(report.job_id)
            self._cv.notify_all()
        if job is not None and job.launcher is not None:
            job.launcher.task_exited(report.task_index, report.attempt, report.returncode,
                                     report.description or f"exit code {report.returncode}")

    def _check_grooms(self) -> None:
        """Declare grooms silent for longer than ``bsp.groom.expiry.ms`` dead; fail their tasks."""
        lost: list[tuple[_Groom, list[tuple[str, int, int]]]] = []
        now = time.monotonic()
        with self._cv:
            for g in self._grooms.values():
                if g.alive and now - g.last_seen > self.expiry:
                    g.alive = False
                    tasks = [(j, i, a) for (j, i), a in g.tasks.items()]
                    g.tasks.clear()
                    g.actions.clear()
                    lost.append((g, tasks))
            if lost:
                self._cv.notify_all()
        for g, tasks in lost:
            log.warning("groom %s declared dead: no heartbeat for %.1fs; %d tasks lost", g.name, now - g.last_seen,
                        len(tasks))
            for job_id, index, attempt in tasks:
                job = self._jobs.get(job_id)
                if job is not None and job.launcher is not None:
                    job.launcher.task_exited(index, attempt, -9,
                                             f"groom {g.name} declared dead (no heartbeat for {self.expiry:g}s)")

    # ------------------------------------------------------------ jobs
    def capacity(self) -> int:
        """Hama's ``ClusterStatus.maxTasks``."""
        with self._cv:
            live = sum(g.max_tasks for g in self._grooms.values() if g.alive)
        return self.max_total if self.max_total > 0 else live

    def submit(self, job_json: str, secret: str) -> str:
        if self._stopping.is_set():
            raise JobSubmissionError("the bspmaster is shutting down")
        try:
            data = json.loads(job_json)
            conf = HamaConfiguration.from_dict(data["conf"])
        except (ValueError, KeyError, TypeError) as exc:
            raise JobSubmissionError(f"bad job file: {exc}") from exc
        num = conf.get_int("bsp.peers.num")
        cap = self.capacity()
        if cap and num > cap:
            raise JobSubmissionError(f"the job needs {num} tasks but the cluster has {cap} task slots "
                                     f"(bsp.peers.num > bsp.tasks.maximum.total or the grooms' slots)")
        with self._cv:
            self._seq += 1
            job_id = f"job_{self.identifier}_{self._seq:04d}"
            job_dir = self.work / job_id
            job_dir.mkdir(parents=True, exist_ok=True)
            record: dict[str, Any] = {"job_id": job_id, "conf": conf.to_dict()}
            if data.get("files"):  # the shipped files (hama.job.files, the user's scripts): unpacked by the grooms
                record["files"] = data["files"]
            doc = json.dumps(record)
            (job_dir / "job.json").write_text(doc)
            from ..registry import current_user

            job = _Job(job_id, conf, doc, secret, num, time.time(), conf.get("bsp.job.name") or job_id,
                       conf.get("user.name") or current_user())
            self._jobs[job_id] = job
            self._queue.append(job_id)
            self._cv.notify_all()
        log.info("job %s queued (%d tasks)", job_id, num)
        return job_id

    def _schedule_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._check_grooms()
                self._schedule()
            except Exception:  # noqa: BLE001 - the scheduler must keep running
                log.exception("scheduler iteration failed")
            with self._cv:
                self._cv.wait(0.25)

    def _schedule(self) -> None:
        """FIFO: place the head of the queue if its whole gang fits; time out waiting jobs."""
        with self._cv:
            now = time.time()
            if self.queue_timeout > 0:
                for job_id in list(self._queue):
                    job = self._jobs[job_id]
                    if now - job.submitted > self.queue_timeout:
                        self._end_queued(job, "FAILED", f"not scheduled within {self.queue_timeout:g}s "
                                         f"(bsp.master.queue.timeout.ms): it needs {job.num_peers} free task slots")
            if not self._queue:
                return
            job = self._jobs[self._queue[0]]
            live = [g for g in self._grooms.values() if g.alive]
            used_total = sum(len(g.tasks) for g in live)
            if self.max_total > 0 and used_total + job.num_peers > self.max_total:
                return
            slots = [GroomSlots(g.name, g.host, g.max_tasks, len(g.tasks)) for g in live]
            hosts = self._split_hosts(job) if self.allocator == "datalocal" else None
            placement = place(job.num_peers, slots, self.allocator, hosts)
            if placement is None:
                return
            self._queue.pop(0)
            for i, name in enumerate(placement):
                self._grooms[name].tasks[(job.job_id, i)] = 0
            job.placement = placement
            job.state = RUNNING
            self._cv.notify_all()
        log.info("job %s placed: %s", job.job_id, ", ".join(placement))
        self._start_master(job)

    def _split_hosts(self, job: _Job) -> list[list[str]] | None:
        """Hosts of each task's split (data-local allocation), None without input or when unknown."""
        if not job.conf.get("bsp.input.dir"):
            return None
        try:
            from ..io.formats import input_format

            splits = input_format(job.conf).get_splits(job.conf, job.num_peers)
        except Exception as exc:  # noqa: BLE001 - the job's master reports a bad input itself
            log.debug("no split locations for %s: %s", job.job_id, exc)
            return None
        return [list(s.get("hosts") or s.get("locations") or []) if isinstance(s, dict) else [] for s in splits]

    def _end_queued(self, job: _Job, state: str, diagnostics: str) -> None:
        """End a job that never left the queue (caller holds the lock)."""
        if job.job_id in self._queue:
            self._queue.remove(job.job_id)
        job.state, job.diagnostics = state, diagnostics
        log.info("job %s %s in the queue: %s", job.job_id, state, diagnostics)
        from ..registry import record_final_state

        record_final_state(job.conf, job.job_id, state, 0, diagnostics=diagnostics, user=job.user)
        shutil.rmtree(self.work / job.job_id, ignore_errors=True)
        self._cv.notify_all()

    def _start_master(self, job: _Job) -> None:
        from ..master import state as st
        from ..master.server import Master

        def factory(on_exit: Any) -> GroomPeerLauncher:
            job.launcher = GroomPeerLauncher(on_exit, job.job_id, job.placement, self)
            return job.launcher

        def run() -> None:
            try:
                master = Master(str(self.work / job.job_id), job.secret, factory,
                                host=self.host, advertise=self.advertise)
                with self._cv:
                    job.master = master
                    pending, job.pending_kill = job.pending_kill, None
                    self._cv.notify_all()
                if pending is not None:
                    master.post(st.KillRequested(time.monotonic(), pending))
                final = master.run(linger=self.linger)
                state, diag = final.value, master.machine.diagnostics or ""
            except Exception as exc:  # noqa: BLE001 - one job must not take the daemon down
                log.exception("master of %s failed", job.job_id)
                state, diag = "FAILED", f"the job's master failed: {exc}"
            with self._cv:
                job.state, job.diagnostics = state, diag
                for g in self._grooms.values():  # slots of peers that never reported their end
                    for key in [k for k in g.tasks if k[0] == job.job_id]:
                        g.tasks.pop(key)
                self._cv.notify_all()
            shutil.rmtree(self.work / job.job_id, ignore_errors=True)
            log.info("job %s ended: %s", job.job_id, state)

        job.thread = threading.Thread(target=run, name=f"master-{job.job_id}", daemon=True)
        job.thread.start()

    def wait_placed(self, job_id: str, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._cv:
            job = self._job(job_id)
            while not self._stopping.is_set():
                if job.state in _ENDED or (job.state == RUNNING and job.master is not None
                                           and job.master.address):
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cv.wait(min(left, 0.1))  # the master's address appears without a notify
            return self._cluster_job(job)

    def _job(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise HamaError(f"Could not find job {job_id}")
        return job

    def _cluster_job(self, job: _Job) -> Any:
        m = job.master
        state = job.state
        if state == RUNNING and m is not None:
            state = m.machine.state.value if m.machine.state.finished else "RUNNING"
        return idl().ClusterJob(
            job_id=job.job_id, state=state, master_address=m.address if m is not None else "",
            name=job.name, user=job.user, num_peers=job.num_peers, submit_time_ms=int(job.submitted * 1000),
            diagnostics=job.diagnostics, placement=",".join(job.placement),
            ui_url=getattr(m, "ui_url", "") if m is not None else "")

    def get_job(self, job_id: str) -> Any:
        with self._cv:
            return self._cluster_job(self._job(job_id))

    def list_jobs(self) -> list[Any]:
        with self._cv:
            return [self._cluster_job(j) for j in self._jobs.values()]

    def kill_job(self, job_id: str, reason: str) -> bool:
        from ..master import state as st

        with self._cv:
            job = self._job(job_id)
            if job.state == QUEUED:
                self._end_queued(job, "KILLED", reason or "killed by user")
                return True
            master = job.master
            if master is None and job.state == RUNNING:  # placed, its master is starting
                job.pending_kill = reason or "killed by user"
                return True
        if master is None or master.machine.state.finished:
            return False
        master.post(st.KillRequested(time.monotonic(), reason or "killed by user"))
        return True

    def cluster_status(self) -> Any:
        module = idl()
        now_wall, now_mono = time.time(), time.monotonic()
        with self._cv:
            grooms = [
                module.GroomInfo(name=g.name, host=g.host, max_tasks=g.max_tasks, running_tasks=len(g.tasks),
                                 failures=g.failures, state="ALIVE" if g.alive else "DEAD",
                                 last_seen_ms=int((now_wall - (now_mono - g.last_seen)) * 1000), tasks=g.reports)
                for g in self._grooms.values()
            ]
            queued = len(self._queue)
        return module.ClusterStatus(identifier=self.identifier, state="RUNNING", max_tasks=self.capacity(),
                                    running_tasks=sum(g.running_tasks for g in grooms if g.state == "ALIVE"),
                                    grooms=grooms, queued_jobs=queued, ui_url=self.ui_url)


class _ClusterHandler:
    """Thrift ``ClusterService``."""

    def __init__(self, d: BSPMasterDaemon) -> None:
        self.d = d

    def submit_job(self, job_json: str, job_secret: str) -> str:
        if len(job_secret) < 32:
            raise JobSubmissionError("the job secret is missing or too short")
        return self.d.submit(job_json, job_secret)

    def wait_placed(self, job_id: str, timeout_ms: int) -> Any:
        return self.d.wait_placed(job_id, min(max(timeout_ms, 0), 60_000) / 1000.0)

    def get_job(self, job_id: str) -> Any:
        return self.d.get_job(job_id)

    def list_jobs(self) -> list[Any]:
        return self.d.list_jobs()

    def kill_job(self, job_id: str, reason: str) -> bool:
        return self.d.kill_job(job_id, reason)

    def get_cluster_status(self) -> Any:
        return self.d.cluster_status()


class _GroomHandler:
    """Thrift ``GroomTracker``."""

    def __init__(self, d: BSPMasterDaemon) -> None:
        self.d = d

    def register_groom(self, groom: Any) -> str:
        return self.d.register_groom(groom)

    def heartbeat(self, groom: Any, wait_ms: int) -> list[Any]:
        return self.d.heartbeat(groom, wait_ms)

    def task_exited(self, groom_name: str, report: Any) -> None:
        self.d.task_exited(groom_name, report)


def run_bspmaster(conf: HamaConfiguration, pid_path: Path | None = None) -> int:
    """Run the bspmaster until SIGTERM/SIGINT; the body of ``hama bspmaster``."""
    import os
    import signal

    from ..util import set_process_role
    from .common import write_pid_file

    set_process_role("master")  # it runs each job's master in this process
    daemon = BSPMasterDaemon(conf).start()
    print(f"bspmaster {daemon.identifier} listening on {daemon.address}", flush=True)
    if daemon.ui_url:
        print(f"Web UI: {daemon.ui_url}", flush=True)
    if pid_path is not None:
        write_pid_file(pid_path)

    def on_signal(signum: int, frame: object) -> None:
        threading.Thread(target=daemon.stop, name="shutdown").start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while not daemon._stopping.is_set():
            daemon._stopping.wait(1.0)
        for t in threading.enumerate():
            if t.name == "shutdown":
                t.join(30)
    finally:
        if pid_path is not None and pid_path.exists() and pid_path.read_text().strip() == str(os.getpid()):
            pid_path.unlink()
    return 0
