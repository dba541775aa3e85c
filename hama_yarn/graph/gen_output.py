"""Where the graph generators write: part files on any filesystem jobs read, committed all at once.

The generators resolve their output directory exactly as a job resolves its input
(:func:`hama_yarn.io.fs.resolve`): ``hdfs://nn:port/dir`` is written on HDFS, a path
without a scheme is qualified against ``fs.defaultFS`` (the local disk without a
Hadoop configuration), ``file:///dir`` is always local.  As with job output
(:mod:`hama_yarn.io.output`), the output directory must not exist or be empty; part
files are written under ``<out>/_temporary/<id>/`` and moved into ``<out>`` only when
every part is complete, so a failed or interrupted generator leaves nothing behind.
"""

from __future__ import annotations

import logging
import uuid
from types import TracebackType
from typing import Any

from ..config import HamaConfiguration
from ..errors import OutputError
from ..io import fs as _fs

log = logging.getLogger(__name__)

__all__ = ["PartsOutput", "TextPartWriter"]

TEMP = "_temporary"


class PartsOutput:
    """An output directory receiving ``part-NNNNN`` files, committed on success.

    Parameters
    ----------
    out_dir : str
        Directory path or URL (``hdfs://...``, ``file:///...``, or a path without a
        scheme, resolved against ``fs.defaultFS``).
    conf : HamaConfiguration, optional
        Consulted for ``fs.defaultFS`` before ``$HADOOP_CONF_DIR/core-site.xml``.

    Raises
    ------
    OutputError
        The directory exists and is not empty (or is a file), or cannot be created.
    hama_yarn.errors.InputError
        The filesystem of *out_dir* is unknown or unreachable.

    Examples
    --------
    >>> with PartsOutput("hdfs://nn:9000/graphs/g") as out:    # doctest: +SKIP
    ...     with out.open(0) as f:
    ...         f.write(b"0\\t1 2\\n")
    """

    def __init__(self, out_dir: str, conf: HamaConfiguration | None = None) -> None:
        self.out = out_dir
        self.url = _fs.qualify(out_dir, conf)
        self.fs, self.path = _fs.resolve(out_dir, conf)
        self.path = self.path.rstrip("/") or "/"
        try:
            exists = self.fs.exists(self.path)
            if exists and not self.fs.isdir(self.path):
                raise OutputError(f"Output path {self.url} exists and is not a directory")
            if exists and self.fs.ls(self.path, detail=False):
                raise OutputError(f"Output directory {self.url} already exists and is not empty")
            self.created = not exists
            self.temp = f"{self.path}/{TEMP}/gen-{uuid.uuid4().hex[:12]}"
            self.fs.makedirs(self.temp, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create output directory {self.url}: {exc}") from exc
        self.parts: list[str] = []
        self.done = False

    def open(self, index: int) -> Any:
        """A binary file for part *index* (``part-NNNNN``), written under ``_temporary`` until :meth:`commit`."""
        name = f"part-{index:05d}"
        self.parts.append(name)
        try:
            return self.fs.open(f"{self.temp}/{name}", "wb")
        except OSError as exc:
            raise OutputError(f"cannot write {self.url}/{name}: {exc}") from exc

    def _location(self, name: str) -> str:
        inner = f"{self.path}/{name}"
        return inner if _fs.is_local(self.fs) else _fs.url_of(self.url, inner, self.fs)

    def commit(self) -> list[str]:
        """Move the parts into the output directory; return their paths (URLs off the local disk)."""
        try:
            for name in self.parts:
                self.fs.mv(f"{self.temp}/{name}", f"{self.path}/{name}")
            self.fs.rm(f"{self.path}/{TEMP}", recursive=True)
        except OSError as exc:
            raise OutputError(f"committing {len(self.parts)} part file(s) to {self.url} failed: {exc}") from exc
        self.done = True
        log.debug("generator wrote %d part file(s) to %s", len(self.parts), self.url)
        return [self._location(name) for name in self.parts]

    def abort(self) -> None:
        """Remove the temporary parts, and the output directory if this writer created it."""
        try:
            temp = f"{self.path}/{TEMP}"
            if self.fs.exists(temp):
                self.fs.rm(temp, recursive=True)
            if self.created and self.fs.exists(self.path) and not self.fs.ls(self.path, detail=False):
                self.fs.rmdir(self.path)
        except OSError as exc:
            log.warning("cleaning up generator output %s failed: %s", self.url, exc)

    def __enter__(self) -> PartsOutput:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None or not self.done:
            self.abort()


class TextPartWriter:
    """Buffers text lines and writes them to a binary file in large UTF-8 blocks (one call per MiB)."""

    def __init__(self, f: Any, block: int = 1 << 20) -> None:
        self._f = f
        self._block = block
        self._buf: list[str] = []
        self._size = 0

    def write(self, text: str) -> None:
        """Queue *text*; flushed once about ``block`` characters are pending."""
        self._buf.append(text)
        self._size += len(text)
        if self._size >= self._block:
            self.flush()

    def flush(self) -> None:
        """Write the pending text."""
        if self._buf:
            self._f.write("".join(self._buf).encode("utf-8"))
            self._buf = []
            self._size = 0
