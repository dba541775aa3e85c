"""The raw bundle channel: large message bundles between peers without Thrift.

A Thrift ``put_bundle`` call moves a bundle through thriftpy2's buffered transport,
which copies it several times on each side and, while receiving, concatenates the
socket reads of one large ``binary`` into a growing ``bytes`` (quadratic in the bundle
size: a 32 MB bundle took ~0.3 s).  Bundles of at least :data:`CHANNEL_MIN_BYTES` go
over this channel instead: the receiver reads the bundle with ``recv_into`` straight
into one buffer (one copy, out of the kernel) and the sender writes it with one
``sendall``; vectorized payloads are then decoded as views of that buffer.

Each peer's :class:`~hama_yarn.peer.messenger.Messenger` serves a channel beside its
Thrift ``PeerService``; ``PeerService.bundle_channel()`` tells senders its port.
Connections are opened and accepted like every RPC connection
(:func:`hama_yarn.rpc.client.open_connection`, :func:`hama_yarn.rpc.server.accept_connection`:
the job secret's HMAC handshake, and TLS when the job has it).

Wire format, little-endian, per bundle::

    sender   i32 source_index, i64 superstep, u64 length, then `length` bytes of bundle
    receiver u8 0 (queued), or u8 1, u32 n, n bytes UTF-8 "<HamaError class>\\n<message>"

The receiver answers once the bundle is queued, so a returned :meth:`BundleChannelClient.send`
means the same as a returned ``put_bundle`` call.
"""

from __future__ import annotations

import logging
import socket
import struct
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import MessagingError
from ..rpc.server import ConnectionServer, listen
from ..rpc.spin import Spinner
from ..rpc.tls import recv_into_all, send_all

if TYPE_CHECKING:
    from .codec import BundleParts

log = logging.getLogger(__name__)

__all__ = ["BundleChannelServer", "BundleChannelClient", "CHANNEL_MIN_BYTES", "MAX_BUNDLE"]

#: Bundles at least this long go over the channel (smaller ones keep the Thrift call: one
#: round trip either way).  Between two messengers, 130 KB and 200 KB bundles took 1.3-2x
#: the channel's time over Thrift (TLS on and off), so a lower bound may pay; it is tied to
#: codec.LAZY_MIN_BYTES (and tests) and stays until measured on a quiet machine.
CHANNEL_MIN_BYTES = 256 * 1024
#: Longest bundle a receiver accepts (a corrupt length must not allocate the machine away).
MAX_BUNDLE = 1 << 40
_HEAD = struct.Struct("<iqQ")
_ERR = struct.Struct("<I")
_CHUNK = 1 << 24  # most bytes asked of one recv_into
_COALESCE = 64 * 1024  # parts shorter than this are joined before sending


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    _recv_into(sock, memoryview(buf))
    return bytes(buf)


def _recv_into(sock: socket.socket, view: memoryview) -> None:
    recv_into_all(sock, view, _CHUNK)  # a TLS socket: one record a call, its read() straight


class _BufferPool:
    """Receive buffers, reused once nothing refers to them any more.

    Messages decoded from a bundle are views of its buffer (zero-copy), so a buffer is
    free again only when every such message is gone: then its reference count is back to
    the pool's own.  Reusing warm memory spares the page faults of a fresh allocation
    (for a large bundle these cost more than receiving it).  Buffers are numpy arrays once
    numpy is loaded, else ``bytearray`` objects (every view of either holds a reference to
    it: a buffer some message still refers to is not handed out again); small bundles get
    a fresh ``bytearray`` each.
    """

    def __init__(self, max_buffers: int = 4) -> None:
        self._bufs: list[Any] = []
        self._max = max_buffers
        self._lock = threading.Lock()

    def get(self, n: int) -> memoryview:
        """A writable buffer of exactly *n* bytes (contents undefined: all are received into it)."""
        if n < CHANNEL_MIN_BYTES:
            return memoryview(bytearray(n))
        use_numpy = "numpy" in sys.modules
        if use_numpy:
            import numpy as np  # a statement, not sys.modules: waits while another thread still imports it
        with self._lock:
            bufs = self._bufs
            for i in range(len(bufs)):
                arr = bufs[i]
                # references: the list, `arr`, getrefcount's argument; any view adds one
                if n <= len(arr) <= 2 * n and sys.getrefcount(arr) <= 3:
                    del bufs[i]
                    bufs.append(arr)  # most recently used last
                    return memoryview(arr)[:n]
            arr = None
            fresh: Any = np.empty(n, dtype=np.uint8) if use_numpy else bytearray(n)
            bufs.append(fresh)
            if len(bufs) > self._max:
                bufs.pop(0)  # the least recently used leaves the pool (freed when its views are)
            return memoryview(fresh)  # holds the buffer


Handler = Callable[[int, int, Any], None]


