"""Inline mode (debugging): peers are threads of the master's process."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..config import HamaConfiguration
from .base import MasterHandle, PeerExit, PeerLauncher

log = logging.getLogger(__name__)

__all__ = ["InlinePeerLauncher", "InlineMasterHandle", "start_inline_master"]


class InlinePeerLauncher(PeerLauncher):
    """Runs :func:`hama_yarn.peer.main.run_peer` in one thread per peer.

    Threads cannot be killed: :meth:`stop` relies on the master aborting the sync
    service, which makes peers blocked in a barrier fail and return.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], job_dir: str, secret: str) -> None:
        super().__init__(on_exit)
        self.job_dir = job_dir
        self._secret = secret
        self._threads: list[threading.Thread] = []

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        from ..peer.main import run_peer

        def target(i: int) -> None:
            try:
                code = run_peer(self.job_dir, i, master_address, self._secret, exit_on_master_loss=False)
            except BaseException as exc:  # noqa: BLE001
                log.exception("inline peer %d crashed", i)
                self.on_exit(PeerExit(i, 1, f"thread crashed: {exc}"))
                return
            self.on_exit(PeerExit(i, code, f"thread ended with code {code}"))

        for i in indexes:
            t = threading.Thread(target=target, args=(i,), name=f"peer-{i}", daemon=True)
            self._threads.append(t)
            t.start()

    def stop(self, grace: float) -> None:
        for t in self._threads:
            t.join(grace)


class InlineMasterHandle(MasterHandle):
    """A master running as a thread of this client (``-r inline``)."""

    def __init__(self, job_id: str, address: str, secret: str, job_dir: str, thread: threading.Thread) -> None:
        super().__init__(job_id, address, secret, job_dir)
        self.thread = thread

    def registry_fields(self) -> dict[str, object]:
        return {"pid": os.getpid()}

    def exit_description(self) -> str:
        return "" if self.thread.is_alive() else "the inline master thread ended"

    def release(self, timeout: float = 30.0) -> None:
        self.thread.join(timeout)
        self.remove_staging()


def start_inline_master(conf: HamaConfiguration, job_id: str, job_dir: Path, secret: str) -> InlineMasterHandle:
    """Run the master (and its peers) as threads of this process; return once it listens."""
    from ..master.server import Master
    from ..util import write_json_atomic
    from .local import wait_for_master_file

    master = Master(
        str(job_dir), secret, lambda on_exit: InlinePeerLauncher(on_exit, str(job_dir), secret),
        publish=lambda addr: write_json_atomic(job_dir / "master.json", {"address": addr, "pid": os.getpid()}),
    )
    thread = threading.Thread(target=master.run, kwargs={"linger": 5.0}, name=f"master-{job_dir.name}", daemon=True)
    thread.start()
    address = wait_for_master_file(conf, job_dir, lambda: None if thread.is_alive() else 1)
    return InlineMasterHandle(job_id, address, secret, str(job_dir), thread)
