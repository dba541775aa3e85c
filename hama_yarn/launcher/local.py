"""Local mode: the master is a subprocess of the client running ``appmaster/``, peers are
subprocesses of the master running ``container/``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..config import HamaConfiguration
from ..errors import JobSubmissionError
from ..resources import data_path
from ..rpc.auth import SECRET_ENV
from .base import MasterHandle, PeerExit, PeerLauncher, describe_returncode

log = logging.getLogger(__name__)

__all__ = ["LocalPeerLauncher", "LocalMasterHandle", "start_local_master", "wait_for_master_file", "python_command"]


def python_command(python: str | None, entry: str) -> list[str]:
    """Command line that runs the thin entry point *entry* (``appmaster`` or ``container``)."""
    return [python or sys.executable, str(data_path(entry))]


class LocalPeerLauncher(PeerLauncher):
    """Runs each peer as ``python container/ --job-dir D --task-index I --master A``.

    The job secret travels in the environment; each process is watched by a thread
    that reports its exit at once.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], job_dir: str, secret: str, python: str | None = None) -> None:
        super().__init__(on_exit)
        self.job_dir = job_dir
        self._secret = secret
        self._python = python
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        env = dict(os.environ)
        env[SECRET_ENV] = self._secret
        env.setdefault("PYTHONUNBUFFERED", "1")
        for i in indexes:
            cmd = python_command(self._python, "container") + [
                "--job-dir", self.job_dir, "--task-index", str(i), "--master", master_address,
            ]
            proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
            with self._lock:
                self._procs[i] = proc
            threading.Thread(target=self._watch, args=(i, proc), name=f"watch-peer-{i}", daemon=True).start()
        log.info("launched %d local peer processes", len(indexes))

    def _watch(self, index: int, proc: subprocess.Popen[bytes]) -> None:
        code = proc.wait()
        self.on_exit(PeerExit(index, code, f"pid {proc.pid} {describe_returncode(code)}"))

    def stop(self, grace: float) -> None:
        # Peers blocked in a barrier were released with an error by the master: give
        # them *grace* seconds to run cleanup() and report, then terminate, then kill.
        with self._lock:
            live = [p for p in self._procs.values() if p.poll() is None]
        deadline = time.monotonic() + grace
        for p in live:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        live = [p for p in live if p.poll() is None]
        for p in live:
            try:
                p.terminate()
            except OSError:
                pass
        deadline = time.monotonic() + 5.0
        for p in live:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("peer pid %d did not stop within %.1fs; killing it", p.pid, grace)
                p.kill()
                p.wait(5)

    def pids(self) -> dict[int, int]:
        """Task index -> pid of the peer processes started so far."""
        with self._lock:
            return {i: p.pid for i, p in self._procs.items()}


class LocalMasterHandle(MasterHandle):
    """A master running as a subprocess of this client."""

    def __init__(self, job_id: str, address: str, secret: str, job_dir: str, process: subprocess.Popen[bytes]) -> None:
        super().__init__(job_id, address, secret, job_dir)
        self.process = process

    def registry_fields(self) -> dict[str, object]:
        return {"pid": self.process.pid}

    def exit_description(self) -> str:
        code = self.process.poll()
        return f"master process exit code {code}" if code is not None else ""

    def force_kill(self) -> bool:
        if self.process.poll() is not None:
            return False
        self.process.terminate()
        return True

    def release(self, timeout: float = 30.0) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.remove_staging()


def start_local_master(conf: HamaConfiguration, job_id: str, job_dir: Path, secret: str,
                       log_path: Path | None = None) -> LocalMasterHandle:
    """Start ``appmaster/`` for a staged job and wait until it listens.

    Parameters
    ----------
    conf : HamaConfiguration
        The job's configuration (``hama.peer.python``, ``hama.master.start.timeout.ms``).
    job_id : str
        The job's id.
    job_dir : Path
        The staging directory holding ``job.json``.
    secret : str
        The job secret (passed in the environment, never on the command line).
    log_path : Path, optional
        Detached jobs: the master and its peers log there, so the client's output
        closes as soon as it prints the job id.

    Raises
    ------
    JobSubmissionError
        The master exited, or did not listen within ``hama.master.start.timeout.ms``.
    """
    env = dict(os.environ)
    env[SECRET_ENV] = secret
    cmd = python_command(conf.get("hama.peer.python") or None, "appmaster") + ["--job-dir", str(job_dir)]
    if log_path is not None:
        # Detached: no client releases the master; the registry keeps the job's history,
        # so the master ends shortly after the job instead of lingering for a client.
        cmd += ["--remove-job-dir", "--linger", "2"]
    # A session of its own: Ctrl-C in the terminal reaches only the client, which kills the job.
    log_file = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                start_new_session=True)
    finally:
        if log_file is not None:
            log_file.close()
    try:
        address = wait_for_master_file(conf, job_dir, proc.poll)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        raise
    return LocalMasterHandle(job_id, address, secret, str(job_dir), proc)


def wait_for_master_file(conf: HamaConfiguration, job_dir: Path, exited: Callable[[], int | None]) -> str:
    """Wait for ``master.json`` in *job_dir*; return the master's address.

    *exited* returns the master's exit code once it ended (None while it runs).
    """
    timeout = conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    path = job_dir / "master.json"
    delay = 0.002
    while time.monotonic() < deadline:
        try:
            return str(json.loads(path.read_text())["address"])
        except (ValueError, KeyError, OSError):
            pass
        code = exited()
        if code is not None:
            raise JobSubmissionError(f"the master process exited with code {code} before it started")
        time.sleep(delay)
        delay = min(0.02, delay * 1.5)
    raise JobSubmissionError(f"the master did not start within {timeout:g}s (hama.master.start.timeout.ms)")
