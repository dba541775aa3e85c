"""YARN mode in the ApplicationMaster: the master's peer launcher (peers as skein containers)."""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from ..base import PeerExit, PeerLauncher
from .common import SERVICE, TASK_INDEX_ENV

log = logging.getLogger(__name__)

__all__ = ["YarnPeerLauncher"]


class YarnPeerLauncher(PeerLauncher):
    """Runs peers as containers of the skein service ``peer`` and watches them.

    Parameters
    ----------
    on_exit : callable
        Reports a container's end to the master.
    app : skein.ApplicationClient
        The running application.
    allocation_timeout : float
        Seconds a requested container may wait for YARN before the job fails.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], app: Any, allocation_timeout: float, poll: float = 0.5) -> None:
        super().__init__(on_exit)
        self.app = app
        self.allocation_timeout = allocation_timeout
        self.poll = poll
        self._containers: dict[int, str] = {}  # task index -> skein container id (peer_<instance>)
        self._reported: set[int] = set()
        self._launched_at = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        self._launched_at = time.monotonic()
        for i in indexes:
            c = self.app.add_container(SERVICE, env={TASK_INDEX_ENV: str(i)})
            with self._lock:
                self._containers[i] = f"{c.service_name}_{c.instance}"
        log.info("requested %d peer containers", len(indexes))
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="watch-peer-containers", daemon=True)
            self._watcher.start()

    def _snapshot(self) -> dict[str, Any]:
        import skein

        states = list(skein.model.ContainerState)
        return {f"{c.service_name}_{c.instance}": c for c in self.app.get_containers(services=[SERVICE], states=states)}

    def _watch(self) -> None:
        while not self._closed.wait(self.poll):
            try:
                snapshot = self._snapshot()
            except Exception as exc:  # noqa: BLE001 - the AM is shutting down
                log.debug("get_containers failed: %s", exc)
                continue
            now = time.monotonic()
            with self._lock:
                pending = [(i, cid) for i, cid in self._containers.items() if i not in self._reported]
            for index, cid in pending:
                c = snapshot.get(cid)
                if c is None:
                    continue
                state = str(c.state)
                if state in ("SUCCEEDED", "FAILED", "KILLED"):
                    self._reported.add(index)
                    self.on_exit(PeerExit(index, _exit_code(state, c.exit_message), _describe(c)))
                elif state in ("WAITING", "REQUESTED") and now - self._launched_at > self.allocation_timeout:
                    self._reported.add(index)
                    self.on_exit(PeerExit(index, 1, (
                        f"YARN allocated no container for it within {self.allocation_timeout:g}s "
                        f"(hama.yarn.allocation.timeout.ms; container {cid} still {state})"
                    )))

    def stop(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                live = [cid for cid, c in self._snapshot().items()
                        if cid in self._containers.values() and str(c.state) in ("WAITING", "REQUESTED", "RUNNING")]
            except Exception:  # noqa: BLE001
                return
            if not live:
                return
            time.sleep(0.2)
        for cid in live:
            try:
                self.app.kill_container(cid)
            except Exception:  # noqa: BLE001
                log.debug("kill_container %s failed", cid, exc_info=True)

    def containers(self) -> dict[int, dict[str, str]]:
        """Task index -> YARN container id and NodeManager log URL (for the web UI)."""
        with self._lock:
            ids = dict(self._containers)
        snapshot = self._snapshot()
        out = {}
        for index, cid in ids.items():
            c = snapshot.get(cid)
            if c is not None:
                logs = c.yarn_container_logs
                out[index] = {"container_id": str(c.yarn_container_id or cid),
                              "logs_url": logs if not logs or "://" in logs else f"http://{logs}"}
        return out

    def close(self) -> None:
        self._closed.set()


def _exit_code(state: str, message: str) -> int:
    if state == "SUCCEEDED":
        return 0
    m = re.search(r"exit code[: ]+(-?\d+)", message or "", re.IGNORECASE)
    if m and int(m.group(1)) != 0:
        return int(m.group(1))
    return 137 if state == "KILLED" else 1


def _describe(c: Any) -> str:
    what = f"container {c.yarn_container_id} {str(c.state).lower()}"
    message = (c.exit_message or "").strip().splitlines()
    if message:
        what += f": {message[0][:300]}"
    tail = _log_tail(c)
    if tail:
        what += "\n--- tail of its log ---\n" + tail
    return what


def _log_tail(c: Any, limit: int = 3000) -> str:
    """Last lines of a peer container's log from its NodeManager (empty if unreachable)."""
    if not c.yarn_node_http_address or not c.yarn_container_id:
        return ""
    url = f"http://{c.yarn_node_http_address}/ws/v1/node/containers/{c.yarn_container_id}/logs/{SERVICE}.log"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - NodeManager REST
            text = resp.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001
        return ""
    lines = [ln for ln in text[-limit:].splitlines() if not _NM_ENVELOPE.match(ln)]
    return "\n".join(lines[-25:])


#: Header and footer lines the NodeManager wraps around a log file.
_NM_ENVELOPE = re.compile(
    r"^(Container: container_\S+ on \S+|LogAggregationType: \w+|=+|\*+|LogType:.*|LogLastModifiedTime:.*|"
    r"LogLength:\d+|LogContents:|End of LogType:.*)\s*$"
)
