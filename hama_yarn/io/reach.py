"""First contact with a remote filesystem: bounded by ``hama.client.connect.timeout.ms``, Ctrl-C honoured.

A wrong or dead address must not hang the client (or a master or peer) for minutes:
hdfs-native retries a refused NameNode connection ~15 times with back-off
(``dfs.client.failover.max.attempts``, ~180 s) inside a native call that holds off
Ctrl-C and SIGTERM, and requests (WebHDFS) has no connect timeout at all.

So before :func:`hama_yarn.io.fs.resolve` hands out a remote filesystem, the first
contact with each address is made here, once per process (successes are remembered
for :data:`REMEMBER_SECONDS`):

1. for Hadoop schemes with a known port (``hdfs://host:port``, ``webhdfs://host[:port]``)
   a TCP connect to that address with the connect timeout: a refused or unreachable
   address fails at once, naming the OS's reason;
2. one metadata call through the filesystem itself (``fs.info(path)``), which also
   covers HA nameservices, other fsspec protocols and a server that accepts the
   connection and never answers.

Both run in a daemon thread; the calling thread waits in short slices, so the wait
ends at the connect timeout and a ``KeyboardInterrupt`` (or the CLI's SIGTERM
handler) in the main thread interrupts it at once.  An abandoned attempt is left to
finish in its daemon thread.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from ..config import HamaConfiguration, default_keys
from ..errors import InputError

log = logging.getLogger(__name__)

__all__ = ["CONNECT_TIMEOUT_KEY", "FilesystemUnreachableError", "connect_timeout", "check_reachable", "forget"]

#: The key bounding every first contact with a service.
CONNECT_TIMEOUT_KEY = "hama.client.connect.timeout.ms"
#: How long a successful first contact is trusted before the address is checked again.
REMEMBER_SECONDS = 300.0
#: Longest single wait of the calling thread (how fast Ctrl-C is answered).
_SLICE = 0.1
#: Schemes whose filesystems live in this process: never checked.
_LOCAL_SCHEMES = frozenset({"", "file", "local", "memory"})
#: Hadoop schemes: the TCP address probed first (port from the URL, else this default; None: no probe).
#: ``hdfs://name`` without a port is probed at 8020 only when *name* resolves (else it is an HA
#: nameservice, which hdfs-native maps through hdfs-site.xml); a ``viewfs`` authority is a mount table.
_HADOOP_PORTS: dict[str, int | None] = {"hdfs": 8020, "viewfs": None, "webhdfs": 9870, "swebhdfs": 9871}

_reached: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


class FilesystemUnreachableError(InputError):
    """A filesystem did not accept a connection within ``hama.client.connect.timeout.ms``.

    Parameters
    ----------
    address : str
        ``scheme://host:port`` of the filesystem.
    timeout : float
        The connect timeout in seconds.
    detail : str
        Why (the OS's reason, or "no answer").
    """

    def __init__(self, address: str, timeout: float, detail: str) -> None:
        self.address = address
        self.timeout = timeout
        self.detail = detail
        super().__init__(
            f"cannot connect to the filesystem at {address} within {timeout:g}s ({detail}): check the "
            f"address (the path's host:port, or fs.defaultFS for a path without one), or raise "
            f"{CONNECT_TIMEOUT_KEY} to wait longer"
        )


def connect_timeout(conf: HamaConfiguration | None) -> float:
    """``hama.client.connect.timeout.ms`` of *conf* (the default without one) in seconds, at least 0.1."""
    if conf is not None:
        ms = conf.get_int(CONNECT_TIMEOUT_KEY, 20000)
    else:
        spec = default_keys().get(CONNECT_TIMEOUT_KEY)
        ms = int(spec.default) if spec is not None else 20000
    return max(0.1, ms / 1000.0)


def forget() -> None:
    """Forget every remembered successful contact (tests)."""
    with _lock:
        _reached.clear()


def _tcp_probe(host: str, port: int, deadline: float, must_resolve: bool) -> None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        if must_resolve:
            raise
        return  # a logical name (HA nameservice): left to the filesystem's own contact
    with socket.create_connection((host, port), timeout=max(0.05, deadline - time.monotonic())):
        pass


def _is_answer(exc: BaseException) -> bool:
    """True when *exc* from ``fs.info`` means the server answered (missing path, denied, HTTP error)."""
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return True
    if getattr(exc, "response", None) is not None:  # requests.HTTPError: the server answered
        return True
    return not isinstance(exc, OSError)  # ValueError & co. from a server reply


def _in_daemon(fn: Callable[[], None], deadline: float) -> BaseException | None:
    """Run *fn* in a daemon thread until *deadline*; return its exception, or TimeoutError.

    The caller waits in :data:`_SLICE` steps, so Ctrl-C interrupts it at once.
    """
    done = threading.Event()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="hama-fs-contact", daemon=True).start()
    while not done.wait(min(_SLICE, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline:
            return TimeoutError("no answer")
    return outcome[0] if outcome else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]


def check_reachable(fs: Any, inner: str, url: str, conf: HamaConfiguration | None) -> None:
    """Make the first contact with the filesystem of *url* (once per address per process).

    Parameters
    ----------
    fs : fsspec.AbstractFileSystem
        The filesystem :func:`hama_yarn.io.fs.resolve` is about to return.
    inner : str
        The path inside *fs* (its metadata is read once).
    url : str
        The qualified URL (scheme and authority name the address).
    conf : HamaConfiguration, optional
        For ``hama.client.connect.timeout.ms``.

    Raises
    ------
    FilesystemUnreachableError
        When the address refuses the connection, or nothing answers within the timeout.
    KeyboardInterrupt
        On Ctrl-C while waiting (within :data:`_SLICE` seconds).
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in _LOCAL_SCHEMES or type(fs).__module__.startswith("fsspec.implementations.memory"):
        return
    key = (scheme, parts.netloc)
    now = time.monotonic()
    with _lock:
        if now - _reached.get(key, -REMEMBER_SECONDS) < REMEMBER_SECONDS:
            return
    limit = connect_timeout(conf)
    deadline = now + limit
    address = f"{scheme}://{parts.netloc}"
    host = parts.hostname
    try:
        port = (parts.port or _HADOOP_PORTS[scheme]) if scheme in _HADOOP_PORTS else None
    except ValueError as exc:
        raise InputError(f"bad port in {url!r}: {exc}") from exc
    if host and port:
        explicit = parts.port is not None or scheme != "hdfs"
        failure = _in_daemon(lambda: _tcp_probe(host, port, deadline, explicit), deadline)
        if failure is not None:
            raise FilesystemUnreachableError(address, limit, _reason(failure)) from failure

    def contact() -> None:
        fs.info(inner)

    failure = _in_daemon(contact, deadline)
    if failure is not None and not _is_answer(failure):
        raise FilesystemUnreachableError(address, limit, _reason(failure)) from failure
    log.debug("reached %s in %.3fs", address, time.monotonic() - now)
    with _lock:
        _reached[key] = time.monotonic()
