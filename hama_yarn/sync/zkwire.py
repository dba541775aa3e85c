"""A single-threaded ZooKeeper connection for the barrier's hot path.

kazoo is the ZooKeeper client of the ``zookeeper`` sync service: it owns the
peer's session, its EPHEMERAL registration, and the watches on ``abort``,
``finished`` and the job znode.  Its design costs CPU, though: every request
passes from the calling thread to kazoo's connection thread and back (and
every watch event through a third, callback thread), about 250 µs of CPU per
request on the 2-core machines this project is measured on.  With P peers per
core that CPU, not ZooKeeper, bounds the barrier.

:class:`ZkWire` is the barrier's transport instead: a second ZooKeeper session
on its own socket, driven synchronously by the thread that calls ``sync()``.
It sends pipelined requests with one ``sendall``, reads the replies and watch
events itself, and waits in ``poll`` on the socket and on a wake-up file
descriptor (which the kazoo watchers write to, so an abort interrupts a
barrier at once).  The wire format comes from kazoo
(:mod:`kazoo.protocol.serialization`); this module only adds the transport.

The session holds nothing EPHEMERAL, so losing it loses nothing: on a broken
connection or an expired session the caller reconnects with a fresh session
and redoes its (idempotent) step.  There is no background thread: the session
is kept alive by the barrier's own requests and by pings sent while a wait is
long; between barriers it may expire, and :meth:`ZkWire.refresh` replaces it
before it is used again.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import select
import socket
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.exceptions import EXCEPTIONS, NoNodeError
from kazoo.protocol.serialization import (
    Close,
    Connect,
    Exists,
    PingInstance,
    Transaction,
    Watch,
    int_int_struct,
    int_struct,
    reply_header_struct,
)

from ..errors import SyncError
from .zkacl import AUTH_XID, auth_frame

log = logging.getLogger(__name__)

__all__ = ["ZkWire", "WireLost", "WireTimeout", "SetWatches"]

#: Longest single ``poll`` (the caller re-checks its own state between slices).
_SLICE = 1.0
_WATCH_XID = -1
_PING_XID = -2
_READABLE = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR | select.POLLNVAL


class WireLost(SyncError):
    """The connection broke or the session expired; reconnect and redo the step."""


class WireTimeout(SyncError):
    """A wait ran into its deadline."""


class SetWatches:
    """ZooKeeper's ``setWatches`` request (opcode 101), for exists-watches only.

    A client normally sends it after a reconnect to re-register its watches;
    the server registers an exists-watch for each path that does not exist yet
    and fires ``NodeCreated`` at once for each that does.  Sent at any time it
    registers many watches in one request (kazoo has no serializer for it).

    Parameters
    ----------
    relative_zxid : int
        The last zxid the client saw (unused by the server for exists-watches).
    paths : sequence of str
        Paths to watch for creation.
    """

    type = 101

    def __init__(self, relative_zxid: int, paths: Sequence[str]) -> None:
        self.relative_zxid = relative_zxid
        self.paths = tuple(paths)

    def serialize(self) -> bytes:
        """Jute: long relativeZxid, then the data, exist and child watch vectors."""
        out = bytearray(struct.pack(">qi", self.relative_zxid, 0))  # no data watches
        out += struct.pack(">i", len(self.paths))
        for path in self.paths:
            raw = path.encode("utf-8")
            out += struct.pack(">i", len(raw)) + raw
        out += struct.pack(">i", 0)  # no child watches
        return bytes(out)

    @classmethod
    def deserialize(cls, data: bytes, offset: int) -> None:
        """The reply has no body."""
        return None


def _split_hosts(hosts: str) -> tuple[list[tuple[str, int]], str]:
    """``"h1:p1,h2:p2/chroot"`` → ``([(h1, p1), (h2, p2)], "/chroot")``."""
    chroot = ""
    if "/" in hosts:
        hosts, chroot = hosts.split("/", 1)
        chroot = "/" + chroot.strip("/") if chroot.strip("/") else ""
    out = []
    for entry in hosts.split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, _, port = entry.rpartition(":")
        out.append((host.strip("[]"), int(port)))
    return out, chroot


class ZkWire:
    """One ZooKeeper session on one socket, used by one thread at a time.

    Parameters
    ----------
    hosts : str
        kazoo-style host string (``host:port,...`` with an optional ``/chroot``).
    session_timeout : float
        Requested session timeout in seconds.
    name : str
        For messages (e.g. ``peer 3``).
    auth : sequence of (scheme, credential), optional
        Identities every session adds (``addauth``) before its first request: the
        job's digest identity under ``hama.zookeeper.acl`` (:mod:`hama_yarn.sync.zkacl`).

    Notes
    -----
    Requests are kazoo serialization objects (``Exists``, ``Create``,
    ``GetChildren``, ``GetData``, ``Transaction``) with paths relative to the
    chroot.  :attr:`requests` counts the requests sent, by kazoo type name, and
    :attr:`sessions` the sessions opened.
    """

    def __init__(self, hosts: str, session_timeout: float, name: str,
                 auth: Sequence[tuple[str, str]] = ()) -> None:
        self.auth = list(auth)
        self.servers, self.chroot = _split_hosts(hosts)
        if not self.servers:
            raise SyncError(f"{name}: empty ZooKeeper host list {hosts!r}")
        self.hosts = hosts
        self.name = name
        self.session_timeout = session_timeout
        self.negotiated = session_timeout
        self.requests: dict[str, int] = {}
        self.sessions = 0
        self.events: set[str] = set()
        #: Why each server failed in the last :meth:`connect` that failed.
        self.errors: list[str] = []
        #: Whether a server accepted the connection and then closed it in that connect
        #: (ZooKeeper does so while it starts up): worth trying again.
        self.starting = False
        self._sock: socket.socket | None = None
        self._poll: Any = None
        self._buf = bytearray()
        self._xid = 0
        self._pending: dict[int, tuple[Any, bool]] = {}
        self._results: dict[int, Any] = {}
        self._last_zxid = 0
        self._last_send = 0.0
        self._connected_at = 0.0
        self._wake_fd = -1

    # ------------------------------------------------------------ connection
    @property
    def connected(self) -> bool:
        """Whether a session is open (it may still have expired on the server)."""
        return self._sock is not None

    def set_wake_fd(self, fd: int) -> None:
        """Also wake waits when *fd* becomes readable (its bytes are drained)."""
        self._wake_fd = fd
        if self._poll is not None:
            self._poll.register(fd, _READABLE)

    def connect(self, deadline: float, attempt_timeout: float | None = None) -> None:
        """Open a new session on the first server that answers before *deadline*.

        Each server gets *attempt_timeout* seconds (default: a third of the
        session timeout, at least 1 s), within the deadline.  :attr:`errors`
        says afterwards why each server failed.

        Raises
        ------
        WireLost
            If no server answered.
        """
        self.close()
        servers = list(self.servers)
        random.shuffle(servers)
        errors = []
        self.starting = False
        per_server = attempt_timeout if attempt_timeout is not None else max(1.0, self.session_timeout / 3)
        for host, port in servers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                errors.append(f"{host}:{port}: no time left")
                continue
            try:
                self._open(host, port, min(remaining, per_server))
                self.errors = []
                return
            except (TimeoutError, socket.timeout):
                errors.append(f"{host}:{port}: no answer")
            except ConnectionRefusedError as exc:
                errors.append(f"{host}:{port}: {exc.strerror or exc}")
            except (OSError, ValueError, EOFError) as exc:  # accepted, then closed: a server still starting
                errors.append(f"{host}:{port}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
                self.starting = True
            self.close()
        self.errors = errors
        raise WireLost(f"{self.name}: cannot open a ZooKeeper session at {self.hosts}: {'; '.join(errors) or 'timeout'}")

    def _open(self, host: str, port: int, timeout: float) -> None:
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request = Connect(0, self._last_zxid, int(self.session_timeout * 1000), 0, b"\x00" * 16, False)
            body = bytes(request.serialize())
            sock.sendall(int_struct.pack(len(body)) + body)
            buf = bytearray()
            while True:
                if len(buf) >= 4 and len(buf) >= 4 + int_struct.unpack_from(buf, 0)[0]:
                    break
                chunk = sock.recv(4096)
                if not chunk:
                    raise EOFError("connection closed during the handshake")
                buf += chunk
            size = int_struct.unpack_from(buf, 0)[0]
            response, _ = Connect.deserialize(bytes(buf[4:4 + size]), 0)
            if response.time_out <= 0:
                raise ValueError("the server refused the session")
            buf = buf[4 + size:]
            for scheme, credential in self.auth:  # answered in order, before any later request
                sock.sendall(auth_frame(scheme, credential))
                while len(buf) < 4 or len(buf) < 4 + int_struct.unpack_from(buf, 0)[0]:
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise EOFError(f"connection closed when adding the {scheme} identity (wrong credential?)")
                    buf += chunk
                n = int_struct.unpack_from(buf, 0)[0]
                xid, _zxid, err = reply_header_struct.unpack_from(buf, 4)
                buf = buf[4 + n:]
                if xid != AUTH_XID or err:
                    raise ValueError(f"the server refused the {scheme} identity (error {err})")
            size = -4  # buf holds what follows the handshake
            sock.settimeout(None)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._buf = buf[4 + size:]
        self.negotiated = response.time_out / 1000.0
        self._poll = select.poll()
        self._poll.register(sock.fileno(), _READABLE)
        if self._wake_fd >= 0:
            self._poll.register(self._wake_fd, _READABLE)
        self._pending.clear()
        self._results.clear()
        self._connected_at = self._last_send = time.monotonic()
        self.sessions += 1
        log.debug("%s: ZooKeeper session 0x%x on %s:%d (timeout %.1fs)", self.name, response.session_id,
                  host, port, self.negotiated)

    def refresh(self, deadline: float) -> None:
        """Make sure the session is usable: reconnect when none is open or it idled too long.

        A session that sent nothing for half its timeout may have expired on the
        server (nothing pings it between barriers), so it is replaced.
        """
        if self._sock is None or time.monotonic() - self._last_send > self.negotiated / 2:
            self.connect(deadline)

    def close(self) -> None:
        """Close the session (politely if the connection is up) and the socket."""
        sock, self._sock = self._sock, None
        self._poll = None
        if sock is None:
            return
        try:
            sock.setblocking(False)
            body = int_int_struct.pack(self._next_xid(), Close.type)
            sock.send(int_struct.pack(len(body)) + body)
        except OSError:
            pass
        finally:
            sock.close()

    # ------------------------------------------------------------ requests
    @property
    def last_zxid(self) -> int:
        """The newest zxid seen on any session of this wire."""
        return self._last_zxid

    def _next_xid(self) -> int:
        self._xid = (self._xid + 1) & 0x3FFFFFFF or 1
        return self._xid

    def _path(self, path: str) -> str:
        return self.chroot + path if self.chroot else path

    def _unchroot(self, path: str) -> str:
        if self.chroot and path.startswith(self.chroot):
            return path[len(self.chroot):] or "/"
        return path

    def _chrooted(self, request: Any) -> Any:
        if not self.chroot:
            return request
        if isinstance(request, Transaction):
            return Transaction([op._replace(path=self._path(op.path)) for op in request.operations])
        if isinstance(request, SetWatches):
            return SetWatches(request.relative_zxid, [self._path(p) for p in request.paths])
        return request._replace(path=self._path(request.path))

    def send(self, requests: Sequence[Any], want: bool = True) -> list[int]:
        """Send *requests* in one write; return their xids (replies are discarded unless *want*)."""
        sock = self._sock
        if sock is None:
            raise WireLost(f"{self.name}: no ZooKeeper session")
        frames = []
        xids = []
        for request in requests:
            xid = self._next_xid()
            body = int_int_struct.pack(xid, request.type) + bytes(self._chrooted(request).serialize())
            frames.append(int_struct.pack(len(body)) + body)
            self._pending[xid] = (request, want)
            xids.append(xid)
            kind = type(request).__name__
            self.requests[kind] = self.requests.get(kind, 0) + 1
        try:
            sock.sendall(b"".join(frames))
        except OSError as exc:
            self._lost(exc)
        self._last_send = time.monotonic()
        return xids

    def _ping(self) -> None:
        sock = self._sock
        if sock is None:
            raise WireLost(f"{self.name}: no ZooKeeper session")
        body = int_int_struct.pack(_PING_XID, PingInstance.type)
        try:
            sock.sendall(int_struct.pack(len(body)) + body)
        except OSError as exc:
            self._lost(exc)
        self._last_send = time.monotonic()

    def call(self, requests: Sequence[Any], deadline: float, check: Callable[[], None]) -> list[Any]:
        """Send *requests* pipelined and return each reply.

        A ZooKeeper error is returned in its request's place as the kazoo
        exception instance (``exists`` of a missing node returns ``None``).

        Raises
        ------
        WireLost
            If the connection broke (the requests may or may not have run).
        WireTimeout
            At *deadline*.
        """
        xids = self.send(requests)
        while any(x not in self._results for x in xids):
            if not self._read(deadline):
                check()
        return [self._results.pop(x) for x in xids]

    def wait_event(self, path: str, deadline: float) -> bool:
        """Wait for a watch event on *path*.

        Returns
        -------
        bool
            True once the event arrived (it is consumed); False when the wake-up
            descriptor fired or a time slice passed (the caller re-checks).

        Raises
        ------
        WireLost, WireTimeout
        """
        if path in self.events:
            self.events.discard(path)
            return True
        if self._read(deadline) and path in self.events:
            self.events.discard(path)
            return True
        return False

    # ------------------------------------------------------------ reading
    def _lost(self, exc: BaseException | str) -> None:
        self.close()
        raise WireLost(f"{self.name}: ZooKeeper connection to {self.hosts} lost: {exc}")

    def _read(self, deadline: float) -> bool:
        """Read and dispatch what arrives within one slice; False if nothing did (or a wake-up)."""
        if self._drain_frames():
            return True
        sock = self._sock
        if sock is None:
            raise WireLost(f"{self.name}: no ZooKeeper session")
        now = time.monotonic()
        remaining = deadline - now
        if remaining <= 0:
            raise WireTimeout(f"{self.name}: deadline passed")
        ping_in = self.negotiated / 3 - (now - self._last_send)
        if ping_in <= 0:
            self._ping()
            ping_in = self.negotiated / 3
        wait = min(remaining, _SLICE, ping_in)
        try:
            ready = self._poll.poll(wait * 1000.0)
        except InterruptedError:
            return False
        got = False
        for fd, _events in ready:
            if fd == self._wake_fd:
                try:
                    while os.read(fd, 4096):
                        pass
                except BlockingIOError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.EAGAIN:
                        raise
                continue
            try:
                chunk = sock.recv(1 << 16)
            except OSError as exc:
                self._lost(exc)
            if not chunk:
                self._lost("closed by the server")
            self._buf += chunk
            got = self._drain_frames()
        return got

    def _drain_frames(self) -> bool:
        """Dispatch every complete frame in the buffer; True if there was one."""
        buf = self._buf
        any_frame = False
        while len(buf) >= 4:
            size = int_struct.unpack_from(buf, 0)[0]
            if len(buf) < 4 + size:
                break
            frame = bytes(buf[4:4 + size])
            del buf[:4 + size]
            self._dispatch(frame)
            any_frame = True
        return any_frame

    def _dispatch(self, frame: bytes) -> None:
        xid, zxid, err = reply_header_struct.unpack_from(frame, 0)
        offset = reply_header_struct.size
        if zxid > 0:
            self._last_zxid = max(self._last_zxid, zxid)
        if xid == _WATCH_XID:
            event, _ = Watch.deserialize(frame, offset)
            self.events.add(self._unchroot(event.path))
            return
        if xid == _PING_XID:
            return
        pending = self._pending.pop(xid, None)
        if pending is None:
            return
        request, want = pending
        if err == -112:  # SESSIONEXPIRED
            self._lost("session expired")
        if not want:
            return
        result: Any
        if err:
            result = None if err == NoNodeError.code and request.type == Exists.type else EXCEPTIONS[err]()
        else:
            result = request.deserialize(frame, offset)
            if isinstance(result, str):
                result = self._unchroot(result)
        self._results[xid] = result
