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
from .common import ATTEMPT_ENV, SERVICE, TASK_INDEX_ENV

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
        self._reported: set[str] = set()  # container ids whose end was reported (or is of no interest)
        self._attempt_of: dict[str, int] = {}  # container id -> job attempt (fault tolerance)
        self._requested_at: dict[str, float] = {}  # container id -> when it was requested
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        self._request(indexes, 0)
        log.info("requested %d peer containers", len(indexes))
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="watch-peer-containers", daemon=True)
            self._watcher.start()

    def _request(self, indexes: tuple[int, ...], attempt: int) -> None:
        for i in indexes:
            c = self.app.add_container(SERVICE, env={TASK_INDEX_ENV: str(i), ATTEMPT_ENV: str(attempt)})
            cid = f"{c.service_name}_{c.instance}"
            with self._lock:
                self._containers[i] = cid
                self._attempt_of[cid] = attempt
                self._requested_at[cid] = time.monotonic()

    # -- fault tolerance: replacement containers --------------------------------
    supports_replace = True

    def replace(self, indexes: tuple[int, ...], master_address: str, attempt: int,
                prepare: Callable[[], None] | None = None) -> None:
        """Kill these peers' containers, wait for their end, run *prepare*, request new ones for *attempt*.

        The new containers are instances of the same skein service; each learns its
        task index (and attempt) from its environment and the rest from the master.
        """
        with self._lock:
            old = [self._containers[i] for i in indexes if i in self._containers]
            self._reported.update(old)  # their ends belong to the failed attempt: not reported
        for cid in old:
            try:
                self.app.kill_container(cid)
            except Exception:  # noqa: BLE001 - already gone
                log.debug("kill_container %s failed", cid, exc_info=True)
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            try:
                snapshot = self._snapshot()
            except Exception:  # noqa: BLE001
                break
            if all(str(snapshot[c].state) in ("SUCCEEDED", "FAILED", "KILLED") for c in old if c in snapshot):
                break
            time.sleep(0.2)
        else:
            log.warning("containers %s did not end within 30s of being killed", old)
        if prepare is not None:
            prepare()
        self._request(indexes, attempt)
        log.info("requested %d replacement peer containers (attempt %d)", len(indexes), attempt)

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
                pending = [(i, cid, self._attempt_of.get(cid, 0), self._requested_at.get(cid, now))
                           for i, cid in self._containers.items() if cid not in self._reported]
            for index, cid, attempt, requested in pending:
                c = snapshot.get(cid)
                if c is None:
                    continue
                state = str(c.state)
                if state in ("SUCCEEDED", "FAILED", "KILLED"):
                    with self._lock:
                        if cid in self._reported:  # replaced meanwhile
                            continue
                        self._reported.add(cid)
                    self.on_exit(PeerExit(index, _exit_code(state, c.exit_message), _describe(c), attempt))
                elif state in ("WAITING", "REQUESTED") and now - requested > self.allocation_timeout:
                    self._reported.add(cid)
                    self.on_exit(PeerExit(index, 1, (
                        f"YARN allocated no container for it within {self.allocation_timeout:g}s "
                        f"(hama.yarn.allocation.timeout.ms; container {cid} still {state})"
                    ), attempt))

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
