"""The bspmaster's web UI: the cluster page (Hama's bspmaster.jsp and machines.jsp) and its JSON API.

Access is as for a job's UI (:mod:`hama_yarn.web.server`): every route but ``/health``
needs the cluster's UI token (:func:`~hama_yarn.web.server.ui_token` of the cluster
secret) as the path prefix ``/t/<token>/``, a bearer header or ``?token=``.

Routes, relative to the prefix: ``''`` (the page: capacity, queue, grooms, jobs with a link
to each running job's own UI), ``api/v1/cluster``, ``api/v1/grooms``, ``api/v1/jobs`` and
``POST``/``PUT api/v1/jobs/<job id>/kill``.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .pages import STYLE

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


class ClusterWebServer:
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
        self.snapshot, self.kill, self.token = snapshot, kill, token
        handler = type("_BoundClusterHandler", (_Handler,), {"web": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._advertise = advertise
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The direct URL of the cluster page, token included."""
        return f"http://{self._advertise}:{self.port}/t/{self.token}/"

    def start(self) -> None:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="cluster-web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._thread = None


class _Handler(BaseHTTPRequestHandler):
    web: ClusterWebServer
    server_version = "hama-yarn"
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def _route(self) -> str | None:
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        prefix = f"/t/{self.web.token}"
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix):].strip("/")
        auth = self.headers.get("Authorization", "")
        query = urllib.parse.parse_qs(parts.query)
        given = auth[7:].strip() if auth.lower().startswith("bearer ") else (query.get("token") or [""])[0]
        return path.strip("/") if given and hmac.compare_digest(given, self.web.token) else None

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if urllib.parse.urlsplit(self.path).path.rstrip("/") == "/health":
            self._send(200, "text/plain", b"ok\n")
            return
        route = self._route()
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
        route = self._route()
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

    def _json(self, code: int, data: Any) -> None:
        self._send(code, "application/json", json.dumps(data, indent=1).encode())

    def _send(self, code: int, ctype: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)
