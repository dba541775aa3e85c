"""Filesystems through fsspec: ``file://``, and any other protocol fsspec knows.

A path without a scheme is a local path here; the HDFS work adds resolution against
``fs.defaultFS``.  Everything that touches files goes through :func:`resolve`, so a
new filesystem needs no change elsewhere.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import fsspec
from fsspec.core import url_to_fs

from ..config import HamaConfiguration
from ..errors import InputError

log = logging.getLogger(__name__)

__all__ = ["resolve", "qualify", "is_hidden", "is_local", "info"]


def qualify(path: str, conf: HamaConfiguration | None = None) -> str:
    """Return *path* with a scheme: local paths become absolute ``file://`` URLs."""
    if "://" in path:
        return path
    return "file://" + os.path.abspath(os.path.expanduser(path))


def resolve(path: str, conf: HamaConfiguration | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return ``(filesystem, path inside it)`` for a path or URL.

    Raises
    ------
    InputError
        If the filesystem's protocol is unknown or its library missing.
    """
    url = qualify(path, conf)
    try:
        fs, inner = url_to_fs(url)
    except (ValueError, ImportError) as exc:
        raise InputError(f"cannot open filesystem for {path!r}: {exc}") from exc
    return fs, inner


def is_local(fs: Any) -> bool:
    """True for the local filesystem (where plain ``open`` is fastest)."""
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def is_hidden(path: str) -> bool:
    """Hadoop's hidden-file rule: names starting with ``_`` or ``.`` are skipped."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(("_", "."))


def info(fs: Any, path: str) -> dict[str, Any]:
    """``fs.info`` that raises :class:`InputError` naming the path when it is missing."""
    try:
        result: dict[str, Any] = fs.info(path)
    except FileNotFoundError as exc:
        raise InputError(f"Input path does not exist: {path}") from exc
    return result
