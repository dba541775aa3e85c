"""YARN mode in the ApplicationMaster container: the master's body."""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any

from .common import KV_MASTER_ADDRESS, KV_UI_ADDRESS, SECRET_FILE, add_workdir_to_path, banner, logs_hint

log = logging.getLogger(__name__)

__all__ = ["run_yarn_master"]


def _progress(state: Any, superstep: int) -> float:
    if state.finished:
        return 1.0
    return min(0.95, 0.1 + 0.85 * superstep / (superstep + 10.0))


def run_yarn_master(job_dir: str, linger: float) -> int:
    """Body of the master inside the skein ApplicationMaster container; returns the exit code."""
    import skein

    from ...master.server import Master
    from ...peer.main import load_job
    from .container import container_job_dir
    from .peers import YarnPeerLauncher

    banner("master")
    add_workdir_to_path()
    app = skein.ApplicationClient.from_current()
    app_id = skein.properties.application_id
    secret = (Path(job_dir) / SECRET_FILE).read_text().strip()
    job_dir = container_job_dir(job_dir, "master")
    _, conf = load_job(job_dir)
    host = os.environ.get("NM_HOST") or socket.getfqdn()

    def publish(address: str) -> None:
        if master.web is not None:
            # The skein web UI (the application's Tracking UI) proxies /pages/hama/ to the master's
            # UI; the target carries the UI token, so through the RM proxy the proxy is the gate.
            try:
                page = app.ui.add_page("hama", master.web.url, link_name="Hama BSP job")
                app.kv[KV_UI_ADDRESS] = page.address.encode()
            except Exception:  # noqa: BLE001 - the job runs without its UI
                log.warning("cannot register the web UI with skein", exc_info=True)
        app.kv[KV_MASTER_ADDRESS] = address.encode()

    timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms")
    master = Master(job_dir, secret, lambda on_exit: YarnPeerLauncher(on_exit, app, timeout),
                    host="0.0.0.0", advertise=host, publish=publish)
    master.app_id = app_id  # type: ignore[attr-defined]  # shown by the web UI

    def report_progress() -> None:
        version = -1
        while True:
            status = master.wait_status(version, 5.0)
            version = status.version
            try:
                app.set_progress(_progress(master.machine.state, status.superstep))
            except Exception:  # noqa: BLE001
                return
            if master.machine.state.finished:
                return

    threading.Thread(target=report_progress, name="yarn-progress", daemon=True).start()
    state = master.run(linger=linger)
    final = {"SUCCEEDED": "SUCCEEDED", "KILLED": "KILLED"}.get(state.value, "FAILED")
    diagnostics = f"hama job {master.job_id} {state.value} after {master.machine.superstep} supersteps"
    if master.machine.diagnostics:
        diagnostics += f": {master.machine.diagnostics[-4000:]}"
    if final != "SUCCEEDED":
        diagnostics += f"\n{logs_hint(app_id)}"
    log.info("shutting down %s: %s", app_id, final)
    try:
        app.shutdown(final, diagnostics)
    except Exception:  # noqa: BLE001
        log.warning("skein shutdown failed", exc_info=True)
    return 0 if final == "SUCCEEDED" else 1
