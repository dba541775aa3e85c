"""Names, paths and connections shared by the ``zookeeper`` sync client and server."""

from __future__ import annotations

import logging
from typing import Any

from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

from ..config import HamaConfiguration
from ..errors import ConfigError, SyncError

__all__ = [
    "ARRIVAL", "LOOKAHEAD", "FINISHED", "zk_hosts", "job_path", "arrival_name", "barrier_name",
    "session_timeout", "connect", "stop",
]

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
#: Time allowed to connect to ZooKeeper at start-up (capped by the session timeout).
_CONNECT_TIMEOUT = 30.0


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


def connect(conf: HamaConfiguration, what: str) -> Any:
    """Start a kazoo client for *conf*; raise SyncError if ZooKeeper cannot be reached."""
    hosts = zk_hosts(conf)
    session = session_timeout(conf)
    zk = KazooClient(
        hosts=hosts,
        timeout=session,
        connection_retry=KazooRetry(max_tries=-1, delay=0.1, backoff=2, max_delay=2.0),
        command_retry=KazooRetry(max_tries=-1, delay=0.02, backoff=2, max_delay=1.0, deadline=session,
                                 ignore_expire=False),
        logger=logging.getLogger("kazoo.client"),
    )
    connect = min(_CONNECT_TIMEOUT, max(session, 5.0))
    try:
        zk.start(timeout=connect)
    except Exception as exc:  # kazoo raises its handler's timeout exception
        raise SyncError(f"{what}: cannot connect to ZooKeeper at {hosts} within {connect:g}s: {exc}") from exc
    return zk


def stop(zk: Any) -> None:
    """Stop and close a kazoo client."""
    try:
        zk.stop()
    finally:
        zk.close()
