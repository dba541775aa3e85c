"""Names, paths and connections shared by the ``zookeeper`` sync client and server."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

from ..config import HamaConfiguration
from ..errors import ConfigError, SyncError

__all__ = [
    "ARRIVAL", "LOOKAHEAD", "FINISHED", "CONNECT_TIMEOUT_KEY", "zk_hosts", "job_path", "arrival_name",
    "barrier_name", "session_timeout", "connect_timeout", "connect", "check_reachable", "stop",
]

log = logging.getLogger(__name__)

#: Prefix of the PERSISTENT_SEQUENTIAL children of ``sync/<s>``: one per peer inside the barrier.
ARRIVAL = "arrival-"
#: Barrier nodes are pre-created in blocks of this many, two blocks ahead.
LOOKAHEAD = 8
#: ZooKeeper's CreateMode.PERSISTENT_SEQUENTIAL.
_SEQUENTIAL = 2
#: Child of the job znode whose children ``<taskIndex>`` name peers that returned from bsp().
FINISHED = "finished"
#: Longest single wait between re-checks of the state (watches do the real work).
_SLICE = 1.0
#: The key bounding every connection attempt of the client, the master and the peers.
CONNECT_TIMEOUT_KEY = "hama.client.connect.timeout.ms"


def zk_hosts(conf: HamaConfiguration) -> str:
    """The kazoo host string for ``hama.zookeeper.quorum``.

    Parameters
    ----------
    conf : HamaConfiguration
        Configuration with ``hama.zookeeper.quorum`` and
        ``hama.zookeeper.property.clientPort``.

    Returns
    -------
    str
        ``host1:port1,host2:port2`` (a chroot suffix ``/path`` on the last entry is kept).

    Raises
    ------
    ConfigError
        If the quorum is empty.
    """
    quorum = (conf.get("hama.zookeeper.quorum") or "").strip()
    port = conf.get_int("hama.zookeeper.property.clientPort", 21810)
    chroot = ""
    if "/" in quorum:
        quorum, chroot = quorum.split("/", 1)
        chroot = "/" + chroot
    hosts = []
    for entry in quorum.split(","):
        entry = entry.strip()
        if not entry:
            continue
        if entry.startswith("["):  # [ipv6] or [ipv6]:port
            hosts.append(entry if "]:" in entry else f"{entry}:{port}")
        elif ":" in entry:
            hosts.append(entry)
        else:
            hosts.append(f"{entry}:{port}")
    if not hosts:
        raise ConfigError("hama.zookeeper.quorum", "empty ZooKeeper quorum")
    return ",".join(hosts) + chroot


def job_path(conf: HamaConfiguration, job_id: str) -> str:
    """``<bsp.zookeeper.root>/<jobId>``."""
    root = "/" + (conf.get("bsp.zookeeper.root") or "/bsp").strip().strip("/")
    if root == "/":
        return f"/{job_id}"
    return f"{root}/{job_id}"


def arrival_name(index: int) -> str:
    """Name of the barrier child created by the *index*-th arrival (0-based): ``arrival-0000000003``."""
    return f"{ARRIVAL}{index:010d}"


def barrier_name(superstep: int) -> str:
    """Znode name of the barrier of *superstep* (``"-1"`` for the initial barrier)."""
    return str(superstep)


def session_timeout(conf: HamaConfiguration) -> float:
    """``hama.zookeeper.session.timeout`` in seconds (at least 1)."""
    return max(1.0, conf.get_int("hama.zookeeper.session.timeout", 30000) / 1000.0)


def connect_timeout(conf: HamaConfiguration) -> float:
    """``hama.client.connect.timeout.ms`` in seconds (at least 0.1)."""
    return max(0.1, conf.get_int(CONNECT_TIMEOUT_KEY, 20000) / 1000.0)


def _unreachable(hosts: str, timeout: float, detail: str) -> str:
    return (f"cannot connect to ZooKeeper at {hosts} within {timeout:g}s ({detail}): point hama.zookeeper.quorum "
            f"at a running ensemble, or raise {CONNECT_TIMEOUT_KEY} to wait longer")


class _StartingLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """kazoo's logger: while the first connection is being made, its retry warnings
    ("Connection dropped: ... refused", one every back-off step) go to DEBUG; the
    caller reports the outcome once."""

    starting = True

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if self.starting and level < logging.ERROR:
            level = logging.DEBUG
        super().log(level, msg, *args, **kwargs)


def connect(conf: HamaConfiguration, what: str, secret: str = "") -> Any:
    """Start a kazoo client for *conf*; with the job's *secret*, in the job's ACL identity.

    With *secret*, every znode the client creates gets the job's ACL and the session
    authenticates as the job (``hama.zookeeper.acl``, :mod:`hama_yarn.sync.zkacl`).
    Waits at most ``hama.client.connect.timeout.ms`` for the first connection,
    in slices, so Ctrl-C ends the wait at once.

    Raises
    ------
    SyncError
        If ZooKeeper cannot be reached in that time (naming the quorum and the keys).
    """
    hosts = zk_hosts(conf)
    session = session_timeout(conf)
    limit = connect_timeout(conf)
    logger = _StartingLog(logging.getLogger("kazoo.client"), {})
    acl: dict[str, Any] = {}
    if secret:
        from .zkacl import auth_data, job_acl

        acl = {"default_acl": job_acl(conf, secret), "auth_data": auth_data(conf, secret)}
        from .zkacl import acl_mode

        if acl_mode(conf) == "sasl":  # Kerberos login where a ticket is at hand (hama_yarn.sync.zksasl)
            from .zksasl import sasl_options

            try:
                options = sasl_options(conf, hosts, what)
            except SyncError as exc:  # pure-sasl/kerberos missing here (e.g. a container): the ACL grants the digest
                log.warning("%s: %s; the session authenticates with the job's digest identity only", what, exc)
                options = None
            if options is not None:
                acl["sasl_options"] = options
    zk = KazooClient(
        hosts=hosts,
        timeout=session,
        connection_retry=KazooRetry(max_tries=-1, delay=0.1, backoff=2, max_delay=2.0),
        command_retry=KazooRetry(max_tries=-1, delay=0.02, backoff=2, max_delay=1.0, deadline=session,
                                 ignore_expire=False),
        logger=logger,
        **acl,
    )
    started = zk.start_async()
    deadline = time.monotonic() + limit
    try:
        while not zk.connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            started.wait(min(remaining, 0.2))
    except BaseException:  # Ctrl-C: do not leave kazoo's thread retrying
        _give_up(zk)
        raise
    if not zk.connected:
        _give_up(zk)
        raise SyncError(f"{what}: {_unreachable(hosts, limit, 'no answer')}")
    logger.starting = False
    return zk


def _give_up(zk: Any) -> None:
    """Stop a kazoo client that never connected, without waiting for it.

    kazoo's ``stop()`` joins its connection thread, which may sit in a handshake
    read for up to the session timeout (a server that accepts and never
    answers); the caller must not wait that long again.
    """
    def run() -> None:
        try:
            stop(zk)
        except Exception:  # noqa: BLE001 - nothing was connected
            logging.getLogger(__name__).debug("stopping an unconnected kazoo client failed", exc_info=True)

    threading.Thread(target=run, name="kazoo-give-up", daemon=True).start()


def check_reachable(conf: HamaConfiguration) -> None:
    """Check that a server of ``hama.zookeeper.quorum`` opens a ZooKeeper session.

    The servers are tried in turn within ``hama.client.connect.timeout.ms`` in
    all: when every server refuses the connection it fails at once; an address
    where nothing answers fails at that timeout; a server that accepts and closes
    the connection (ZooKeeper starting up) is tried again until then.  The
    session is closed at once.  Ctrl-C interrupts the wait.

    Raises
    ------
    ConfigError
        Naming ``hama.zookeeper.quorum``, the address and the timeout key, when no
        server answers.
    """
    from .zkwire import WireLost, ZkWire

    hosts = zk_hosts(conf)
    limit = connect_timeout(conf)
    deadline = time.monotonic() + limit
    wire = ZkWire(hosts, session_timeout(conf), "hama client")
    delay = 0.05
    try:
        while True:
            try:
                wire.connect(deadline, attempt_timeout=limit)
                return
            except WireLost:
                remaining = deadline - time.monotonic()
                if not wire.starting or remaining <= 0:
                    raise ConfigError("hama.zookeeper.quorum",
                                      _unreachable(hosts, limit, "; ".join(wire.errors))) from None
            time.sleep(min(delay, remaining))  # a server that accepted and closed is starting up
            delay = min(delay * 2, 1.0)
    finally:
        wire.close()


def stop(zk: Any) -> None:
    """Stop and close a kazoo client."""
    try:
        zk.stop()
    finally:
        zk.close()
