"""The master's HTTP server: pages and the JSON API over a job snapshot (stdlib only).

Access.  Every page and endpoint except ``/health`` needs the job's UI token
(:func:`ui_token`, an HMAC of the job secret): as the path prefix ``/t/<token>/``
(what the client prints, and the target registered with the skein web UI, so
behind the YARN RM proxy the proxy is the gate and the browser never sees the
token), as ``Authorization: Bearer <token>`` or as ``?token=``.  Anything else
gets ``403``.

Routes, relative to the prefix: the pages ``''``, ``peers``, ``supersteps``,
``counters``, ``conf``, ``logs`` and ``api/v1/{job,peers,supersteps,counters,conf,
logs,snapshot}``; ``POST api/v1/job/kill`` kills the job (``PUT`` too: through the
YARN RM proxy, which forwards GET and PUT only, the page's kill button sends ``PUT``).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .pages import PAGES, render_page
from .token import ui_token

log = logging.getLogger(__name__)

__all__ = ["ui_token", "JobSource", "WebServer", "TokenWebServer", "TokenHandler"]


class JobSource(Protocol):
    """What the web server shows: a live master or a history record."""

    def snapshot(self) -> dict[str, Any]: ...

    def peer_logs(self, peer: int | None, lines: int) -> list[dict[str, Any]]: ...

    def kill(self, reason: str) -> bool: ...


_API = {"job", "peers", "supersteps", "counters", "conf"}
_SLASHES = re.compile(r"/{2,}")


class TokenWebServer:
    """An HTTP server on a daemon thread whose routes need a UI token (see the module docstring).

    Parameters
    ----------
    handler : type
        A :class:`TokenHandler` subclass; its requests see this server as ``self.web``.
    token : str
        The UI token (:func:`ui_token`).
    host, port : str, int
        Where to listen (port 0: any free one).
    advertise : str
        Host name in :attr:`url`.
    ssl_context : ssl.SSLContext, optional
        Serve HTTPS with it.
    name : str
        Name of the serving thread.
    sock : socket.socket, optional
        A listening socket to serve (then *host* and *port* are its own).
    """

    def __init__(self, handler: type[TokenHandler], token: str, host: str, port: int, advertise: str,
                 ssl_context: ssl.SSLContext | None = None, name: str = "web-ui",
                 sock: socket.socket | None = None) -> None:
        self.token = token
        bound = type(f"_Bound{handler.__name__}", (handler,), {"web": self})
        if sock is None:
            self._httpd = ThreadingHTTPServer((host, port), bound)
        else:  # a socket bound and listening already (hama_yarn.web.deferred): it is the server's
            self._httpd = ThreadingHTTPServer(sock.getsockname()[:2], bound, bind_and_activate=False)
            self._httpd.socket.close()
            self._httpd.socket = sock
            self._httpd.server_address = sock.getsockname()[:2]
            self._httpd.server_name, self._httpd.server_port = host, int(self._httpd.server_address[1])
        self._httpd.daemon_threads = True
        self._scheme = "http"
        if ssl_context is not None:  # the handshake runs in the request's thread, not the accept loop
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True,
                                                         do_handshake_on_connect=False)
            self._scheme = "https"
        self.port = int(self._httpd.server_address[1])
        self._advertise = advertise
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The direct URL of the first page, token included."""
        return f"{self._scheme}://{self._advertise}:{self.port}/t/{self.token}/"

    def start(self) -> None:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=self._name, daemon=True)
        self._thread.start()
        log.info("%s on port %d", self._name, self.port)

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()


