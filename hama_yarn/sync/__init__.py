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
