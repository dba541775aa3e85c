"""Load user classes and plug-ins from ``package.module:Class`` or ``script.py:Class``."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import ConfigError, UsageError

log = logging.getLogger(__name__)

#: Module names of scripts imported by path (see class_path).
_SCRIPTS: set[str] = set()

__all__ = ["load_object", "load_script", "find_subclasses", "class_path", "CLASS_KEYS"]

#: Keys naming user classes that peers (and the master) load.
CLASS_KEYS = ("bsp.work.class", "bsp.combiner.class", "bsp.input.partitioner.class", "hama.graph.vertex.class",
              "hama.graph.combiner.class", "hama.graph.aggregator.class", "hama.graph.vertex.output.writer.class")


def _module_name_for(path: Path) -> str:
    # A stable name derived from the file, identical in every process of a job, so
    # pickled instances of classes defined in the script resolve on every peer.
    stem = re.sub(r"\W", "_", path.stem)
    return stem if stem.isidentifier() and not stem[0].isdigit() else f"_hama_{stem}"


def load_script(path: str | os.PathLike[str]) -> ModuleType:
    """Import a user script by file path (once per process).

    The script's directory is put on ``sys.path`` so sibling modules import.

    Raises
    ------
    UsageError
        If the file does not exist or fails to import (the cause is chained).
    """
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise UsageError(f"script not found: {path}")
    name = _module_name_for(p)
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) == str(p):
        return existing
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    if str(p.parent) not in sys.path:
        sys.path.insert(0, str(p.parent))
    sys.modules[name] = module
    _SCRIPTS.add(name)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise UsageError(f"cannot import {path}: {type(exc).__name__}: {exc}") from exc
    return module


def find_subclasses(module: ModuleType, base: type) -> list[type]:
    """Classes in *module* (defined there) that subclass *base*, in definition order."""
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, base) and obj is not base and obj.__module__ == module.__name__
    ]


def load_object(path: str, key: str = "") -> Any:
    """Resolve ``package.module:Name`` or ``/path/to/script.py:Name``.

    Parameters
    ----------
    path : str
        What to load.
    key : str
        The configuration key it came from, for error messages.

    Raises
    ------
    ConfigError
        When *key* is given and the object cannot be loaded.
    UsageError
        Otherwise.
    """
    target, sep, attr = path.rpartition(":")
    if not sep or not attr or not target:
        _fail(key, f"{path!r} must look like package.module:Name or script.py:Name")
    try:
        if target.endswith(".py") or os.sep in target:
            module = load_script(target)
        else:
            module = importlib.import_module(target)
    except UsageError as exc:
        _fail(key, str(exc), exc)
    except ImportError as exc:
        _fail(key, f"cannot import module {target!r}: {exc}", exc)
    obj = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            _fail(key, f"{target} has no {attr!r}", exc)
    return obj


def _fail(key: str, message: str, cause: BaseException | None = None) -> Any:
    err: Exception = ConfigError(key, message) if key else UsageError(message)
    raise err from cause


def class_path(cls: type) -> str:
    """The ``module:Qualname`` (or ``/path/script.py:Qualname``) that loads *cls* again.

    Classes of a script run as ``__main__`` or loaded with :func:`load_script` are
    named by file path, since other processes cannot import them by module name.
    """
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if file and (cls.__module__ == "__main__" or cls.__module__ in _SCRIPTS):
        return f"{Path(file).resolve()}:{cls.__qualname__}"
    return f"{cls.__module__}:{cls.__qualname__}"
