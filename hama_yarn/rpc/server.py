"""A threaded, authenticated Thrift server hosting several services on one port."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from typing import Any

from thriftpy2.protocol import TCyBinaryProtocolFactory
from thriftpy2.thrift import TMultiplexedProcessor, TProcessor
from thriftpy2.transport import TCyBufferedTransportFactory, TSocket, TTransportException

from ..errors import AuthenticationError, HamaError
from .auth import server_handshake
from .idl import idl
from .tls import wrap_server

log = logging.getLogger(__name__)

__all__ = ["RPCServer", "ConnectionServer", "accept_connection", "listen"]

_HANDSHAKE_TIMEOUT = 10.0


def listen(host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound to *host*:*port* (0: a free port) and listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(256)
    except BaseException:
        sock.close()
        raise
    return sock


def accept_connection(conn: socket.socket, secret: str) -> socket.socket:
    """Authenticate an accepted connection *conn*; returns the socket to serve (blocking).

    Every server connection goes through here (:class:`RPCServer` and the lean barrier
    channel, :mod:`hama_yarn.sync.channel`), so transport options apply to both.

    Raises
    ------
    AuthenticationError
        If the client does not prove the secret; OSError if the connection fails.
    """
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.settimeout(_HANDSHAKE_TIMEOUT)
    try:
        conn = wrap_server(conn, secret)  # the job's TLS (hama.rpc.tls.*), if on
    except ssl.SSLError as exc:
        raise AuthenticationError(f"TLS handshake failed: {exc}") from exc
    server_handshake(conn, secret)
    conn.settimeout(None)
    return conn


class _Guard:
    """Wraps a handler so every exception crosses the wire as ``RemoteError``.

    A :class:`HamaError` keeps its class name as ``kind`` so the client re-raises the
    same type; anything else is logged here with its traceback and sent as
    ``InternalError``.
    """

    def __init__(self, service: str, handler: object) -> None:
        self._service = service
        self._handler = handler

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._handler, name)
        remote_error = idl().RemoteError

        def call(*args: Any) -> Any:
            try:
                return fn(*args)
            except HamaError as exc:
                raise remote_error(kind=type(exc).__name__, message=str(exc)) from exc
            except Exception as exc:
                log.exception("%s.%s failed", self._service, name)
                raise remote_error(kind="InternalError", message=f"{type(exc).__name__}: {exc}") from exc

        setattr(self, name, call)  # cache: __getattr__ runs once per method
        return call


class ConnectionServer:
    """Accepts connections on a listening socket, one daemon thread each, after the job's
    authentication (:func:`accept_connection`: HMAC handshake, TLS when enabled); subclasses
    serve an accepted connection in :meth:`handle`.  :meth:`stop` closes the listener and
    shuts every open connection down.

    Parameters
    ----------
    secret : str
        The secret every connection must prove.
    name : str
        Name for threads and logs.
    """

    def __init__(self, secret: str, name: str) -> None:
        self.name = name
        self._secret = secret
        self._sock: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def _start_accepting(self, sock: socket.socket) -> None:
        self._sock = sock
        self._thread = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stopped.is_set():
            try:
                conn, addr = self._sock.accept()
            except OSError:
                break
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, addr), name=f"{self.name}-conn", daemon=True).start()

    def _serve(self, conn: socket.socket, addr: Any) -> None:
        try:
            try:
                raw, conn = conn, accept_connection(conn, self._secret)
            except (AuthenticationError, OSError) as exc:
                log.warning("%s: refused connection from %s: %s", self.name, addr, exc)
                return
            if conn is not raw:  # wrapped in TLS: stop() must shut the wrapper down
                with self._lock:
                    self._conns.discard(raw)
                    self._conns.add(conn)
            self.handle(conn, addr)
        except OSError as exc:
            if not self._stopped.is_set():
                log.debug("%s: connection from %s ended: %s", self.name, addr, exc)
        except Exception:  # noqa: BLE001 - one bad connection must not take the server down
            if not self._stopped.is_set():
                log.exception("%s: connection from %s failed", self.name, addr)
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def handle(self, conn: socket.socket, addr: Any) -> None:
        """Serve one authenticated connection until it ends (it is closed afterwards)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop accepting and close every open connection."""
        self._stopped.set()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RPCServer(ConnectionServer):
    """Serve Thrift *services* (``{name: handler}``) on ``host:port`` for holders of *secret*.

    Parameters
    ----------
    host : str
        Address to bind (``0.0.0.0`` for all interfaces).
    port : int
        Port, 0 for a free one; the bound port is :attr:`port` after :meth:`start`.
    secret : str
        The job secret every connection must prove (see :mod:`hama_yarn.rpc.auth`).
    services : dict
        Service name in ``hama.thrift`` -> handler object with its methods.
    name : str
        Name for threads and logs.
    sock : socket.socket, optional
        A socket already bound and listening (see :func:`listen`): served instead of
        binding *host*:*port*, so its address can be handed out before the server
        is built (clients that connect early wait in the accept backlog).
    """

    def __init__(self, host: str, port: int, secret: str, services: dict[str, object], name: str = "rpc",
                 sock: socket.socket | None = None) -> None:
        super().__init__(secret, name)
        self.host = host
        self.port = sock.getsockname()[1] if sock is not None else port
        self._listener = sock
        self._processor = TMultiplexedProcessor()
        module = idl()
        for service, handler in services.items():
            self._processor.register_processor(service, TProcessor(getattr(module, service), _Guard(service, handler)))
        self._tfactory = TCyBufferedTransportFactory()
        self._pfactory = TCyBinaryProtocolFactory()

    def start(self) -> RPCServer:
        """Bind (unless given a listening socket) and start accepting in a daemon thread; returns self."""
        sock = self._listener if self._listener is not None else listen(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._start_accepting(sock)
        log.debug("%s listening on %s:%d", self.name, self.host, self.port)
        return self

    def handle(self, conn: socket.socket, addr: Any) -> None:
        trans = self._tfactory.get_transport(TSocket(sock=conn))
        prot = self._pfactory.get_protocol(trans)
        try:
            while not self._stopped.is_set():
                self._processor.process(prot, prot)
        except TTransportException:
            pass  # the client closed the connection
