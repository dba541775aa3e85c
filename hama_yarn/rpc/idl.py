"""Load ``thrift/hama.thrift`` once per process."""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from ..resources import data_path

__all__ = ["idl", "counters_to_thrift", "counters_from_thrift"]

_lock = threading.Lock()
_module: ModuleType | None = None


def idl() -> Any:
    """The thriftpy2 module of ``hama.thrift`` (services, structs, ``RemoteError``)."""
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                import thriftpy2

                path = data_path("thrift") / "hama.thrift"
                _module = thriftpy2.load(str(path), module_name="hama_rpc_thrift")
    return _module


def counters_to_thrift(counters: dict[tuple[str, str], int]) -> list[Any]:
    """Convert ``{(group, name): value}`` to a list of Thrift ``Counter`` structs."""
    Counter = idl().Counter
    return [Counter(group=g, name=n, value=int(v)) for (g, n), v in counters.items()]


def counters_from_thrift(items: list[Any] | None) -> dict[tuple[str, str], int]:
    """Inverse of :func:`counters_to_thrift`."""
    return {(c.group, c.name): int(c.value) for c in items or ()}
