"""Shared pieces of the daemons: the cluster secret, pid files, the master's address."""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

from ..config import HamaConfiguration
from ..errors import AuthenticationError, ConfigError

log = logging.getLogger(__name__)

__all__ = ["cluster_secret", "master_address", "pid_file", "write_pid_file", "read_pid", "now_ms"]


def now_ms() -> int:
    """Wall clock in epoch milliseconds."""
    return int(time.time() * 1000)


def cluster_secret(conf: HamaConfiguration, create: bool = False) -> str:
    """The cluster secret from ``hama.cluster.secret.file``; a daemon (*create*) writes one if missing.

    Raises
    ------
    AuthenticationError
        The file is missing (and not *create*), empty, or readable by others.
    """
    path = Path(conf.get("hama.cluster.secret.file") or "")
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        log.info("created the cluster secret %s (copy it to every node and client)", path)
    try:
        mode = path.stat().st_mode
        value = path.read_text().strip()
    except OSError as exc:
        raise AuthenticationError(f"cannot read the cluster secret {path} (hama.cluster.secret.file): {exc}") from exc
    if mode & 0o077:
        raise AuthenticationError(f"the cluster secret {path} is readable by others (mode {mode & 0o777:o}); "
                                  f"chmod 600 {path}")
    if not value:
        raise AuthenticationError(f"the cluster secret {path} is empty")
    return value


def master_address(conf: HamaConfiguration) -> str:
    """``host:port`` of the bspmaster: ``bsp.master.address`` if it is one, else hostname and port keys."""
    addr = (conf.get("bsp.master.address") or "").strip()
    if ":" in addr:
        return addr
    host = (conf.get("bsp.master.hostname") or "127.0.0.1").strip()
    return f"{host}:{conf.get_int('bsp.master.port')}"


def pid_file(conf: HamaConfiguration, daemon: str, name: str = "") -> Path:
    """``<hama.pid.dir>/hama-<user>-<daemon>[-<name>].pid``."""
    from ..registry import current_user

    if daemon not in ("bspmaster", "groom"):
        raise ConfigError("daemon", f"unknown daemon {daemon!r}: expected bspmaster or groom")
    suffix = f"-{name}" if name else ""
    return Path(conf.get("hama.pid.dir") or ".") / f"hama-{current_user()}-{daemon}{suffix}.pid"


def write_pid_file(path: Path) -> None:
    """Write this process's pid to *path* (removed by the caller at exit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{os.getpid()}\n")
    os.replace(tmp, path)


def read_pid(path: Path) -> int | None:
    """The pid in *path* if the file exists and that process is alive, else None."""
    from ..registry import pid_alive

    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None
