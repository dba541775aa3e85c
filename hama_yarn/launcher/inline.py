"""Inline mode (debugging): peers are threads of the master's process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .base import PeerExit, PeerLauncher

log = logging.getLogger(__name__)

__all__ = ["InlinePeerLauncher"]


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
