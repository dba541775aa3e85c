"""Small helpers shared by the client, master and peers."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["write_json_atomic", "configure_logging"]


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
