"""Sync service plug-ins; see :mod:`hama_yarn.sync.base` for the interface."""

from __future__ import annotations

from ..config import HamaConfiguration
from ..errors import ConfigError
from ..optional import require
from ..plugins import load_object
from .base import INITIAL_BARRIER, SyncClient, SyncContext, SyncServer

__all__ = [
    "INITIAL_BARRIER",
    "SyncClient",
    "SyncContext",
    "SyncServer",
    "client_class",
    "server_class",
    "BACKENDS",
    "settle_conf",
]

#: Backend alias -> (client class path, server class path).
BACKENDS: dict[str, tuple[str, str]] = {
    "rpc": ("hama_yarn.sync.rpc:RPCSyncClient", "hama_yarn.sync.rpc:RPCSyncServer"),
    "zookeeper": ("hama_yarn.sync.zookeeper:ZooKeeperSyncClient", "hama_yarn.sync.zookeeper:ZooKeeperSyncServer"),
}
#: Hama's Java class names select the matching backend.
_JAVA = {
    "org.apache.hama.bsp.sync.ZooKeeperSyncClientImpl": "zookeeper",
    "org.apache.hama.bsp.sync.ZooKeeperSyncServerImpl": "zookeeper",
    "org.apache.hama.bsp.sync.ZKSyncBSPMasterClient": "zookeeper",
    "zk": "zookeeper",
}


def _resolve(key: str, conf: HamaConfiguration, side: int) -> type:
    name = (conf.get(key) or "rpc").strip()
    alias = _JAVA.get(name, name)
    path = BACKENDS[alias][side] if alias in BACKENDS else name
    if alias == "zookeeper":
        require("kazoo", "zookeeper", "ZooKeeper sync")
    if ":" not in path:
        raise ConfigError(key, f"unknown sync service {name!r}; choose one of {sorted(BACKENDS)} or package.module:Class")
    cls = load_object(path, key)
    base = SyncClient if side == 0 else SyncServer
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(key, f"{path} is not a {base.__name__} subclass")
    return cls


def client_class(conf: HamaConfiguration) -> type[SyncClient]:
    """The SyncClient class selected by ``hama.sync.client.class``."""
    return _resolve("hama.sync.client.class", conf, 0)


def server_class(conf: HamaConfiguration) -> type[SyncServer]:
    """The SyncServer class selected by ``hama.sync.server.class``."""
    return _resolve("hama.sync.server.class", conf, 1)


def settle_conf(conf: HamaConfiguration) -> None:
    """Client side, at submit: fix the sync settings every process of the job must agree on.

    With the ``zookeeper`` service, ``hama.zookeeper.acl=auto`` becomes ``sasl`` or
    ``digest`` here (:func:`hama_yarn.sync.zksettle.settle`: only the submitting client may
    hold a Kerberos ticket).  Nothing to do for the other services (nothing imported).
    """
    for key in ("hama.sync.server.class", "hama.sync.client.class"):
        name = (conf.get(key) or "rpc").strip()
        if _JAVA.get(name, name) == "zookeeper":
            from .zksettle import settle

            settle(conf)
            return