class TokenHandler(BaseHTTPRequestHandler):
    """Request handler of a :class:`TokenWebServer`: token check, replies."""

    web: TokenWebServer
    server_version = "hama-yarn"
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def _route(self) -> tuple[str | None, dict[str, list[str]]]:
        """``(route relative to the prefix or None if unauthorized, query)``."""
        parts = urllib.parse.urlsplit(self.path)
        path = _SLASHES.sub("/", urllib.parse.unquote(parts.path))
        query = urllib.parse.parse_qs(parts.query)
        token = self.web.token
        prefix = f"/t/{token}"
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix):].strip("/"), query
        auth = self.headers.get("Authorization", "")
        given = auth[7:].strip() if auth.lower().startswith("bearer ") else (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given, token):
            return path.strip("/"), query
        return None, query

    def _json(self, code: int, data: Any) -> None:
        self._send(code, "application/json", json.dumps(data, indent=1).encode())

    def _send(self, code: int, ctype: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


class WebServer(TokenWebServer):
    """Serves one job's pages and API on a thread.

    Parameters
    ----------
    source : JobSource
        Where the data comes from.
    token : str
        The UI token (:func:`ui_token`).
    host : str
        Address to bind.
    port : int
        Port (0: any free one).
    advertise : str, optional
        Host name in :attr:`url` (default *host*).
    ssl_context : ssl.SSLContext, optional
        Serve HTTPS with it (the job's certificate when ``hama.rpc.tls.enabled``).
    sock : socket.socket, optional
        A listening socket to serve (:mod:`hama_yarn.web.deferred`).
    """

    def __init__(self, source: JobSource, token: str, host: str = "127.0.0.1", port: int = 0,
                 advertise: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 sock: socket.socket | None = None) -> None:
        self.source = source
        super().__init__(_Handler, token, host, port, advertise or host, ssl_context, "web-ui", sock)


class _Handler(TokenHandler):
    web: WebServer

    # -------------------------------------------------------------- routing
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if urllib.parse.urlsplit(self.path).path.rstrip("/") == "/health":
            self._send(200, "text/plain", b"ok\n")
            return
        route, query = self._route()
        if route is None:
            self._forbidden()
            return
        try:
            self._get(route, query)
        except Exception as exc:  # noqa: BLE001 - one bad request must not harm the master
            log.exception("web UI request %s failed", route)
            self._send(500, "text/plain", f"internal error: {exc}\n".encode())

    def _get(self, route: str, query: dict[str, list[str]]) -> None:
        if route.startswith("api/v1/"):
            name = route[len("api/v1/"):]
            if name in _API or name == "snapshot":
                snap = self.web.source.snapshot()
                self._json(200, snap if name == "snapshot" else snap[name])
            elif name == "logs":
                self._json(200, self.web.source.peer_logs(_int(query, "peer"), _int(query, "lines") or 200))
            else:
                self._json(404, {"error": f"no such endpoint: {route}"})
            return
        if route == "health":
            self._send(200, "text/plain", b"ok\n")
            return
        if route not in dict(PAGES):
            self._send(404, "text/html; charset=utf-8", b"<p>No such page. <a href='./'>Overview</a></p>")
            return
        snap = self.web.source.snapshot()
        logs = self.web.source.peer_logs(_int(query, "peer"), _int(query, "lines") or 100) if route == "logs" else None
        self._send(200, "text/html; charset=utf-8", render_page(route, snap, logs).encode())

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        """The kill as ``PUT``: YARN's RM web proxy forwards GET and PUT, not POST."""
        self.do_POST()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        route, _ = self._route()
        if route is None:
            self._forbidden()
            return
        if route != "api/v1/job/kill":
            self._json(404, {"error": f"no such endpoint: {self.command} {route}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        killed = self.web.source.kill("killed from the web UI")
        if "text/html" in self.headers.get("Accept", ""):
            text = "Kill requested." if killed else "The job is not running."
            self._send(200, "text/html; charset=utf-8",
                       f"<!DOCTYPE html><p>{text} <a href='../../../'>Back to the overview</a></p>".encode())
        else:
            self._json(200, {"killed": killed})

    # -------------------------------------------------------------- replies
    def _forbidden(self) -> None:
        self._send(403, "text/plain", b"403: this job's web UI needs its token: open the URL that "
                                      b"'hama run' or 'hama job -status' printed, or go through the YARN proxy\n")


def _int(query: dict[str, list[str]], key: str) -> int | None:
    try:
        return int((query.get(key) or [""])[0])
    except ValueError:
        return None


#: Type of a kill callback.
KillFn = Callable[[str], bool]
