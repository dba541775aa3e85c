"""The lean barrier channel of the ``rpc`` sync service (``BarrierEnter``/``BarrierReply`` in hama.thrift).

A Thrift ``enter_barrier`` call costs a thread per waiting peer on the master and a
wake-up hand-off between those threads when the last peer arrives.  This channel
serves every peer's barrier connection from one event-loop thread instead: the
thread that reads the last ``BarrierEnter`` of a superstep writes every peer's
``BarrierReply`` itself, so a barrier costs one read per peer and one write per peer,
with no thread switch on the master.

Wire format (described in ``thrift/hama.thrift``): the connection is opened and
accepted by :func:`hama_yarn.rpc.client.open_connection` and
:func:`hama_yarn.rpc.server.accept_connection` (the job secret's HMAC handshake and any
transport options of every RPC connection); then each frame is a 4-byte big-endian
length (``TFramedTransport``) and one ``TBinaryProtocol``-encoded struct.  The encoders
here write the exact bytes thriftpy2 writes for those structs (checked by the tests).
"""

from __future__ import annotations

import logging
import selectors
import socket
import struct
import threading
import time
from typing import Any

from ..errors import HamaError, RPCError, SyncError
from ..rpc.client import open_connection
from ..rpc.server import accept_connection, listen
from ..rpc.spin import Spinner
from ..rpc.tls import recv_some, send_all

log = logging.getLogger(__name__)

__all__ = ["BarrierChannelServer", "BarrierChannelClient", "encode_enter", "encode_reply", "decode_reply"]

_T_I32, _T_I64, _T_STRING = 8, 10, 11
# BarrierEnter {1: i32 task_index, 2: i64 superstep, 3: i32 timeout_ms} after its frame length.
_ENTER = struct.Struct(">iBhiBhqBhiB")
_ENTER_BODY = _ENTER.size - 4
_REPLY_HEAD = struct.Struct(">iBhqBhi")  # length, superstep field, kind's header and length
_LEN = struct.Struct(">i")
_MAX_REPLY = 1 << 20
_TICK = 0.2  # seconds between checks of the barrier deadlines


def encode_enter(task_index: int, superstep: int, timeout_ms: int) -> bytes:
    """One framed ``BarrierEnter``."""
    return _ENTER.pack(_ENTER_BODY, _T_I32, 1, task_index, _T_I64, 2, superstep, _T_I32, 3, timeout_ms, 0)


def decode_enter(frame: bytes) -> tuple[int, int, int]:
    """``(task_index, superstep, timeout_ms)`` of one framed ``BarrierEnter`` (exactly its bytes).

    Raises
    ------
    SyncError
        If *frame* is not a BarrierEnter as :func:`encode_enter` writes it.
    """
    try:
        size, t1, f1, task, t2, f2, step, t3, f3, timeout_ms, stop = _ENTER.unpack(frame)
    except struct.error as exc:
        raise SyncError(f"bad barrier frame ({len(frame)} bytes): {exc}") from exc
    if (size, t1, f1, t2, f2, t3, f3, stop) != (_ENTER_BODY, _T_I32, 1, _T_I64, 2, _T_I32, 3, 0):
        raise SyncError(f"bad barrier frame: {frame[:32].hex()}")
    return task, step, timeout_ms


def encode_reply(superstep: int, kind: str = "", message: str = "") -> bytes:
    """One framed ``BarrierReply`` (*kind* ``""``: the barrier passed)."""
    k, m = kind.encode(), message.encode()
    body = (struct.pack(">BhqBhi", _T_I64, 1, superstep, _T_STRING, 2, len(k)) + k
            + struct.pack(">Bhi", _T_STRING, 3, len(m)) + m + b"\0")
    return _LEN.pack(len(body)) + body


def decode_reply(body: bytes) -> tuple[int, str, str]:
    """``(superstep, kind, message)`` of a ``BarrierReply`` body (the frame without its length)."""
    try:
        t1, f1, step, t2, f2, klen = struct.unpack_from(">BhqBhi", body)
        pos = 18
        kind = body[pos : pos + klen].decode()
        pos += klen
        t3, f3, mlen = struct.unpack_from(">Bhi", body, pos)
        pos += 7
        message = body[pos : pos + mlen].decode()
        pos += mlen
        ok = (t1, f1, t2, f2, t3, f3) == (_T_I64, 1, _T_STRING, 2, _T_STRING, 3) and body[pos:] == b"\0"
    except (struct.error, UnicodeDecodeError) as exc:
        raise SyncError(f"bad barrier reply ({len(body)} bytes): {exc}") from exc
    if not ok:
        raise SyncError(f"bad barrier reply: {body[:32].hex()}")
    return step, kind, message


def _error_from(kind: str, message: str) -> HamaError:
    from ..rpc.client import map_error
    from ..rpc.idl import idl

    return map_error(idl().RemoteError(kind=kind, message=message), "barrier channel")


# ------------------------------------------------------------------ master side


class _Conn:
    """One peer's barrier connection: the waiter :class:`~hama_yarn.sync.rpc.BarrierState` releases."""

    __slots__ = ("sock", "buf", "name", "closed")

    def __init__(self, sock: socket.socket, name: str) -> None:
        self.sock = sock
        self.buf = b""
        self.name = name
        self.closed = False

    def release(self, superstep: int, error: HamaError | None) -> None:
        if self.closed:
            return
        frame = encode_reply(superstep) if error is None else encode_reply(superstep, type(error).__name__, str(error))
        try:
            send_all(self.sock, frame)
        except OSError as exc:
            log.debug("barrier reply to %s failed: %s", self.name, exc)