class BundleChannelServer(ConnectionServer):
    """Receive bundles on *host* (a free port) and hand each to *handler*.

    Parameters
    ----------
    host : str
        Address to bind (the peer's Thrift server's).
    secret : str
        The job secret every connection must prove.
    handler : callable
        ``handler(source_index, superstep, bundle)`` with *bundle* a read-only memoryview
        owning its buffer; it returns once the bundle is queued, or raises a
        :class:`~hama_yarn.errors.HamaError` that is sent back to the sender.
    name : str
        For threads and logs.
    """

    def __init__(self, host: str, secret: str, handler: Handler, name: str = "bundles") -> None:
        super().__init__(secret, name)
        self._handler = handler
        self._pool = _BufferPool()
        sock = listen(host, 0)
        self.port: int = sock.getsockname()[1]
        self._start_accepting(sock)

    def handle(self, conn: socket.socket, addr: Any) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    head = _recv_exact(conn, _HEAD.size)
                except EOFError:
                    return  # the sender closed the connection between bundles
                source, superstep, length = _HEAD.unpack(head)
                if length > MAX_BUNDLE:
                    self._reply_error(conn, MessagingError(
                        f"bundle of {length} bytes from peer {source} (superstep {superstep}) is over {MAX_BUNDLE}"))
                    return
                view = self._pool.get(length)
                _recv_into(conn, view)
                try:
                    self._handler(source, superstep, view.toreadonly())
                except errors.HamaError as exc:
                    self._reply_error(conn, exc)
                    continue
                except Exception as exc:  # noqa: BLE001 - reported to the sender, logged here
                    log.exception("%s: bundle from peer %d failed", self.name, source)
                    self._reply_error(conn, errors.MessagingError(f"{type(exc).__name__}: {exc}"))
                    continue
                conn.sendall(b"\x00")
        except EOFError as exc:
            if not self._stopped.is_set():
                log.debug("%s: connection from %s ended: %s", self.name, addr, exc)

    @staticmethod
    def _reply_error(conn: socket.socket, exc: errors.HamaError) -> None:
        text = f"{type(exc).__name__}\n{exc}".encode("utf-8", "replace")
        conn.sendall(b"\x01" + _ERR.pack(len(text)) + text)


class BundleChannelClient:
    """A connection to one peer's :class:`BundleChannelServer` (calls are serialized).

    Parameters
    ----------
    address : str
        ``host:port`` of the channel.
    secret : str
        The job secret.
    timeout : float
        Socket timeout of sending one bundle and reading its answer, in seconds.
    spin_us : int
        Microseconds to poll for the answer before blocking (:mod:`hama_yarn.rpc.spin`).
    """

    def __init__(self, address: str, secret: str, timeout: float = 60.0, spin_us: int = 0) -> None:
        self.address = address
        self._secret = secret
        self._timeout = timeout
        self._spin_us = spin_us
        self._sock: socket.socket | None = None
        self._spinner: Spinner | None = None
        self._lock = threading.Lock()

    def send(self, source_index: int, superstep: int, bundle: bytes | memoryview | BundleParts) -> None:
        """Deliver *bundle* (bytes, or :class:`~hama_yarn.messaging.codec.BundleParts` written
        part by part); returns once the receiver queued it.

        Raises
        ------
        HamaError
            The receiver's error (same class), or :class:`~hama_yarn.errors.MessagingError`
            if the channel failed (the connection is dropped; the next call reconnects).
        """
        from ..rpc.client import open_connection

        with self._lock:
            try:
                if self._sock is None:
                    self._sock = open_connection(self.address, self._secret, timeout=self._timeout,
                                                 what="bundle channel")
                    self._spinner = Spinner(self._sock, self._spin_us)
                sock = self._sock
                if isinstance(bundle, (bytes, bytearray, memoryview)):
                    # the head rides in the first write (with TLS a record and a receiver
                    # wake-up of its own cost ~50 us a bundle); only <= 64 KiB are copied for it
                    view = memoryview(bundle).cast("B")
                    send_all(sock, _HEAD.pack(source_index, superstep, len(view)) + bytes(view[:_COALESCE]))
                    if len(view) > _COALESCE:
                        sock.sendall(view[_COALESCE:])
                else:  # BundleParts: the messages' own buffers, small pieces coalesced
                    small: list[Any] = [_HEAD.pack(source_index, superstep, len(bundle))]
                    for part in bundle.parts:
                        view = memoryview(part).cast("B")
                        if view.nbytes < _COALESCE:
                            small.append(view)
                            continue
                        sock.sendall(b"".join(small))
                        small = []
                        sock.sendall(view)
                    if small:
                        sock.sendall(b"".join(small))
                if self._spinner is not None:
                    self._spinner.wait()  # the answer comes once the receiver queued the bundle
                status = _recv_exact(sock, 1)
                if status == b"\x00":
                    return
                (n,) = _ERR.unpack(_recv_exact(sock, _ERR.size))
                kind, _, message = _recv_exact(sock, n).decode("utf-8", "replace").partition("\n")
            except errors.HamaError:
                self._drop()
                raise
            except (OSError, EOFError) as exc:
                self._drop()
                raise MessagingError(f"bundle channel to {self.address}: {type(exc).__name__}: {exc}") from exc
            except BaseException:
                self._drop()  # interrupted mid-bundle: the stream is out of step
                raise
        cls = getattr(errors, kind, None)
        if isinstance(cls, type) and issubclass(cls, errors.HamaError):
            err: errors.HamaError = cls.__new__(cls)
            errors.HamaError.__init__(err, message)
            raise err
        raise MessagingError(f"bundle channel to {self.address}: {kind}: {message}")

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._spinner = None

    def close(self) -> None:
        """Close the connection (a later :meth:`send` reconnects)."""
        with self._lock:
            self._drop()
