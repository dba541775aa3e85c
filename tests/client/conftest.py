"""Helpers of the client-side suite: run the ``hama`` CLI in a subprocess with an isolated ``hama.tmp.dir``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBS = Path(__file__).resolve().parent / "jobs"
ECHO = str(JOBS / "echo.py")
HAMA = [sys.executable, "-m", "hama_yarn.cli.main"]


def hama_env() -> dict[str, str]:
    """The environment without site configuration (HAMA_CONF_DIR, HADOOP_CONF_DIR)."""
    env = dict(os.environ)
    for var in ("HAMA_CONF_DIR", "HADOOP_CONF_DIR", "HAMA_KEEP_STAGING"):
        env.pop(var, None)
    return env


def run_hama(tmp: Path, *args: str, prelude: str = "", env: dict[str, str] | None = None,
             timeout: float = 60, **popen: Any) -> subprocess.CompletedProcess[str]:
    """Run ``hama ARGS -D hama.tmp.dir=...``; *prelude* is Python run before hama_yarn is imported."""
    return subprocess.run(command(tmp, *args, prelude=prelude), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env or hama_env(), stdin=subprocess.DEVNULL, **popen)


def command(tmp: Path, *args: str, prelude: str = "") -> list[str]:
    full = [*args, "-D", f"hama.tmp.dir={tmp / 'hama-tmp'}"] if args and args[0] == "run" else list(args)
    if not prelude:
        return HAMA + full
    code = f"{prelude}\nimport sys\nfrom hama_yarn.cli.main import main\nsys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *full]


def one_error_line(stderr: str) -> str:
    """The single ``hama: error:`` line of *stderr* (asserting there is nothing else, no traceback)."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hama: error: "), lines[0]
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def refused() -> str:
    """``host:port`` where nothing listens."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
def silent() -> Iterator[str]:
    """``host:port`` that accepts TCP connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    try:
        yield f"127.0.0.1:{srv.getsockname()[1]}"
    finally:
        srv.close()
