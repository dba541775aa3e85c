"""Fault-tolerance settings of a job (Hama's keys) and where its checkpoints live."""

from __future__ import annotations

import posixpath
import urllib.parse
from dataclasses import dataclass

from ..config import HamaConfiguration

__all__ = ["FTSettings", "checkpoint_root", "SKIP_CHECKPOINT"]


class _Skip:
    """The type of :data:`SKIP_CHECKPOINT`."""

    def __repr__(self) -> str:
        return "SKIP_CHECKPOINT"


#: Returned by ``BSP.checkpoint_state``: this superstep cannot be resumed from (e.g. a graph
#: job still loading); the peer writes no part, so the checkpoint never counts and a
#: recovery rolls back to an earlier one (or to the start).
SKIP_CHECKPOINT = _Skip()


@dataclass(frozen=True)
class FTSettings:
    """The fault-tolerance switches of one job.

    Attributes
    ----------
    recovery : bool
        ``bsp.ft.enabled``: failed peers are replaced and the job rolls back.
    interval : int
        Supersteps between checkpoints; 0 when ``bsp.checkpoint.enabled`` is false.
    max_attempts : int
        ``bsp.tasks.max.attempts``: runs of the job's peers in all (first + recoveries).
    """

    recovery: bool
    interval: int
    max_attempts: int

    @classmethod
    def from_conf(cls, conf: HamaConfiguration) -> FTSettings:
        """Read ``bsp.ft.enabled``, ``bsp.checkpoint.*`` and ``bsp.tasks.max.attempts``."""
        interval = conf.get_int("bsp.checkpoint.interval", 1) if conf.get_bool("bsp.checkpoint.enabled", False) else 0
        return cls(
            recovery=conf.get_bool("bsp.ft.enabled", False),
            interval=max(0, interval),
            max_attempts=max(1, conf.get_int("bsp.tasks.max.attempts", 2)),
        )

    @property
    def checkpoints(self) -> bool:
        """True when peers write checkpoints."""
        return self.interval > 0

    def is_checkpoint(self, superstep: int) -> bool:
        """True when the state at the start of *superstep* (> 0) is checkpointed."""
        return self.interval > 0 and superstep > 0 and superstep % self.interval == 0


def checkpoint_root(conf: HamaConfiguration, job_id: str) -> str:
    """URL of the job's checkpoint directory: ``<bsp.checkpoint.prefix_path>/<job_id>``.

    A relative prefix is resolved against the job's filesystem (``fs.defaultFS``);
    on the local filesystem against ``hama.tmp.dir`` instead of the working directory.
    """
    from ..io import fs as _fs  # lazy: a job without checkpoints never loads the I/O layer (fsspec)

    prefix = (conf.get("bsp.checkpoint.prefix_path") or "checkpoint/").strip()
    has_scheme = "://" in prefix or prefix.startswith("file:")
    if not has_scheme and not prefix.startswith("/"):
        scheme = urllib.parse.urlsplit(_fs.default_fs(conf)).scheme.lower()
        if scheme in ("", "file"):
            prefix = posixpath.join(conf.get("hama.tmp.dir") or "/tmp/hama", prefix)
    return f"{_fs.qualify(prefix, conf).rstrip('/')}/{job_id}"
