"""``hbase://host:port/table[/token/...]``: HBase tables as paths for the job's commit protocol.

The core reads ``bsp.input.dir`` (the master cuts splits only when it is set) and
commits ``bsp.output.dir`` through :class:`~hama_yarn.io.output.OutputCommitter` on an
fsspec filesystem.  The ``hbase`` formats point both at a URL of this filesystem, so
an HBase job runs through the same code paths as a file job:

* ``hbase://host:port/table`` (input) is one "file" of size 0 -- listing it at submit
  costs nothing; the format reads the table's regions itself;
* ``hbase://host:port/table/<token>`` (output; *token* is unique per job) does not
  exist before the job, ``<token>/_temporary`` exists while it runs, and removing it
  ends the job: after ``ls`` (``commit_job``) the journal entries of a successful job
  are dropped; after ``exists`` (``abort_job``) the rows a failed job journaled are
  deleted when ``hbase.output.cleanup.on.failure`` was on (see
  :mod:`hama_yarn.io.hbase.writer`).  Nothing is ever written under these paths.
"""

from __future__ import annotations

import logging
from typing import Any

from fsspec import AbstractFileSystem

log = logging.getLogger(__name__)

__all__ = ["HBaseTableFS", "parse_url", "TEMP"]

TEMP = "_temporary"


def parse_url(path: str) -> tuple[str, str, list[str]]:
    """``hbase://addr/table/rest...`` (or without scheme) -> ``(addr, table, rest)``."""
    inner = path.split("://", 1)[-1].strip("/")
    parts = inner.split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise FileNotFoundError(f"not an HBase table URL: {path} (expected hbase://host:port/table)")
    return parts[0], parts[1], parts[2:]


class HBaseTableFS(AbstractFileSystem):  # type: ignore[misc]  # fsspec is untyped
    """The commit-protocol view of HBase tables (no data goes through it)."""

    protocol = ("hbase",)
    root_marker = ""
    cachable = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ending: dict[str, str] = {}  # token path -> "commit" | "abort"

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = str(path)
        if text.startswith("hbase://"):
            text = text[len("hbase://"):]
        return text.rstrip("/")

    def unstrip_protocol(self, name: str) -> str:
        return "hbase://" + str(self._strip_protocol(name))

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        path = self._strip_protocol(path)
        _, _, rest = parse_url(path)
        if not rest:
            return {"name": path, "size": 0, "type": "file"}
        if rest[-1] == TEMP:
            return {"name": path, "size": 0, "type": "directory"}
        raise FileNotFoundError(path)

    def exists(self, path: str, **kwargs: Any) -> bool:
        path = self._strip_protocol(path)
        _, _, rest = parse_url(path)
        if rest and rest[-1] == TEMP:
            self._ending[path] = "abort"
            return True
        return not rest

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        path = self._strip_protocol(path)
        _, _, rest = parse_url(path)
        if rest and rest[-1] == TEMP:
            self._ending[path] = "commit"
        return []

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        return None

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        return None

    def touch(self, path: str, truncate: bool = True, **kwargs: Any) -> None:
        return None

    def rmdir(self, path: str) -> None:
        return None

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        path = self._strip_protocol(path)
        addr, table, rest = parse_url(path)
        if not rest or rest[-1] != TEMP or len(rest) < 2:
            return
        ending = self._ending.pop(path, "abort")
        from .journal import finish_job

        finish_job(addr, table, rest[0], succeeded=(ending == "commit"))

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        raise OSError(f"{path}: HBase tables are read and written by the hbase formats, not as files")
