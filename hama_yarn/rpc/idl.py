"""Load ``thrift/hama.thrift`` once per process.

thriftpy2 parses the IDL with ply, whose LALR tables for thriftpy2's grammar are rebuilt in
every process (thriftpy2 ships none that ply accepts): ~15-100 ms of a short job's start-up.
The tables are kept in ``$XDG_CACHE_HOME/hama-yarn/thrift/`` (default ``~/.cache``), a
pickle keyed by the thriftpy2 and ply versions that ply itself checks against the grammar's
signature (a stale file is rebuilt); written atomically.  Without a writable cache directory,
or when reading it fails, the IDL is parsed as before.  Only the parser's tables are cached:
the generated module is built from ``hama.thrift`` in every process.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from ..resources import data_path

__all__ = ["idl", "counters_to_thrift", "counters_from_thrift"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
_module: ModuleType | None = None
_MODULE_NAME = "hama_rpc_thrift"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hama-yarn" / "thrift"


def _cached_parser() -> Any:
    """thriftpy2's ply parser, its tables read from (or written to) the cache; None on any failure."""
    import thriftpy2
    from ply import yacc  # type: ignore[import-untyped]
    from thriftpy2.parser import parser as grammar

    quiet = yacc.NullLogger()
    try:
        cache = _cache_dir()
        table = cache / f"parser-{thriftpy2.__version__}-ply{yacc.__version__}.pickle"
        if table.is_file():
            try:
                return yacc.yacc(module=grammar, debug=False, write_tables=False, picklefile=str(table),
                                 errorlog=quiet)
            except Exception as exc:  # noqa: BLE001 - a damaged file: build the tables again
                log.debug("unreadable Thrift parser tables %s (%s): rebuilding them", table, exc)
                table.unlink(missing_ok=True)
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = table.with_name(f"{table.name}.{os.getpid()}.tmp")
        try:
            # ply finds no table in tmp, builds the tables and pickles them there.
            parser = yacc.yacc(module=grammar, debug=False, write_tables=False, picklefile=str(tmp),
                               errorlog=quiet)
            if tmp.is_file():
                os.replace(tmp, table)
        finally:
            tmp.unlink(missing_ok=True)
        return parser
    except Exception as exc:  # noqa: BLE001 - the cache is an optimisation: parse as before
        log.debug("no cached Thrift parser tables (%s): parsing the IDL without them", exc)
        return None


def _load(path: str) -> ModuleType:
    import thriftpy2
    from thriftpy2.parser import parser as grammar

    parser = _cached_parser()
    if parser is not None:
        try:
            # Parsed into thriftpy2's module cache under this name; load() below takes it from
            # there and registers it (sys.modules) as it does a module it parsed itself.
            grammar.parse(path, module_name=_MODULE_NAME, parser=parser)
        except Exception as exc:  # noqa: BLE001 - e.g. a table file ply accepted but that does not fit
            log.debug("parsing %s with the cached tables failed (%s): parsing without them", path, exc)
            grammar._thrift_cache.pop(_MODULE_NAME, None)
            sys.modules.pop(_MODULE_NAME, None)
    module: ModuleType = thriftpy2.load(path, module_name=_MODULE_NAME)
    return module


def idl() -> Any:
    """The thriftpy2 module of ``hama.thrift`` (services, structs, ``RemoteError``)."""
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                _module = _load(str(data_path("thrift") / "hama.thrift"))
    return _module


def counters_to_thrift(counters: dict[tuple[str, str], int]) -> list[Any]:
    """Convert ``{(group, name): value}`` to a list of Thrift ``Counter`` structs."""
    Counter = idl().Counter
    return [Counter(group=g, name=n, value=int(v)) for (g, n), v in counters.items()]


def counters_from_thrift(items: list[Any] | None) -> dict[tuple[str, str], int]:
    """Inverse of :func:`counters_to_thrift`."""
    return {(c.group, c.name): int(c.value) for c in items or ()}
