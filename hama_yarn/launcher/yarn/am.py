"""YARN mode in the ApplicationMaster container: the master's body."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from .common import (KV_AM_ATTEMPT, KV_MASTER_ADDRESS, KV_UI_ADDRESS, SECRET_FILE, add_workdir_to_path, banner,
                     job_id_for, logs_hint)

log = logging.getLogger(__name__)

__all__ = ["run_yarn_master"]


def _progress(state: Any, superstep: int) -> float:
    if state.finished:
        return 1.0
    return min(0.95, 0.1 + 0.85 * superstep / (superstep + 10.0))


def _watch_parent() -> None:
    """Exit when skein's Java AM (this process's parent) is gone: its container died with it.

    A master left behind would go on serving its clients while YARN runs the next attempt.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                log.error("the ApplicationMaster (pid %d) is gone: the master exits", parent)
                os._exit(1)

    threading.Thread(target=watch, name="watch-am", daemon=True).start()


def _replay_end(app: Any, app_id: str, record: dict[str, str]) -> int:
    """An earlier attempt's job ended (FAILED or KILLED) but YARN started this one: report that end."""
    state = record["state"]
    final = {"SUCCEEDED": "SUCCEEDED", "KILLED": "KILLED"}.get(state, "FAILED")
    log.warning("%s: the job already ended (%s) in an earlier attempt; reporting that end", app_id, state)
    try:
        app.shutdown(final, record["diagnostics"] or f"hama job {state}")
    except Exception:  # noqa: BLE001
        log.warning("skein shutdown failed", exc_info=True)
    return 0 if final == "SUCCEEDED" else 1


def run_yarn_master(job_dir: str, linger: float) -> int:
    """Body of the master inside the skein ApplicationMaster container; returns the exit code.

    On an ApplicationMaster attempt >= 2 (``hama.yarn.am.max.attempts``, YARN restarted
    the AM), the master resumes the job from its latest committed checkpoint
    (:mod:`hama_yarn.ft.amrestart`) with fresh peer containers.
    """
    import skein

    from ...ft import amrestart
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
    _watch_parent()
    am_attempt = amrestart.am_attempt_of(os.environ.get("CONTAINER_ID", ""))
    max_attempts = amrestart.am_max_attempts(conf)
    if am_attempt > 1:
        record = amrestart.final_record(conf, job_id_for(app_id))
        if record is not None:
            if am_attempt >= max_attempts:  # the last attempt: skein unregisters it, YARN ends the application
                amrestart.remove_job_dir(conf, job_id_for(app_id))
            return _replay_end(app, app_id, record)

    def publish(address: str) -> None:
        if master.web is not None and master.web.url.startswith("https://"):
            # HTTPS (hama.rpc.tls.enabled): no page in skein's Tracking UI. skein's page proxy (Jetty
            # 9.2's ProxyServlet) has no TLS client (502), and YARN's RM proxy trusts only certificates
            # issued by its ProxyCA (yarn.resourcemanager.application-https.policy). The client reaches
            # the UI directly, verifying the job's certificate, and adds the token itself.
            direct = master.web.url.split("/t/", 1)[0] + "/"
            app.kv[KV_UI_ADDRESS] = direct.encode()
            log.info("web UI over HTTPS at %s (direct, the job's certificate; not through the RM proxy)", direct)
        elif master.web is not None:
            # The skein web UI (the application's Tracking UI) proxies /pages/hama/ to the master's
            # UI; the target carries the UI token, so through the RM proxy the proxy is the gate.
            try:
                page = app.ui.add_page("hama", master.web.url, link_name="Hama BSP job")
                app.kv[KV_UI_ADDRESS] = page.address.encode()
            except Exception:  # noqa: BLE001 - the job runs without its UI
                log.warning("cannot register the web UI with skein", exc_info=True)
        app.kv[KV_AM_ATTEMPT] = str(am_attempt).encode()  # before the address: a client reads both
        app.kv[KV_MASTER_ADDRESS] = address.encode()

    timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms")
    master = Master(job_dir, secret, lambda on_exit: YarnPeerLauncher(on_exit, app, timeout),
                    host="0.0.0.0", advertise=host, publish=publish)
    master.app_id = app_id  # type: ignore[attr-defined]  # shown by the web UI
    master.am_attempt = am_attempt
    if am_attempt > 1:
        point = amrestart.resume_point(conf, master.job_id, am_attempt)
        master.machine.resume(point.attempt, point.superstep, point.recoveries, point.checkpoint_bytes,
                              point.checkpoint_ms)
        log.warning("ApplicationMaster attempt %d of %s: resuming job %s from %s as attempt %d", am_attempt,
                    app_id, master.job_id,
                    f"the checkpoint of superstep {point.superstep}" if point.superstep else "the start",
                    point.attempt)

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
        if am_attempt < max_attempts:
            # skein leaves an ended attempt unregistered while attempts remain: YARN would run
            # the job again. The next attempt finds this record and only reports the end.
            try:
                amrestart.write_final_record(conf, master.job_id, state.value, diagnostics)
            except Exception:  # noqa: BLE001
                log.warning("cannot record the job's end for the next ApplicationMaster attempt", exc_info=True)
    log.info("shutting down %s: %s", app_id, final)
    try:
        app.shutdown(final, diagnostics)
    except Exception:  # noqa: BLE001
        log.warning("skein shutdown failed", exc_info=True)
    return 0 if final == "SUCCEEDED" else 1
