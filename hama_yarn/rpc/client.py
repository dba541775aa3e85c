"""Authenticated Thrift clients and the one place remote errors are mapped."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from typing import Any

from .. import errors
from .auth import client_handshake
from .idl import idl
from .tls import wrap_client

log = logging.getLogger(__name__)

__all__ = ["RPCClient", "map_error", "open_connection", "parse_address", "preload"]


def preload() -> None:
    """Import thriftpy2 and parse the IDL now (e.g. while waiting for a process to start).

    This module loads them on first use, so that importing the client side of
    hama_yarn stays cheap.
    """
    import thriftpy2.protocol
    import thriftpy2.thrift
    import thriftpy2.transport  # noqa: F401

    idl()


def parse_address(address: str) -> tuple[str, int]:
    """Split ``host:port``.

    Raises
    ------
    RPCError
        If *address* has no valid port.
    """
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise errors.RPCError(f"bad address {address!r}: expected host:port")
    return host or "127.0.0.1", int(port)


def map_error(exc: BaseException, where: str) -> errors.HamaError:
    """Translate a Thrift/socket failure of a call to *where* into a :class:`HamaError`.

    ``RemoteError`` becomes the HamaError subclass it names (falling back to
    :class:`~hama_yarn.errors.RPCError`); transport failures become ``RPCError``.
    """
    from thriftpy2.thrift import TApplicationException
    from thriftpy2.transport import TTransportException

    remote_error = idl().RemoteError
    if isinstance(exc, remote_error):
        cls = getattr(errors, exc.kind, None)
        message = exc.message or exc.kind
        if isinstance(cls, type) and issubclass(cls, errors.HamaError):
            try:
                err: errors.HamaError = cls.__new__(cls)
                errors.HamaError.__init__(err, message)
                return err
            except Exception:  # noqa: BLE001
                pass
        return errors.RPCError(f"{where}: {exc.kind}: {message}")
    if isinstance(exc, TApplicationException):
        return errors.RPCError(f"{where}: {exc}")
    if isinstance(exc, (TTransportException, OSError, EOFError)):
        return errors.RPCError(f"{where}: connection failed: {exc}")
    return errors.RPCError(f"{where}: {type(exc).__name__}: {exc}")


def open_connection(address: str, secret: str, timeout: float | None = 60.0, connect_timeout: float = 10.0,
                    what: str = "server") -> socket.socket:
    """A connected, authenticated socket to *address* (every client connection is made here).

    Used by :class:`RPCClient` and by the lean barrier channel (:mod:`hama_yarn.sync.channel`),
    so transport options (TCP_NODELAY, encryption) apply to both.

    Raises
    ------
    RPCError
        If the server cannot be reached; :class:`~hama_yarn.errors.AuthenticationError` if it
        rejects the secret.
    """
    host, port = parse_address(address)
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                sock = wrap_client(sock, secret)  # the job's TLS (hama.rpc.tls.*), if on
            except ssl.SSLError as exc:
                raise errors.AuthenticationError(f"TLS handshake with {what} at {address} failed: {exc}") from exc
            try:
                client_handshake(sock, secret)
            except ssl.SSLError as exc:  # TLS 1.3: the server's verdict on our certificate arrives here
                raise errors.AuthenticationError(f"{what} at {address} refused the TLS session: {exc}") from exc
            sock.settimeout(timeout)
        except BaseException:
            sock.close()
            raise
    except errors.HamaError:
        raise
    except OSError as exc:
        raise errors.RPCError(f"cannot connect to {what} at {address}: {exc}") from exc
    return sock


class RPCClient:
    """A connection to one Thrift service on an authenticated server.

    Calls are proxied as methods (``client.get_status()``); failures are raised as
    :class:`~hama_yarn.errors.HamaError` subclasses.  One connection, guarded by a
    lock, so an instance may be shared by threads (calls are serialized).

    Parameters
    ----------
    address : str
        ``host:port`` of the server.
    service : str
        Service name in ``hama.thrift`` (``MasterService``, ``SyncService``, ...).
    secret : str
        The job secret.
    timeout : float, optional
        Socket timeout per call in seconds (None waits forever; callers of
        blocking calls pass their own deadline plus a margin).
    connect_timeout : float
        Timeout of connecting and authenticating, in seconds.
    """

    def __init__(
        self,
        address: str,
        service: str,
        secret: str,
        timeout: float | None = 60.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.address = address
        self.service = service
        self._secret = secret
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._client: Any = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._current_timeout: float | None = timeout

    def _connect(self) -> Any:
        sock = open_connection(self.address, self._secret, self._timeout, self._connect_timeout, self.service)
        self._current_timeout = self._timeout
        from thriftpy2.protocol import TCyBinaryProtocolFactory
        from thriftpy2.protocol.multiplex import TMultiplexedProtocol
        from thriftpy2.thrift import TClient
        from thriftpy2.transport import TCyBufferedTransportFactory, TSocket

        trans = TCyBufferedTransportFactory().get_transport(TSocket(sock=sock))
        proto = TMultiplexedProtocol(TCyBinaryProtocolFactory().get_protocol(trans), self.service)
        self._sock = sock
        self._client = TClient(getattr(idl(), self.service), proto)  # type: ignore[arg-type]
        return self._client

    def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        """Call *method*; *timeout* overrides the socket timeout for this call only."""
        with self._lock:
            client = self._client or self._connect()
            want = self._timeout if timeout is None else timeout
            if want != self._current_timeout and self._sock is not None:
                self._sock.settimeout(want)
                self._current_timeout = want
            try:
                return client._req(method, *args)
            except Exception as exc:
                err = map_error(exc, f"{self.service}.{method} at {self.address}")
                if isinstance(err, errors.RPCError) and not isinstance(exc, idl().RemoteError):
                    self._drop()  # the connection is in an unknown state
                raise err from exc
            except BaseException:
                self._drop()  # interrupted mid-call: the reply would desynchronize the stream
                raise

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def proxy(*args: Any) -> Any:
            return self.call(method, *args)

        return proxy

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._client = None

    def close(self) -> None:
        """Close the connection (a later call reconnects)."""
        with self._lock:
            self._drop()

    def __enter__(self) -> RPCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
