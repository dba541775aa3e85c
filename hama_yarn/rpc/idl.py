"""The Thrift IDL ``thrift/hama.thrift`` for thriftpy2, loaded once per process.

The classes come from :mod:`hama_yarn.rpc.hama_thrift`, generated from the IDL by
:mod:`hama_yarn.rpc.idlgen` (``python -m hama_yarn.rpc.idlgen``; a test checks the committed
file against the IDL): parsing the IDL with thriftpy2's ply grammar cost every process
10-15 ms of CPU at start-up.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["idl", "counters_to_thrift", "counters_from_thrift"]

_module: ModuleType | None = None


def idl() -> Any:
    """The thriftpy2 classes of ``hama.thrift`` (services, structs, ``RemoteError``)."""
    global _module
    if _module is None:
        from . import hama_thrift

        _module = hama_thrift
    return _module


def counters_to_thrift(counters: dict[tuple[str, str], int]) -> list[Any]:
    """Convert ``{(group, name): value}`` to a list of Thrift ``Counter`` structs."""
    Counter = idl().Counter
    return [Counter(group=g, name=n, value=int(v)) for (g, n), v in counters.items()]


def counters_from_thrift(items: list[Any] | None) -> dict[tuple[str, str], int]:
    """Inverse of :func:`counters_to_thrift`."""
    return {(c.group, c.name): int(c.value) for c in items or ()}