class BarrierChannelServer:
    """The master's barrier channel: a listener, and one event-loop thread serving every peer.

    Parameters
    ----------
    state : BarrierState
        The barrier bookkeeping it shares with the Thrift ``SyncService``.
    secret : str
        The job secret.
    host : str
        Address to bind.
    """

    def __init__(self, state: Any, secret: str, host: str) -> None:
        self.state = state
        self._secret = secret
        self._listener = listen(host, 0)
        self.port: int = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._new: list[_Conn] = []
        self._conns: set[_Conn] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._accept_loop, name="barrier-accept", daemon=True),
            threading.Thread(target=self._loop, name="barrier-loop", daemon=True),
        ]
        for t in self._threads:
            t.start()

    # -- accepting -------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, addr = self._listener.accept()
            except OSError:
                break
            threading.Thread(target=self._handshake, args=(sock, addr), name="barrier-auth", daemon=True).start()

    def _handshake(self, sock: socket.socket, addr: Any) -> None:
        try:
            sock = accept_connection(sock, self._secret)
        except (HamaError, OSError) as exc:
            log.warning("barrier channel: refused connection from %s: %s", addr, exc)
            sock.close()
            return
        with self._lock:
            if self._stopped.is_set():
                sock.close()
                return
            self._new.append(_Conn(sock, str(addr)))
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    # -- the event loop ----------------------------------------------------
    def _loop(self) -> None:
        next_tick = time.monotonic() + _TICK
        while not self._stopped.is_set():
            try:
                events = self._sel.select(_TICK)
            except (OSError, ValueError):
                break
            for key, _ in events:
                conn = key.data
                if conn is None:
                    self._drain_wake()
                else:
                    self._read(conn)
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + _TICK
                self.state.expire(now)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return
        with self._lock:
            new, self._new = self._new, []
        for conn in new:
            self._conns.add(conn)
            self._sel.register(conn.sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _Conn) -> None:
        try:
            data = recv_some(conn.sock, 65536)
            pending = getattr(conn.sock, "pending", None)  # a TLS socket may hold decrypted bytes
            while pending is not None and pending() > 0:
                data += recv_some(conn.sock, 65536)
        except OSError as exc:
            log.debug("barrier channel %s: %s", conn.name, exc)
            data = b""
        if not data:
            self._close(conn)
            return
        buf = conn.buf + data if conn.buf else data
        size = _ENTER.size
        pos = 0
        while len(buf) - pos >= size:
            frame = buf[pos : pos + size]
            pos += size
            try:
                task, step, timeout_ms = decode_enter(frame)
            except SyncError as exc:
                log.warning("barrier channel %s: %s; closing it", conn.name, exc)
                self._close(conn)
                return
            self.state.arrive(task, step, timeout_ms / 1000.0, conn)
        conn.buf = buf[pos:]

    def _close(self, conn: _Conn) -> None:
        conn.closed = True
        self.state.cancel(conn)
        self._conns.discard(conn)
        try:
            self._sel.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        try:
            conn.sock.close()
        except OSError:
            pass

    def close(self) -> None:
        """Stop serving; close the listener and every connection."""
        self._stopped.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self._wake()
        self._threads[1].join(2.0)
        for conn in list(self._conns):
            self._close(conn)
        with self._lock:
            new, self._new = self._new, []
        for conn in new:
            conn.sock.close()
        self._sel.close()
        self._wake_r.close()
        self._wake_w.close()


# ------------------------------------------------------------------ peer side


class BarrierChannelClient:
    """A peer's barrier connection: :meth:`enter` sends a ``BarrierEnter`` and waits for its reply.

    Parameters
    ----------
    address : str
        ``host:port`` of the master's channel.
    secret : str
        The job secret.
    spin_us : int
        Microseconds to poll for a reply before blocking (0: block at once).
    """

    def __init__(self, address: str, secret: str, spin_us: int = 0) -> None:
        self.address = address
        # A blocking socket: the master enforces the barrier timeout, a dead master ends the wait with EOF.
        self._sock: socket.socket | None = open_connection(address, secret, None, 10.0, "barrier channel")
        self._left = b""
        self._spinner = Spinner(self._sock, spin_us)

    def enter(self, task_index: int, superstep: int, timeout_ms: int) -> None:
        """Enter the barrier of *superstep*; return when every peer entered it.

        Raises
        ------
        SyncError
            The master's error (e.g. :class:`~hama_yarn.errors.BarrierTimeoutError`), or a
            failed connection.
        """
        sock = self._sock
        if sock is None:
            raise SyncError(f"barrier channel to {self.address} is closed")
        try:
            send_all(sock, encode_enter(task_index, superstep, timeout_ms))
            body = self._recv_reply(sock)
        except OSError as exc:
            self.close()
            raise RPCError(f"barrier channel to {self.address}: {exc}") from exc
        step, kind, message = decode_reply(body)
        if kind:
            raise _error_from(kind, message)
        if step != superstep:
            self.close()
            raise SyncError(f"barrier channel: reply for superstep {step} while waiting for {superstep}")

    def _recv_reply(self, sock: socket.socket) -> bytes:
        buf = self._left
        while True:
            if len(buf) >= 4:
                (size,) = _LEN.unpack_from(buf)
                if not _REPLY_HEAD.size - 4 <= size <= _MAX_REPLY:
                    raise ConnectionError(f"bad barrier reply length {size}")
                if len(buf) >= 4 + size:
                    self._left = buf[4 + size :]
                    return buf[4 : 4 + size]
            self._spinner.wait()
            chunk = recv_some(sock, 65536)
            if not chunk:
                raise ConnectionError("the master closed the barrier channel")
            buf = buf + chunk if buf else chunk

    def close(self) -> None:
        """Close the connection."""
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
