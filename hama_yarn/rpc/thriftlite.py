"""Import thriftpy2 without loading its IDL parser until something parses an IDL.

``import thriftpy2.<anything>`` runs the package's ``__init__``, which imports its
``.thrift`` parser and import hook: ply, ``urllib.request``, ``http.client`` and the
``email`` package, 11-13 ms of every client, master and peer start (a fifth of a short
job's own time).  hama_yarn never parses at run time: its services come from the
generated :mod:`hama_yarn.rpc.hama_thrift`.  :func:`install` puts stand-ins for
``thriftpy2.parser`` and ``thriftpy2.hook`` into ``sys.modules`` before thriftpy2 is
first imported; the package's own ``from .parser import load, ...`` then binds
forwarding functions, and the first use of anything of either module (``thriftpy2.load``
by happybase, :mod:`hama_yarn.rpc.idlgen`, an attribute, a submodule import) imports the
real modules and puts them in place.  Nothing changes for code that uses them.

The stand-ins follow thriftpy2's layout as pinned in ``pyproject.toml``; a thriftpy2
that no longer has these modules just imports as usual (see ``tests/core/test_thriftlite.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

__all__ = ["install", "is_deferred"]

#: the stand-in modules and the names thriftpy2's ``__init__`` imports from them
_DEFERRED = {
    "thriftpy2.parser": ("load", "load_module", "load_fp"),
    "thriftpy2.hook": ("install_import_hook", "remove_import_hook"),
}
_lock = threading.RLock()


def install() -> None:
    """Import thriftpy2 with its parser and import hook deferred (no effect once it was imported)."""
    if "thriftpy2" in sys.modules:
        return
    with _lock:
        if "thriftpy2" in sys.modules or any(name in sys.modules for name in _DEFERRED):
            return
        spec = importlib.util.find_spec("thriftpy2")
        if spec is None or not spec.submodule_search_locations:
            return  # not installed: the import that needs it fails as usual
        base = list(spec.submodule_search_locations)
        for name, functions in _DEFERRED.items():
            stub = _Deferred(name)
            leaf = name.rpartition(".")[2]
            if leaf == "parser":  # a package: its submodules stay importable through the stand-in
                stub.__path__ = [f"{d}/parser" for d in base]
            for fn in functions:
                setattr(stub, fn, _forward(name, fn))
            sys.modules[name] = stub
        try:
            package = importlib.import_module("thriftpy2")  # cheap now: binds the forwarding functions
        except BaseException:
            for name in _DEFERRED:
                sys.modules.pop(name, None)
            raise
        for name in _DEFERRED:
            setattr(package, name.rpartition(".")[2], sys.modules[name])  # as a real import would


def is_deferred(name: str = "thriftpy2.parser") -> bool:
    """Whether *name* is still a stand-in (the real module not imported yet)."""
    return isinstance(sys.modules.get(name), _Deferred)


class _Deferred(types.ModuleType):
    """A stand-in for a thriftpy2 module: any other attribute loads the real one."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # dunder probes (copy, pickle, inspect) must not load it
        return getattr(_load(self.__name__), attr)


def _forward(name: str, fn: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_load(name), fn)(*args, **kwargs)

    call.__name__ = call.__qualname__ = fn
    call.__doc__ = f"``{name}.{fn}``, imported on first use (see :mod:`hama_yarn.rpc.thriftlite`)."
    return call


def _load(name: str) -> types.ModuleType:
    """The real module *name*, importing both real modules the first time (the hook imports the parser)."""
    with _lock:
        current = sys.modules.get(name)
        if current is not None and not isinstance(current, _Deferred):
            return current
        package = sys.modules.get("thriftpy2")
        for deferred in _DEFERRED:
            if isinstance(sys.modules.get(deferred), _Deferred):
                del sys.modules[deferred]
        for deferred in _DEFERRED:  # the parser first: the hook imports it
            real = importlib.import_module(deferred)
            if package is not None:
                setattr(package, deferred.rpartition(".")[2], real)
        return sys.modules[name]
