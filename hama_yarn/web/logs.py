"""Peer logs: local peers copy their stderr to a file; YARN peers' logs come from the NodeManager.

Local mode: :func:`capture_peer_output` (called by the peer) copies everything the
peer writes to ``sys.stdout``/``sys.stderr`` and its log records into
``${hama.tmp.dir}/jobs/<job>/peer-NNNNN.log`` while still writing to the terminal.
The master's logs page and ``hama logs`` tail those files.  On YARN the
NodeManager keeps each container's ``stderr``: the master reads its tail over the
NodeManager's web server (``/node/containerlogs/<container>/<user>/peer.log``).
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from ..config import HamaConfiguration
from ..registry import job_log_dir

log = logging.getLogger(__name__)

__all__ = ["capture_peer_output", "peer_log_path", "tail_file", "tail_nodemanager_log", "local_peer_logs"]

#: Bytes read from the end of a log for a tail.
_TAIL_BYTES = 64 * 1024


def peer_log_path(conf: HamaConfiguration, job_id: str, index: int) -> Path:
    """The log file of local peer *index*."""
    return job_log_dir(conf, job_id) / f"peer-{index:05d}.log"


class _Tee:
    """A text stream writing to the original stream and to a file."""

    def __init__(self, stream: TextIO, f: TextIO) -> None:
        self._stream = stream
        self._file = f

    def write(self, text: str) -> int:
        try:
            self._file.write(text)
            self._file.flush()
        except (OSError, ValueError):
            pass
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def capture_peer_output(conf: HamaConfiguration, job_id: str, index: int) -> None:
    """Copy this peer's stdout, stderr and log records into its log file (best effort)."""
    path = peer_log_path(conf, job_id, index)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        f = open(path, "a", encoding="utf-8", errors="replace", buffering=1)  # noqa: SIM115 - lives with the process
    except OSError as exc:
        log.debug("no peer log file %s: %s", path, exc)
        return
    sys.stdout = _Tee(sys.stdout, f)
    sys.stderr = _Tee(sys.stderr, f)
    handler = logging.StreamHandler(f)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    handler.setLevel(root.level if root.level else logging.WARNING)
    root.addHandler(handler)


def tail_file(path: Path, lines: int) -> str:
    """The last *lines* lines of a text file ('' if it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - _TAIL_BYTES))
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def local_peer_logs(conf: HamaConfiguration, job_id: str) -> dict[int, Path]:
    """Peer index -> log file of a local job's peers that wrote one."""
    out = {}
    d = job_log_dir(conf, job_id)
    for p in sorted(d.glob("peer-*.log")) if d.is_dir() else []:
        try:
            out[int(p.stem.split("-", 1)[1])] = p
        except ValueError:
            continue
    return out


_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.DOTALL | re.IGNORECASE)


def tail_nodemanager_log(logs_url: str, lines: int, timeout: float = 5.0, name: str = "stderr") -> str:
    """The tail of a running container's log file read from its NodeManager's web server."""
    if not logs_url:
        return ""
    base = logs_url if "://" in logs_url else f"http://{logs_url}"
    url = f"{base.rstrip('/')}/{name}/?start=-{_TAIL_BYTES}"
    import urllib.request  # here: local peers import this module, and urllib.request costs them 9 ms

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - cluster-internal http URL
            page = resp.read().decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        return f"(cannot read {url}: {exc})"
    import html

    blocks = _PRE.findall(page)
    text = html.unescape(blocks[-1] if blocks else re.sub(r"<[^>]+>", "", page))
    return "\n".join(text.splitlines()[-lines:])
