"""Thrift RPC: IDL loading, the authenticated threaded server and clients.

All services are declared in ``thrift/hama.thrift``; their thriftpy2 classes are generated
from it into :mod:`hama_yarn.rpc.hama_thrift` (``python -m hama_yarn.rpc.idlgen``), and
thriftpy2 is imported without its IDL parser (:mod:`hama_yarn.rpc.thriftlite`).  Every connection starts with a
challenge/response on the job's secret (:mod:`hama_yarn.rpc.auth`), and every remote
failure crosses the wire as ``RemoteError`` and is re-raised on the caller's side as
the matching :class:`~hama_yarn.errors.HamaError` subclass
(:func:`hama_yarn.rpc.client.map_error` is the single choke point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import thriftlite

thriftlite.install()  # before any thriftpy2 import: its IDL parser only when something parses

if TYPE_CHECKING:
    from .client import RPCClient, map_error
    from .idl import idl
    from .server import RPCServer

__all__ = ["RPCClient", "RPCServer", "idl", "map_error"]

_LAZY = {"RPCClient": "client", "map_error": "client", "idl": "idl", "RPCServer": "server"}


def __getattr__(name: str) -> Any:
    # Lazy: importing hama_yarn.rpc.auth (the client's submit path) must not load thriftpy2.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
