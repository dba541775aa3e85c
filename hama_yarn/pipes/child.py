"""The child process of a Streaming or Pipes task: command line, stderr tail, shutdown.

Hama's ``PipesApplication.setupCommand`` builds ``[interpreter] executable [args...]``
from ``hama.pipes.executable.interpretor``, ``hama.pipes.executable`` and
``hama.pipes.executable.args`` (split on spaces).  This module does the same, with
two conveniences: a ``.py`` program without an interpreter runs under the current
Python, and a program that is not found at its path is looked up by its base name in
the working directory (where YARN localizes shipped files).
"""

from __future__ import annotations

import collections
import logging
import os
import shlex
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError

log = logging.getLogger(__name__)

__all__ = ["ChildError", "ChildProcess", "child_command", "EXECUTABLE", "INTERPRETER", "ARGS", "TIMEOUT"]

EXECUTABLE = "hama.pipes.executable"
INTERPRETER = "hama.pipes.executable.interpretor"
ARGS = "hama.pipes.executable.args"
#: Seconds (in ms) the framework waits for any line or reply from the child.
TIMEOUT = "hama.pipes.child.timeout.ms"
DEFAULT_TIMEOUT_MS = 600_000


class ChildError(HamaError):
    """The child program broke the protocol, crashed, or stopped answering."""


def is_remote(program: str) -> bool:
    """True for a program on a remote file system (``hdfs:/...``, ``hdfs://nn/...``)."""
    scheme = program.split(":", 1)[0] if ":" in program else ""
    return len(scheme) > 1 and scheme.isalnum() and scheme != "file"


def localize(program: str) -> str:
    """Copy a remote program to a local cache (as Hama's DistributedCache did); return its path.

    The copy goes to ``$TMPDIR/hama-pipes-cache/<hash of the URI>/<name>``, written under a
    temporary name and renamed, so peers on one machine share it safely.
    """
    import hashlib
    import tempfile

    from ..io.fs import resolve

    digest = hashlib.sha256(program.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / "hama-pipes-cache" / digest / program.rstrip("/").rsplit("/", 1)[-1]
    if target.is_file():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fs, path = resolve(program)
        with fs.open(path, "rb") as src, tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            while chunk := src.read(1 << 20):
                tmp.write(chunk)
    except Exception as exc:  # noqa: BLE001 - any file system error names the program
        raise ChildError(f"cannot localize {EXECUTABLE}={program}: {exc}") from exc
    os.chmod(tmp.name, 0o755)
    os.replace(tmp.name, target)
    return str(target)


def _resolve_program(program: str) -> str:
    if is_remote(program):
        return localize(program)
    if program.startswith("file://"):
        program = program[len("file://"):]
    path = Path(program)
    local = Path(path.name)
    if os.environ.get("CONTAINER_ID") and local.is_file():
        # In a YARN container: the copy shipped through hama.yarn.files (the client's path may not exist here).
        return str(local.resolve())
    if not path.exists():
        if local.exists():
            path = local.resolve()
        else:
            raise ChildError(f"child program not found: {program}")
    return str(path)


def child_command(conf: HamaConfiguration) -> list[str]:
    """``[interpreter] program [args...]`` from the job configuration.

    Raises
    ------
    ConfigError
        If ``hama.pipes.executable`` is unset.
    ChildError
        If the program does not exist.
    """
    program = (conf.get(EXECUTABLE) or "").strip()
    if not program:
        raise ConfigError(EXECUTABLE, "no child program (hama pipes -program PROG)")
    program = _resolve_program(program)
    interpreter = (conf.get(INTERPRETER) or "").strip()
    cmd: list[str] = []
    if interpreter:
        cmd += shlex.split(interpreter)
    elif program.endswith(".py"):
        cmd.append(sys.executable)
    else:
        mode = os.stat(program).st_mode
        if not mode & stat.S_IXUSR:
            try:  # files localized by YARN may lose their exec bit
                os.chmod(program, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            except OSError:
                pass
    cmd.append(program)
    cmd += (conf.get(ARGS) or "").split()
    return cmd


class ChildProcess:
    """A started child with its stderr collected (last lines kept) on a thread.

    Parameters
    ----------
    cmd : list of str
        The command line.
    env : dict, optional
        Extra environment variables.
    label : str
        Names the task in logs and errors (``peer 1 (host:port)``).
    """

    def __init__(self, cmd: list[str], label: str, env: dict[str, str] | None = None) -> None:
        self.cmd = cmd
        self.label = label
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={**os.environ, **(env or {})}, bufsize=0,
            )
        except OSError as exc:
            raise ChildError(f"{label}: cannot start child {cmd}: {exc}") from exc
        assert self.proc.stderr is not None
        self._stderr_thread = threading.Thread(target=self._drain, args=(self.proc.stderr,),
                                               name="pipes-child-stderr", daemon=True)
        self._stderr_thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._tail.append(line)
            log.info("[child %s] %s", self.label, line)

    def stderr_tail(self) -> str:
        """The last lines the child wrote to stderr."""
        self._stderr_thread.join(timeout=1.0)
        return "\n".join(self._tail)

    def describe_failure(self, what: str) -> str:
        """*what*, the child's exit status, and its stderr tail, as one message."""
        code = self.proc.poll()
        status = "still running (killed)" if code is None else f"exit status {code}"
        if code is None:
            self.kill()
            code = self.proc.returncode
        tail = self.stderr_tail()
        text = f"{self.label}: {what}; child {status}"
        return text + (f"; stderr tail:\n{tail}" if tail else "; no stderr output")

    def fail(self, what: str) -> ChildError:
        """A :class:`ChildError` describing *what* (the child is killed)."""
        return ChildError(self.describe_failure(what))

    def kill(self) -> None:
        """Kill the child and reap it (no zombie)."""
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - kill -9 does not block
            log.error("%s: child %d did not die", self.label, self.proc.pid)
        self._close_pipes()

    def wait(self, timeout: float) -> int | None:
        """Wait up to *timeout* s for the child to exit; kill it after that. Returns its exit code."""
        try:
            code: int | None = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code = None
        self._close_pipes()
        return code

    def _close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
