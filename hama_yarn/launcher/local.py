"""Local mode: peers are subprocesses of the master running ``container/``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from ..resources import data_path
from ..rpc.auth import SECRET_ENV
from .base import PeerExit, PeerLauncher, describe_returncode

log = logging.getLogger(__name__)

__all__ = ["LocalPeerLauncher", "python_command"]


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
