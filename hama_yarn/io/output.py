"""Commit-on-success output: peers write under ``<out>/_temporary/<attempt>/``.

Only when every peer succeeded does the master move ``part-NNNNN`` files into
``<out>`` and write ``_SUCCESS`` (Hadoop's FileOutputCommitter, version 1).  A failed
or killed job removes ``_temporary``, and ``<out>`` itself if the job created it,
so nothing partial is ever left in the output directory.
"""

from __future__ import annotations

import logging

from ..config import HamaConfiguration
from ..errors import OutputError
from . import fs as _fs

log = logging.getLogger(__name__)

__all__ = ["OutputCommitter", "part_name", "check_output_dir"]

TEMP = "_temporary"
CREATED_KEY = "hama.output.dir.created"


def part_name(index: int) -> str:
    """``part-NNNNN`` for task *index*."""
    return f"part-{index:05d}"


def check_output_dir(conf: HamaConfiguration) -> None:
    """Fail at submit if ``bsp.output.dir`` exists and is not empty (Hadoop's rule).

    Records in the configuration whether the job will create the directory, so a
    failed job can remove it again.

    Raises
    ------
    OutputError
        ``Output directory ... already exists`` when it holds anything.
    """
    out = conf.get("bsp.output.dir")
    if not out:
        return
    fs, path = _fs.resolve_output(out, conf)
    if fs.exists(path):
        if not fs.isdir(path):
            raise OutputError(f"Output path {out} exists and is not a directory")
        if fs.ls(path):
            raise OutputError(f"Output directory {out} already exists and is not empty")
        conf.set(CREATED_KEY, "false")
    else:
        conf.set(CREATED_KEY, "true")


class OutputCommitter:
    """Job-level output commit for ``bsp.output.dir`` (no-op without one)."""

    def __init__(self, conf: HamaConfiguration, job_id: str) -> None:
        self.conf = conf
        self.job_id = job_id
        self.out = conf.get("bsp.output.dir") or ""
        if self.out:
            self.fs, self.path = _fs.resolve_output(self.out, conf)

    def task_path(self, attempt_id: str, index: int) -> str:
        """URL of the file task *index* writes while the job runs."""
        return f"{_fs.qualify(self.out, self.conf).rstrip('/')}/{TEMP}/{attempt_id}/{part_name(index)}"

    def setup_job(self) -> None:
        """Create ``<out>/_temporary``."""
        if self.out:
            try:
                self.fs.makedirs(f"{self.path}/{TEMP}", exist_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot create output directory {self.out}: {exc}") from exc

    def commit_job(self) -> list[str]:
        """Move every task's part files into ``<out>``, write ``_SUCCESS``; return the part names."""
        if not self.out:
            return []
        temp = f"{self.path}/{TEMP}"
        moved = []
        try:
            for attempt in sorted(self.fs.ls(temp, detail=False)):
                for f in sorted(self.fs.ls(attempt, detail=False)):
                    name = f.rstrip("/").rsplit("/", 1)[-1]
                    self.fs.mv(f, f"{self.path}/{name}")
                    moved.append(name)
            self.fs.rm(temp, recursive=True)
            self.fs.touch(f"{self.path}/_SUCCESS")
        except OSError as exc:
            raise OutputError(f"committing output to {self.out} failed: {exc}") from exc
        log.info("Committed %d output files to %s", len(moved), self.out)
        return moved

    def abort_job(self) -> None:
        """Remove all temporary output, and ``<out>`` if this job created it."""
        if not self.out:
            return
        try:
            temp = f"{self.path}/{TEMP}"
            if self.fs.exists(temp):
                self.fs.rm(temp, recursive=True)
            if self.conf.get(CREATED_KEY) == "true" and self.fs.exists(self.path) and not self.fs.ls(self.path):
                self.fs.rmdir(self.path)
        except OSError as exc:
            log.warning("cleaning up output %s failed: %s", self.out, exc)
