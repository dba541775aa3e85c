"""Connections to the HBase Thrift1 server (happybase), with timeouts on every call.

Every connection has a connect timeout (``hama.client.connect.timeout.ms``) and a
per-call socket timeout (``hbase.rpc.timeout``); nothing waits forever.  Errors are
translated into one :class:`HBaseError` naming the Thrift address and the key to change.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ...errors import HamaError, InputError

log = logging.getLogger(__name__)

__all__ = [
    "HBaseError",
    "HBaseConnectError",
    "TableNotFound",
    "TableExists",
    "require_happybase",
    "connect",
    "thrift_module",
    "is_transient",
    "server_message",
    "table_families",
    "HAPPYBASE_HINT",
    "retrying",
]

T = TypeVar("T")

HAPPYBASE_HINT = "HBase input needs happybase: pip install 'hama-yarn[hbase]'"


class HBaseError(HamaError):
    """An HBase operation failed (the message names the table and the Thrift address).  CLI exit 1."""


class HBaseConnectError(HBaseError, InputError, ConnectionError):
    """The Thrift server did not answer within the timeout (a wrong address: CLI exit 2)."""


class TableNotFound(HBaseError, InputError):
    """The named table (or column family) does not exist (CLI exit 2)."""


class TableExists(HBaseError, InputError):
    """``create`` of a table that exists (CLI exit 2)."""


def require_happybase() -> Any:
    """Import happybase or fail with :data:`HAPPYBASE_HINT`."""
    from ...optional import require

    return require("happybase", "hbase", "HBase input")  # raises with HAPPYBASE_HINT's words


def thrift_module() -> Any:
    """The Thrift1 ``Hbase`` IDL module happybase loaded (``TScan``, ``Mutation``, ...)."""
    require_happybase()
    import Hbase_thrift  # type: ignore[import-not-found]  # loaded by happybase via thriftpy2

    return Hbase_thrift


def connect(host: str, port: int, connect_timeout_ms: int, rpc_timeout_ms: int) -> Any:
    """An open ``happybase.Connection`` to ``host:port``.

    Parameters
    ----------
    host, port : str, int
        The Thrift1 server.
    connect_timeout_ms : int
        Longest wait for the TCP connection (``hama.client.connect.timeout.ms``).
    rpc_timeout_ms : int
        Socket timeout of every call (``hbase.rpc.timeout``).

    Raises
    ------
    HBaseConnectError
        Nothing answered at ``host:port`` within the timeout.
    """
    happybase = require_happybase()
    from thriftpy2.thrift import TClient
    from thriftpy2.transport import TSocket

    conn = happybase.Connection(host=host, port=port, autoconnect=False, timeout=rpc_timeout_ms)
    # happybase sets one socket timeout; give the connect its own, shorter bound.
    sock = TSocket(host=host, port=port, socket_timeout=rpc_timeout_ms,  # type: ignore[no-untyped-call]
                   connect_timeout=connect_timeout_ms)
    conn.transport = conn._transport_class(sock)
    protocol = conn._protocol_class(conn.transport, decode_response=False)
    conn.client = TClient(thrift_module().Hbase, protocol)
    started = time.monotonic()
    try:
        conn.open()
    except Exception as exc:  # noqa: BLE001 - thriftpy2 raises TTransportException or OSError
        waited = (time.monotonic() - started) * 1000
        raise HBaseConnectError(
            f"cannot connect to the HBase Thrift server at {host}:{port} after {waited:.0f} ms: {exc} "
            f"(is the Thrift1 server running? set hbase.thrift.address; the wait is "
            f"hama.client.connect.timeout.ms={connect_timeout_ms})"
        ) from exc
    return conn


def server_message(exc: BaseException) -> str:
    """The server's message of a Thrift ``IOError``/``IllegalArgument``, else ``str(exc)``."""
    msg = getattr(exc, "message", None)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    if msg:
        return str(msg)
    try:
        return str(exc) or type(exc).__name__
    except Exception:  # noqa: BLE001 - thriftpy2's TApplicationException.__str__ can fail
        return f"{type(exc).__name__} (type {getattr(exc, 'type', '?')})"


def is_transient(exc: BaseException) -> bool:
    """True for errors a reconnect can cure: transport loss, timeouts, expired scanners."""
    from thriftpy2.thrift import TApplicationException
    from thriftpy2.transport import TTransportException

    if isinstance(exc, TApplicationException):
        return True  # an internal error of the Thrift server (e.g. during a region split): the scan resumes
    if isinstance(exc, (TTransportException, socket.timeout, ConnectionError, BrokenPipeError, EOFError)):
        return True
    if isinstance(exc, OSError):
        return True
    hb = thrift_module()
    if isinstance(exc, (hb.IOError, hb.IllegalArgument)):
        text = server_message(exc)
        return any(s in text for s in ("UnknownScannerException", "scanner ID is invalid", "ScannerTimeout",
                                       "NotServingRegion", "RegionMovedException", "OutOfOrderScannerNext",
                                       "Connection refused", "ServerNotRunning"))
    return False


def retrying(what: str, address: str, retries: int, pause_ms: int, reconnect: Callable[[], None],
             call: Callable[[], T]) -> T:
    """``call()``; on a transient error ``reconnect()`` and retry up to *retries* times.

    Pauses double from *pause_ms* up to 10 s.  The last error is raised as
    :class:`HBaseError` naming *what*, the address and ``hbase.client.retries.number``.
    """
    pause = pause_ms / 1000
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - classified below
            if not is_transient(exc) or attempt >= retries:
                if isinstance(exc, HBaseError):
                    raise
                hint = (f" after {attempt} retries (hbase.client.retries.number)" if attempt else "")
                raise HBaseError(f"{what} on the HBase Thrift server {address} failed{hint}: "
                                 f"{type(exc).__name__}: {server_message(exc)}") from exc
            attempt += 1
            log.warning("%s on %s: %s: %s; retry %d/%d in %.1f s", what, address, type(exc).__name__,
                        server_message(exc), attempt, retries, pause)
            time.sleep(pause)
            pause = min(pause * 2 or 0.1, 10.0)
            try:
                reconnect()
            except HBaseError as again:
                log.warning("reconnect failed: %s", again)


def table_families(conn: Any, table: str, address: str) -> dict[bytes, Any]:
    """``{family: ColumnDescriptor}`` of *table*.

    Raises
    ------
    TableNotFound
        No table of that name (message names the table and the address).
    """
    hb = thrift_module()
    name = table.encode()
    try:
        tables = set(conn.client.getTableNames())
        if name not in tables:
            raise TableNotFound(f"HBase table {table!r} does not exist (Thrift server {address})")
        descriptors = conn.client.getColumnDescriptors(name)
    except hb.IOError as exc:
        raise TableNotFound(f"HBase table {table!r} cannot be described on {address}: {server_message(exc)}") from exc
    except HBaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - transport errors and timeouts
        raise HBaseConnectError(
            f"the HBase Thrift server at {address} did not answer about table {table!r}: "
            f"{type(exc).__name__}: {server_message(exc)} (the wait per call is hbase.rpc.timeout)") from exc
    return {bytes(k).rstrip(b":"): v for k, v in descriptors.items()}
