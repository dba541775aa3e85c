"""Out-of-core messaging in local mode (issue 23): spilling/disk receive queues, bounded send
buffers, peak-RSS counters and the memory limit, spill files removed on every exit.

The 1 GiB tests (3 peers x 1 GiB of 64 KiB messages to one peer) take ~30-80 s each on 2 cores.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOOD = str(Path(__file__).resolve().parent / "jobs" / "flood.py")
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]
GiB, MiB = 1 << 30, 1 << 20


def _args(tmp: Path, queue: str, nbytes: int, peers: int = 4, **conf: object) -> list[str]:
    args = [*HAMA, "run", FLOOD, "-n", str(peers), "-D", f"hama.tmp.dir={tmp}", "-D", f"flood.bytes={nbytes}",
            "-D", f"hama.messenger.receive.queue.class={queue}"]
    for k, v in conf.items():
        args += ["-D", f"{k}={v}"]
    return args


def _run(tmp: Path, queue: str, nbytes: int, timeout: float = 600, **conf: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("LOCAL_DIRS", None)
    return subprocess.run(_args(tmp, queue, nbytes, **conf), capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def counters(stderr: str) -> dict[str, int]:
    """``NAME=value`` lines of the ``Counters:`` block."""
    block = stderr[stderr.rindex("Counters:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)=(-?\d+)$", block, re.M)}


def spill_files(tmp: Path) -> list[Path]:
    root = tmp / "bsp" / "local" / "hama-spill"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def check_flood(r: subprocess.CompletedProcess[str], senders: int, nbytes: int, rss_cap: int | None) -> dict[str, int]:
    assert r.returncode == 0, r.stderr[-4000:]
    c = counters(r.stderr)
    n = senders * (nbytes // (64 << 10))
    assert c["SENT_COUNT"] == c["RECV_COUNT"] == n
    assert c["SENT_SUM"] == c["RECV_SUM"]
    peaks = {k: v for k, v in c.items() if k.startswith("PEAK_RSS_BYTES_PEER_")}
    assert len(peaks) == senders + 1, c
    if rss_cap is not None:
        assert max(peaks.values()) < rss_cap, peaks
    assert re.search(r"Current supersteps number: \d+ \(.*peak RSS \d+ MiB \(peer \d\)", r.stderr), r.stderr[-3000:]
    return c


@pytest.mark.parametrize("queue", ["spilling", "disk"])
def test_three_gib_to_one_peer_within_400_mib(queue: str, tmp_path: Path) -> None:
    """3 peers x 1 GiB (64 KiB messages) to one peer in one superstep; every peer stays < 400 MiB RSS."""
    r = _run(tmp_path, queue, GiB, **{"hama.messenger.spill.threshold.bytes": 64 * MiB})
    check_flood(r, 3, GiB, 400 * MiB)
    assert spill_files(tmp_path) == []


def test_memory_queue_fails_clearly_at_the_cap(tmp_path: Path) -> None:
    """The same flood into the in-memory queue under a 512 MiB cap: a clear failure, not an OOM kill."""
    r = _run(tmp_path, "memory", GiB, **{"hama.peer.memory.limit.mb": 512})
    assert r.returncode == 1, r.stderr[-3000:]
    m = re.search(r"peer 0 passed its memory limit in superstep 0: resident memory (\d+) MiB > 512 MiB "
                  r"\(hama.peer.memory.limit.mb\); its receive queue holds (\d+) bytes", r.stderr)
    assert m, r.stderr[-4000:]
    assert int(m.group(1)) > 512 and int(m.group(2)) > 0
    assert "hama.messenger.receive.queue.class=spilling" in r.stderr
    diag = r.stderr[r.stderr.index("Job failed"):]
    assert "peer 0" in diag.splitlines()[1] and "MemoryLimitError" in diag.splitlines()[1], diag[:2000]


@pytest.mark.parametrize("queue", ["memory", "sorted", "spilling", "disk"])
def test_bounded_send_buffer_streams_in_order(queue: str, tmp_path: Path) -> None:
    """A 1 MiB send cap: 3 x 24 MiB leave during the superstep, each sender's order kept, nothing twice."""
    r = _run(tmp_path, queue, 24 * MiB, **{"hama.messenger.max.buffer.bytes": MiB,
                                           "hama.messenger.spill.threshold.bytes": 4 * MiB})
    # (sorted hands over in byte order: per sender that is send order for these messages)
    check_flood(r, 3, 24 * MiB, None)
    assert spill_files(tmp_path) == []


def test_spill_files_gone_after_failure(tmp_path: Path) -> None:
    r = _run(tmp_path, "disk", 16 * MiB, **{"flood.fail.after.sync": "1"})
    assert r.returncode == 1 and "failing on purpose" in r.stderr, r.stderr[-3000:]
    assert spill_files(tmp_path) == []


def test_spill_files_gone_after_kill(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    env = dict(os.environ)
    env.pop("LOCAL_DIRS", None)
    proc = subprocess.Popen(_args(tmp_path, "disk", 16 * MiB, **{"flood.sleep.after.sync": 120, "flood.marker": marker}),
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the job never reached its sleep"
            time.sleep(0.2)
        files = spill_files(tmp_path)
        assert files and sum(f.stat().st_size for f in files) >= 3 * 16 * MiB  # the messages wait on disk
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the client kills the job
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 30
    while spill_files(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert spill_files(tmp_path) == []
