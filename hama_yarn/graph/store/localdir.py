"""Scratch directories on the node's local disks for out-of-core graph data.

In a YARN container the directories come from ``LOCAL_DIRS`` (the NodeManager's
application cache, one per disk; a peer takes the one its task index picks, so the
peers of a node spread over the disks); otherwise from ``bsp.local.dir``, then the
system temporary directory.  A :class:`ScratchDir` is deleted by :meth:`ScratchDir.close`,
when it is garbage-collected and when the process exits normally; after a ``SIGKILL``
YARN removes the application cache itself, and the next attempt of the same task removes
the directories its killed predecessors left (:func:`task_tag`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import weakref
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import ConfigError

if TYPE_CHECKING:
    from ...config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["local_dirs", "ScratchDir", "task_tag"]


def local_dirs(conf: HamaConfiguration) -> list[str]:
    """The candidate scratch directories: YARN ``LOCAL_DIRS``, else ``bsp.local.dir``, else ``$TMPDIR``."""
    env = os.environ.get("LOCAL_DIRS", "")
    dirs = [d for d in env.split(",") if d.strip()]
    if dirs:
        return dirs
    local = (conf.get("bsp.local.dir") or "").strip()
    return [local] if local else [tempfile.gettempdir()]


def task_tag(peer: object, index: int) -> str:
    """A file-name-safe id of the peer's task, the same for every attempt (``p<index>`` if unknown)."""
    get = getattr(peer, "get_task_id", None)
    attempt = str(get()) if callable(get) else ""
    task = attempt.rpartition("_")[0] if attempt.startswith("attempt_") else ""
    task = re.sub(r"[^A-Za-z0-9_.-]", "_", task)
    return task or f"p{index}"


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class ScratchDir:
    """A private directory on a local disk, removed on :meth:`close` and at exit.

    Parameters
    ----------
    conf : HamaConfiguration
        Picks the disks (:func:`local_dirs`).
    prefix : str
        Start of the directory name.
    index : int
        Chooses the disk (``index % number of disks``), e.g. the peer index.
    replaces_stale : bool
        Remove directories with the same *prefix* first: they belong to an earlier,
        killed attempt of the same task (the prefix names the task).
    """

    def __init__(self, conf: HamaConfiguration, prefix: str, index: int = 0, replaces_stale: bool = False) -> None:
        dirs = local_dirs(conf)
        base = dirs[index % len(dirs)]
        try:
            os.makedirs(base, exist_ok=True)
            if replaces_stale:
                for old in Path(base).glob(f"{glob_escape(prefix)}*"):
                    log.info("removing %s, left by an earlier attempt of this task", old)
                    _remove(str(old))
            self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
        except OSError as exc:
            raise ConfigError("bsp.local.dir", f"cannot create a scratch directory in {base}: {exc}") from exc
        self._finalizer = weakref.finalize(self, _remove, str(self.path))
        log.debug("scratch directory %s", self.path)

    def file(self, name: str) -> Path:
        """A path inside the directory."""
        return self.path / name

    def close(self) -> None:
        """Delete the directory and everything in it (idempotent)."""
        self._finalizer()
