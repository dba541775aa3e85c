"""The local filesystem through ``os``: what the output commit and writers need, without fsspec.

A job whose output directory is local (``file://`` or a path without a scheme when
``fs.defaultFS`` is local) checks, writes and commits its output through :class:`LocalFS`
(:func:`hama_yarn.io.fs.resolve_output`): importing fsspec costs a short job tens of
milliseconds in the client, the master and the peers.  The methods behave as those of
fsspec's ``LocalFileSystem`` (``auto_mkdir=False``) they stand for: the same ``os`` and
``shutil`` calls, so the same exceptions, permissions and results.  Every other
filesystem, and every other use of a local one, goes through fsspec (:func:`hama_yarn.io.fs.resolve`).
"""

from __future__ import annotations

import os
import shutil
from typing import IO, Any

__all__ = ["LocalFS", "local_inner"]


def local_inner(url: str) -> str:
    """The path of a qualified ``file://`` URL, as fsspec's ``url_to_fs`` gives it (no trailing ``/``)."""
    path = url[len("file://"):] if url.startswith("file://") else url
    return path.rstrip("/") or "/"


class LocalFS:
    """The local filesystem: a subset of fsspec's ``AbstractFileSystem`` API on ``os`` calls."""

    protocol = "file"

    def exists(self, path: str) -> bool:
        return os.path.lexists(path)

    def isdir(self, path: str) -> bool:
        return os.path.isdir(path)

    def isfile(self, path: str) -> bool:
        return os.path.isfile(path)

    def ls(self, path: str, detail: bool = False) -> list[Any]:
        """The full paths in directory *path* (``[path]`` for a file); *detail* is not supported."""
        if detail:
            raise NotImplementedError("LocalFS.ls(detail=True): use hama_yarn.io.fs.resolve")
        if not os.path.isdir(path):
            os.stat(path)  # FileNotFoundError for a missing path, as fsspec's info()
            return [path]
        out: list[Any] = []
        with os.scandir(path) as it:
            out.extend(e.path for e in it)
        return out

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        os.makedirs(path, exist_ok=exist_ok)

    def rmdir(self, path: str) -> None:
        os.rmdir(path)

    def mv(self, path1: str, path2: str) -> None:
        shutil.move(path1, path2)

    def rm(self, path: str, recursive: bool = False) -> None:
        if os.path.isdir(path) and not os.path.islink(path):
            if not recursive:
                raise ValueError("Cannot delete directory, set recursive=True")
            if os.path.abspath(path) == os.getcwd():
                raise ValueError("Cannot delete current working directory")
            shutil.rmtree(path)
        else:
            os.remove(path)

    def touch(self, path: str) -> None:
        """Create *path* empty (or empty it), as fsspec's ``touch(truncate=True)``."""
        if os.path.exists(path):
            os.utime(path, None)
        else:
            open(path, "a").close()  # noqa: SIM115
        os.truncate(path, 0)

    def open(self, path: str, mode: str = "rb") -> IO[Any]:
        return open(path, mode)  # noqa: SIM115

    def _parent(self, path: str) -> str:
        parent = path.rstrip("/").rsplit("/", 1)[0]
        return parent or "/"
