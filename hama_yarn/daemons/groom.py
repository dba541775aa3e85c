"""``hama groom``: runs peers for the bspmaster (Hama's GroomServer).

It registers with the bspmaster, then heartbeats every ``bsp.groom.heartbeat.interval.ms``
(a long poll: actions arrive as soon as the master queues them) with its slots
(``bsp.tasks.maximum``) and running tasks.  A ``LAUNCH_TASK`` starts
``python container/`` in ``<bsp.local.dir>/<groom>/<attemptId>/work`` with the task's
output in ``<hama.log.dir>/tasklogs/<jobId>/<attemptId>.log`` (stdout) and ``.err``.
Peers die with the groom (``PR_SET_PDEATHSIG``), so a killed groom leaves no task behind.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import HamaConfiguration
from ..errors import HamaError, RPCError
from ..launcher.base import describe_returncode
from ..launcher.local import python_command
from ..master.state import task_attempt_id
from ..rpc.auth import SECRET_ENV
from ..rpc.client import RPCClient
from ..rpc.idl import idl
from .common import cluster_secret, master_address, now_ms

log = logging.getLogger(__name__)

__all__ = ["GroomDaemon", "run_groom"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _unpack(files: str, work: Path) -> None:
    """Unpack the job's shipped files (a base64 ``tar.gz``) into a task's working directory."""
    import base64
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(files)), mode="r:gz") as tar:
        tar.extractall(work, filter="data")  # no absolute paths, no links out of *work*


@dataclass
class _Task:
    job_id: str
    index: int
    attempt: int
    proc: subprocess.Popen[bytes]
    started: float
    killed: bool = False


class GroomDaemon:
    """A groom: registration, heartbeats, task processes.

    Parameters
    ----------
    conf : HamaConfiguration
        ``bsp.master.address`` (or ``bsp.master.hostname``/``port``), ``bsp.tasks.maximum``,
        ``bsp.local.dir``, ``hama.log.dir``, ``bsp.groom.*``.
    """

    def __init__(self, conf: HamaConfiguration) -> None:
        self.conf = conf
        self.master = master_address(conf)
        self.host = (conf.get("bsp.groom.hostname") or "").strip() or socket.getfqdn()
        self.name = (conf.get("bsp.groom.name") or "").strip() or f"groomd_{self.host}_{os.getpid()}"
        self.max_tasks = conf.get_int("bsp.tasks.maximum")
        self.interval = conf.get_seconds("bsp.groom.heartbeat.interval.ms")
        self.local_dir = Path(conf.get("bsp.local.dir") or ".") / self.name
        self.log_dir = Path(conf.get("hama.log.dir") or ".") / "tasklogs"
        secret = cluster_secret(conf)
        self._hb = RPCClient(self.master, "GroomTracker", secret, timeout=self.interval + 30, connect_timeout=5)
        self._rep = RPCClient(self.master, "GroomTracker", secret, timeout=30, connect_timeout=5)
        self._lock = threading.Lock()
        self._tasks: dict[tuple[str, int], _Task] = {}
        self._failures = 0
        self._stopping = threading.Event()
        self.master_id = ""

    # ------------------------------------------------------------ status
    def info(self) -> Any:
        module = idl()
        with self._lock:
            reports = [module.GroomTaskReport(job_id=t.job_id, task_index=t.index, attempt=t.attempt, state="RUNNING",
                                              pid=t.proc.pid, returncode=0, description="")
                       for t in self._tasks.values()]
            failures = self._failures
        return module.GroomInfo(name=self.name, host=self.host, max_tasks=self.max_tasks, running_tasks=len(reports),
                                failures=failures, last_seen_ms=now_ms(), state="ALIVE", tasks=reports)

    # ------------------------------------------------------------ main loop
    def run(self) -> None:
        """Register and serve until :meth:`stop` (tasks are started from this thread: see PDEATHSIG)."""
        self.local_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(self.local_dir, os.W_OK):
            raise HamaError(f"bsp.local.dir {self.local_dir} is not writable")
        registered = False
        while not self._stopping.is_set():
            try:
                if not registered:
                    self.master_id = self._hb.register_groom(self.info())
                    registered = True
                    log.info("groom %s registered with bspmaster %s at %s (%d slots)", self.name, self.master_id,
                             self.master, self.max_tasks)
                actions = self._hb.call("heartbeat", self.info(), int(self.interval * 1000))
            except RPCError as exc:
                if registered:
                    log.warning("bspmaster at %s unreachable (%s); registering again", self.master, exc)
                registered = False
                self._stopping.wait(self.interval)
                continue
            except HamaError as exc:  # e.g. a restarted master does not know this groom
                log.warning("heartbeat refused (%s); registering again", exc)
                registered = False
                continue
            for action in actions:
                try:
                    self._act(action)
                except Exception:  # noqa: BLE001 - one bad action must not stop the groom
                    log.exception("action %s of %s/%s failed", action.kind, action.job_id, action.task_index)
                    self._report(action.job_id, action.task_index, action.attempt, "FAILED", 0, 1,
                                 "the groom could not start the task")

    def _act(self, action: Any) -> None:
        if action.kind == "LAUNCH_TASK":
            self._launch(action)
        elif action.kind == "KILL_TASK":
            with self._lock:
                task = self._tasks.get((action.job_id, action.task_index))
            if task is not None:
                self._kill(task)

    def _launch(self, a: Any) -> None:
        attempt_id = task_attempt_id(a.job_id, a.task_index, a.attempt)
        attempt_dir = self.local_dir / attempt_id
        work = attempt_dir / "work"
        work.mkdir(parents=True, exist_ok=True)
        (attempt_dir / "job.json").write_text(a.job_json)
        logs = self.log_dir / a.job_id
        logs.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env[SECRET_ENV] = a.job_secret
        env["PYTHONUNBUFFERED"] = "1"
        job = json.loads(a.job_json)
        conf = job.get("conf", {})
        if job.get("files"):
            _unpack(job["files"], work)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(work), env.get("PYTHONPATH", "")) if p)
        cmd = python_command(conf.get("hama.peer.python") or None, "container") + [
            "--job-dir", str(attempt_dir), "--task-index", str(a.task_index), "--master", a.master_address]
        with open(logs / f"{attempt_id}.log", "ab") as out, open(logs / f"{attempt_id}.err", "ab") as err:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    preexec_fn=_die_with_parent)  # noqa: PLW1509 - only a prctl call
        task = _Task(a.job_id, a.task_index, a.attempt, proc, time.time())
        with self._lock:
            self._tasks[(a.job_id, a.task_index)] = task
        threading.Thread(target=self._watch, args=(task, attempt_dir), name=f"watch-{attempt_id}", daemon=True).start()
        log.info("launched %s (pid %d)", attempt_id, proc.pid)

    def _watch(self, task: _Task, attempt_dir: Path) -> None:
        code = task.proc.wait()
        with self._lock:
            self._tasks.pop((task.job_id, task.index), None)
            if code != 0:
                self._failures += 1
        state = "SUCCEEDED" if code == 0 else ("KILLED" if task.killed else "FAILED")
        self._report(task.job_id, task.index, task.attempt, state, task.proc.pid, code,
                     f"pid {task.proc.pid} {describe_returncode(code)}")
        if os.environ.get("HAMA_KEEP_STAGING", "false").strip().lower() != "true":
            import shutil

            shutil.rmtree(attempt_dir, ignore_errors=True)

    def _report(self, job_id: str, index: int, attempt: int, state: str, pid: int, code: int, desc: str) -> None:
        report = idl().GroomTaskReport(job_id=job_id, task_index=index, attempt=attempt, state=state, pid=pid,
                                       returncode=code, description=desc)
        for delay in (0.0, 0.5, 1.0, 2.0):
            time.sleep(delay)
            try:
                self._rep.task_exited(self.name, report)
                return
            except RPCError as exc:
                log.debug("reporting the end of %s/%d failed: %s", job_id, index, exc)
        log.warning("could not report the end of %s task %d to the bspmaster", job_id, index)

    def _kill(self, task: _Task, grace: float = 5.0) -> None:
        task.killed = True

        def stop() -> None:
            try:
                task.proc.terminate()
                task.proc.wait(grace)
            except subprocess.TimeoutExpired:
                task.proc.kill()
            except OSError:
                pass

        threading.Thread(target=stop, name="kill-task", daemon=True).start()

    def stop(self) -> None:
        """Stop heartbeating, terminate every task (kill 5 s later), report their end."""
        self._stopping.set()
        with self._lock:
            tasks = list(self._tasks.values())
        for t in tasks:
            t.killed = True
            try:
                t.proc.terminate()
            except OSError:
                pass
        deadline = time.monotonic() + 5.0
        for t in tasks:
            try:
                t.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                t.proc.kill()
                t.proc.wait(5)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:  # let the watchers report
            with self._lock:
                if not self._tasks:
                    break
            time.sleep(0.05)
        self._hb.close()
        self._rep.close()


def run_groom(conf: HamaConfiguration, pid_path: Path | None = None) -> int:
    """Run a groom until SIGTERM/SIGINT; the body of ``hama groom``."""
    from .common import write_pid_file

    groom = GroomDaemon(conf)
    if pid_path is not None:
        write_pid_file(pid_path)
    print(f"groom {groom.name} ({groom.max_tasks} slots) reporting to {groom.master}", flush=True)

    def on_signal(signum: int, frame: object) -> None:
        groom._stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        groom.run()
    finally:
        groom.stop()
        if pid_path is not None and pid_path.exists() and pid_path.read_text().strip() == str(os.getpid()):
            pid_path.unlink()
        log.info("groom %s stopped", groom.name)
    return 0
