"""The running master as the web UI's data source, and the UI's start-up in the master."""

from __future__ import annotations

import logging
import socket
import time
from typing import TYPE_CHECKING, Any

from .logs import local_peer_logs, tail_file, tail_nodemanager_log
from .token import ui_token

if TYPE_CHECKING:
    from .server import WebServer

log = logging.getLogger(__name__)

__all__ = ["MasterSource", "start_web_ui"]


class MasterSource:
    """Snapshots, peer logs and kill of a :class:`~hama_yarn.master.server.Master`."""

    def __init__(self, master: Any) -> None:
        self.master = master

    def snapshot(self) -> dict[str, Any]:
        return dict(self.master.snapshot())

    def peer_logs(self, peer: int | None, lines: int) -> list[dict[str, Any]]:
        m = self.master
        mode = (m.conf.get("bsp.master.address") or "local").strip()
        wanted = range(m.num_peers) if peer is None else [peer]
        out: list[dict[str, Any]] = []
        if mode == "yarn":
            containers: dict[int, dict[str, str]] = getattr(m.launcher, "containers", lambda: {})()
            for i in wanted:
                url = containers.get(i, {}).get("logs_url", "")
                if url:
                    # skein writes a service's stdout and stderr to <service>.log: the service is "peer"
                    out.append({"peer": i, "source": f"{url}/peer.log",
                                "text": tail_nodemanager_log(url, lines, name="peer.log")})
            return out
        files = local_peer_logs(m.conf, m.job_id)
        for i in wanted:
            if i in files:
                out.append({"peer": i, "source": str(files[i]), "text": tail_file(files[i], lines)})
        return out

    def kill(self, reason: str) -> bool:
        from ..master import state as st

        if self.master.machine.state.finished:
            return False
        self.master.post(st.KillRequested(time.monotonic(), reason))
        return True


def start_web_ui(master: Any, host: str, advertise: str, sock: socket.socket | None = None) -> WebServer | None:
    """Start the UI of *master* if ``hama.web.enabled``; None if disabled or the port is taken.

    *sock*: the UI's socket, bound and listening already (:mod:`hama_yarn.web.deferred`).
    """
    conf = master.conf
    if not conf.get_bool("hama.web.enabled", True):
        return None
    try:
        from ..rpc.tls import https_context
        from .server import WebServer  # here: a master writing its history record needs MasterSource only

        web = WebServer(MasterSource(master), ui_token(master._secret), host, conf.get_int("hama.web.port", 0), advertise,
                        ssl_context=https_context(master._secret), sock=sock)
    except OSError as exc:
        log.warning("web UI not started (%s); the job runs without it", exc)
        return None
    web.start()
    return web
