"""A job's web UI whose port is bound when the master starts and which serves once wanted.

Starting the UI - importing the HTTP server and page modules, creating the server - costs a
master ~12 ms of CPU.  Done on a thread beside the start of the job, it held the GIL through
most of the master's first 10-15 ms, while the peers waited for their tasks.  Here the port
is bound and the URL (token included) known at once, so the client prints it and the
ResourceManager's proxy can register it with the master's address; the server itself starts
on the first connection (which waits in the listen queue meanwhile), after
``hama.web.start.delay.ms``, or never, for a job that ended and was released before.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from typing import Any

from .token import ui_token

log = logging.getLogger(__name__)

__all__ = ["DeferredWebUI"]


class DeferredWebUI:
    """The UI of *master*: bound now, served by :meth:`start`'s thread when wanted.

    Parameters
    ----------
    master : hama_yarn.master.server.Master
        The job's master (its ``conf`` and secret).
    host : str
        Address to bind.
    advertise : str
        Host name in :attr:`url`.

    Raises
    ------
    OSError
        The port (``hama.web.port``) cannot be bound.
    """

    def __init__(self, master: Any, host: str, advertise: str) -> None:
        from ..rpc.tls import server_context

        self._master = master
        self._host = host
        self._advertise = advertise
        self._delay = master.conf.get_seconds("hama.web.start.delay.ms")
        self._sock = socket.create_server((host, master.conf.get_int("hama.web.port", 0)), backlog=64)
        self.port = int(self._sock.getsockname()[1])
        scheme = "https" if server_context(master._secret) is not None else "http"
        #: the direct URL of the first page, token included (as the started server's ``url``)
        self.url = f"{scheme}://{advertise}:{self.port}/t/{ui_token(master._secret)}/"
        self.server: Any = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopped = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve on the first connection or after ``hama.web.start.delay.ms``, on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="web-start", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            select.select([self._sock, self._wake_r], [], [], self._delay)
        except (OSError, ValueError):
            return
        with self._lock:
            if self._stopped:
                return
            try:
                from .live import start_web_ui

                self.server = start_web_ui(self._master, self._host, self._advertise, sock=self._sock)
                if self.server is not None:
                    log.debug("web UI serving %s", self.url)
            except Exception:  # noqa: BLE001 - the job runs without its UI
                log.warning("web UI not started", exc_info=True)

    def stop(self) -> None:
        """Stop serving, or never start (idempotent)."""
        with self._lock:
            self._stopped = True
            try:
                self._wake_w.send(b"\0")
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(10.0)
        if self.server is not None:
            self.server.stop()  # closes the socket
        else:
            self._sock.close()
        self._wake_r.close()
        self._wake_w.close()
