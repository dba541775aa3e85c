"""Locate the files hama-yarn ships beside the package (conf/, examples/, thrift/, ...).

In a source checkout (or an editable install) they sit next to ``hama_yarn/``; in a
wheel they are copied to ``hama_yarn/_data/``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_path", "PACKAGE_ROOT"]

PACKAGE_ROOT = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the directory *name* (``conf``, ``examples``, ``thrift``, ``container``, ...).

    Raises
    ------
    FileNotFoundError
        If neither the wheel copy nor the checkout copy exists.
    """
    for candidate in (PACKAGE_ROOT / "_data" / name, PACKAGE_ROOT.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"hama-yarn data directory {name!r} not found next to {PACKAGE_ROOT}")
