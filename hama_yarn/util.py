"""Small helpers shared by the client, master and peers."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["write_json_atomic", "configure_logging", "without_gc"]

_T = TypeVar("_T")


def without_gc(load: Callable[[], _T]) -> _T:
    """``load()`` with the cyclic garbage collector paused (restored after, also on error).

    For imports: loading modules creates tens of thousands of objects that live as long as
    the process, and collecting while they are made is wasted work (a tenth of the time).
    """
    if not gc.isenabled():
        return load()
    gc.disable()
    try:
        return load()
    finally:
        gc.enable()


def write_json_atomic(path: str | os.PathLike[str], data: dict[str, Any], mode: int = 0o600) -> None:
    """Write *data* as JSON to *path* atomically (rename), readable only by the owner."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with open(fd, "w") as f:
        json.dump(data, f)
    tmp.replace(p)


def configure_logging(level: int = logging.INFO, prefix: str = "") -> None:
    """Log to stderr (entry points only; the library never installs handlers)."""
    fmt = "%(asctime)s %(levelname)s " + (prefix + " " if prefix else "") + "%(name)s: %(message)s"
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr, force=True)


# ------------------------------------------------------------ process role
_ROLE: str | None = None


def set_process_role(role: str) -> None:
    """Mark this process as a job's ``master`` or ``peer`` (entry points only).

    A master or peer imports the user's module to find the BSP class; code at
    its top level then runs there too. :func:`refuse_nested_submit` uses the
    role to stop an unguarded ``BSPJob(...).submit()`` from submitting a job
    from every peer, whose peers would submit again, without end.
    """
    global _ROLE
    _ROLE = role


def process_role() -> str | None:
    """``"master"``, ``"peer"`` or None (a client, or any other process)."""
    return _ROLE


def refuse_nested_submit() -> None:
    """Raise :class:`~hama_yarn.errors.UsageError` inside a job's master or peer process.

    Raises
    ------
    UsageError
        This process is a job's master or peer.
    """
    if _ROLE is None:
        return
    from .errors import UsageError

    raise UsageError(
        f"a job cannot be submitted from inside a job's {_ROLE} process (pid {os.getpid()}): "
        "the job's module was imported there and its top-level code submitted a job. Put the "
        "submission under  if __name__ == \"__main__\":  so that importing the module only "
        "defines the BSP class")
