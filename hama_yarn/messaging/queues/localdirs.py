"""Where receive queues spill: YARN's ``LOCAL_DIRS`` in a container, ``bsp.local.dir`` otherwise.

A peer's files live in ``<root>/hama-spill/<jobId>/peer-<index>-<pid>/`` under every
root, used round-robin (one file per segment), so a node's disks share the load.
The directory is removed when the peer exits; :func:`remove_job_spill` removes a
whole job's (the local launcher calls it when a job ends, killed peers included;
YARN deletes a container's ``LOCAL_DIRS`` itself when the application ends).
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from ...errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["SpillDir", "spill_roots", "remove_job_spill"]

SUBDIR = "hama-spill"


def spill_roots(conf: Any) -> list[Path]:
    """The directories spill files may go to: ``$LOCAL_DIRS`` (YARN) or ``bsp.local.dir``."""
    env = os.environ.get("LOCAL_DIRS", "")
    roots = [Path(d) for d in env.split(",") if d.strip()]
    if not roots:
        local = (conf.get("bsp.local.dir") if conf is not None else None) or "/tmp/hama/bsp/local"
        roots = [Path(d.strip()) for d in local.split(",") if d.strip()]
    return roots


def remove_job_spill(conf: Any, job_id: str) -> None:
    """Delete every spill file of *job_id* under this machine's spill roots (best effort)."""
    for root in spill_roots(conf):
        path = root / SUBDIR / job_id
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            log.debug("removed spill directory %s", path)


class SpillDir:
    """A peer's spill directories, handing out new file paths round-robin.

    Parameters
    ----------
    roots : list of Path
        Directories to spill to (see :func:`spill_roots`).
    job_id : str
        The job id.
    index : int
        The peer's task index.
    """

    def __init__(self, roots: list[Path], job_id: str, index: int) -> None:
        if not roots:
            raise ConfigError("bsp.local.dir", "no directory to spill messages to")
        name = f"peer-{index}-{os.getpid()}"
        self.dirs = [r / SUBDIR / job_id / name for r in roots]
        self._job_dirs = [r / SUBDIR / job_id for r in roots]
        self._rr = itertools.cycle(range(len(self.dirs)))
        self._seq = itertools.count()
        self._made: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_peer(cls, conf: Any, job_id: str, index: int) -> SpillDir:
        """The spill directory of peer *index* of *job_id* on this machine."""
        return cls(spill_roots(conf), job_id, index)

    def new_path(self, prefix: str) -> Path:
        """A fresh file path in the next directory (created on first use).

        Raises
        ------
        ConfigError
            If the directory cannot be created (names it and the key to set).
        """
        with self._lock:
            i = next(self._rr)
            seq = next(self._seq)
            d = self.dirs[i]
            if i not in self._made:
                try:
                    d.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError("bsp.local.dir", f"cannot create spill directory {d}: {exc}") from exc
                self._made.add(i)
        return d / f"{prefix}-{seq:06d}.spill"

    def files(self) -> list[Path]:
        """Spill files that exist now (diagnostics, tests)."""
        return sorted(p for d in self.dirs if d.is_dir() for p in d.iterdir())

    def remove(self) -> None:
        """Delete this peer's directories (and the job's, when empty)."""
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        for j in self._job_dirs:
            try:
                j.rmdir()
            except OSError:
                pass
