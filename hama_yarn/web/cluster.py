"""The bspmaster's web UI: the cluster page (Hama's bspmaster.jsp and machines.jsp) and its JSON API.

Access is as for a job's UI (:mod:`hama_yarn.web.server`): every route but ``/health``
needs the cluster's UI token (:func:`~hama_yarn.web.server.ui_token` of the cluster
secret) as the path prefix ``/t/<token>/``, a bearer header or ``?token=``.

Routes, relative to the prefix: ``''`` (the page: capacity, queue, grooms, jobs with a link
to each running job's own UI), ``api/v1/cluster``, ``api/v1/grooms``, ``api/v1/jobs`` and
``POST``/``PUT api/v1/jobs/<job id>/kill``.
"""

from __future__ import annotations

import html
import logging
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from .pages import STYLE
from .server import TokenHandler, TokenWebServer

log = logging.getLogger(__name__)

__all__ = ["ClusterWebServer", "render_cluster_page"]

#: ``snapshot()`` -> ``{"cluster": {...}, "grooms": [...], "jobs": [...]}``.
Snapshot = Callable[[], dict[str, Any]]
#: ``kill(job_id, reason)`` -> killed.
Kill = Callable[[str, str], bool]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


def render_cluster_page(snap: dict[str, Any]) -> str:
    """The cluster page of a bspmaster snapshot (relative links only)."""
    c = snap["cluster"]
    summary = (f"<table><tr><th>bspmaster</th><td>{_e(c['identifier'])} at {_e(c['address'])}</td></tr>"
               f"<tr><th>Task slots</th><td>{c['running_tasks']} running of {c['max_tasks']}</td></tr>"
               f"<tr><th>Grooms</th><td>{c['live_grooms']} alive, {c['dead_grooms']} dead</td></tr>"
               f"<tr><th>Queued jobs</th><td>{c['queued_jobs']}</td></tr>"
               f"<tr><th>Allocator</th><td>{_e(c['allocator'])}</td></tr></table>")
    grooms = "".join(
        f"<tr class=groom-row><td>{_e(g['name'])}</td><td>{_e(g['host'])}</td>"
        f"<td><span class='state {'RUNNING' if g['state'] == 'ALIVE' else 'FAILED'}'>{_e(g['state'])}</span></td>"
        f"<td class=n>{g['running_tasks']} / {g['max_tasks']}</td><td class=n>{g['failures']}</td>"
        f"<td>{_when(g['last_seen_ms'])}</td></tr>" for g in snap["grooms"])
    jobs = []
    for j in snap["jobs"]:
        link = f"<a href='{_e(j['ui_url'])}'>UI</a>" if j.get("ui_url") and j["state"] in ("RUNNING", "PREP") else ""
        jobs.append(f"<tr class=job-row><td>{_e(j['job_id'])}</td><td>{_e(j['name'])}</td><td>{_e(j['user'])}</td>"
                    f"<td><span class='state {_e(j['state'])}'>{_e(j['state'])}</span></td>"
                    f"<td class=n>{j['num_peers']}</td><td>{_e(j['placement'])}</td>"
                    f"<td>{_when(j['submit_time_ms'])}</td><td>{link}</td></tr>")
    refresh = '<meta http-equiv="refresh" content="2">'
    return ("<!DOCTYPE html><html><head><meta charset=utf-8>"
            f"<title>bspmaster {_e(c['identifier'])} · Hama BSP</title>{refresh}<style>{STYLE}</style></head><body>"
            f"<header><h1>Hama BSP cluster <span class=muted>{_e(c['identifier'])}</span></h1></header><main>"
            f"<h2>Cluster</h2>{summary}"
            "<h3>Grooms</h3><table><tr><th>Name</th><th>Host</th><th>State</th><th>Tasks / slots</th>"
            f"<th>Failures</th><th>Last heartbeat</th></tr>{grooms}</table>"
            "<h3>Jobs</h3><table><tr><th>Job</th><th>Name</th><th>User</th><th>State</th><th>Tasks</th>"
            f"<th>Grooms</th><th>Submitted</th><th></th></tr>{''.join(jobs)}</table>"
            "<p class=muted>JSON: <a href='api/v1/cluster'>cluster</a> · <a href='api/v1/grooms'>grooms</a> · "
            f"<a href='api/v1/jobs'>jobs</a> · {_when(int(time.time() * 1000))}</p></main></body></html>")


class ClusterWebServer(TokenWebServer):
    """Serves the cluster page and API on a thread.

    Parameters
    ----------
    snapshot : callable
        Returns the cluster's state as plain data.
    kill : callable
        Kills a job: ``kill(job_id, reason) -> bool``.
    token : str
        The UI token.
    host, port : str, int
        Where to listen (port 0: any free one).
    advertise : str
        Host name in :attr:`url`.
    """

    def __init__(self, snapshot: Snapshot, kill: Kill, token: str, host: str, port: int, advertise: str) -> None:
        self.snapshot, self.kill = snapshot, kill
        super().__init__(_Handler, token, host, port, advertise, name="cluster-web")


class _Handler(TokenHandler):
    web: ClusterWebServer

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if urllib.parse.urlsplit(self.path).path.rstrip("/") == "/health":
            self._send(200, "text/plain", b"ok\n")
            return
        route, _ = self._route()
        if route is None:
            self._send(403, "text/plain", b"403: the cluster UI needs its token: open the URL the bspmaster printed\n")
            return
        try:
            snap = self.web.snapshot()
            if route == "":
                self._send(200, "text/html; charset=utf-8", render_cluster_page(snap).encode())
            elif route in ("api/v1/cluster", "api/v1/grooms", "api/v1/jobs"):
                self._json(200, snap[route.rsplit("/", 1)[1]])
            else:
                self._json(404, {"error": f"no such page: {route}"})
        except Exception as exc:  # noqa: BLE001 - one bad request must not harm the bspmaster
            log.exception("cluster UI request %s failed", route)
            self._send(500, "text/plain", f"internal error: {exc}\n".encode())

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self.do_POST()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        route, _ = self._route()
        if route is None:
            self._send(403, "text/plain", b"403\n")
            return
        parts = route.split("/")
        if len(parts) != 5 or parts[:3] != ["api", "v1", "jobs"] or parts[4] != "kill":
            self._json(404, {"error": f"no such endpoint: {self.command} {route}"})
            return
        try:
            killed = self.web.kill(parts[3], "killed from the cluster web UI")
        except Exception as exc:  # noqa: BLE001 - e.g. an unknown job id
            self._json(404, {"error": str(exc)})
            return
        self._json(200, {"killed": killed})
