"""Shared helpers of the BSP core suite: run the ``hama`` CLI, read part files, find stray processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

JOBS = Path(__file__).resolve().parent / "jobs"
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]

PEER_GROUP = "org.apache.hama.bsp.BSPPeerImpl$PeerCounter"
JOB_GROUP = "org.apache.hama.bsp.JobInProgress$JobCounter"


def job_script(name: str) -> str:
    """Absolute path of a test BSP script in tests/core/jobs/."""
    path = JOBS / name
    assert path.is_file(), path
    return str(path)


@dataclass
class Hama:
    """Runs the ``hama`` CLI with an isolated ``hama.tmp.dir``."""

    tmp: Path
    env: dict[str, str]

    @property
    def tmp_dir(self) -> Path:
        return self.tmp / "hama-tmp"

    def args(self, *args: str) -> list[str]:
        return [*HAMA, *args, "-D", f"hama.tmp.dir={self.tmp_dir}"]

    def run(self, *args: str, timeout: float = 90, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.args(*args), capture_output=True, text=True, timeout=timeout,
                              env={**self.env, **(env or {})}, stdin=subprocess.DEVNULL)

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(self.args(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**self.env, **(env or {})}, stdin=subprocess.DEVNULL)


@pytest.fixture
def hama(tmp_path: Path) -> Hama:
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    env.pop("HAMA_KEEP_STAGING", None)
    h = Hama(tmp_path, env)
    yield h
    # No test may leave a master or peer process of its jobs behind.
    strays = wait_no_processes(str(h.tmp_dir), timeout=15)
    for p in strays:
        try:
            p.kill()
        except psutil.Error:
            pass
    assert not strays, f"stray processes: {[(p.pid, p.info.get('cmdline')) for p in strays]}"


def processes_mentioning(text: str) -> list[psutil.Process]:
    """Live processes whose command line contains *text* (zombies excluded)."""
    out = []
    me = os.getpid()
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if p.pid == me or p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(text in part for part in (p.info["cmdline"] or [])):
                out.append(p)
        except psutil.Error:
            continue
    return out


def wait_no_processes(text: str, timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while True:
        procs = processes_mentioning(text)
        if not procs or time.monotonic() > deadline:
            return procs
        time.sleep(0.1)


def read_records(out_dir: Path) -> dict[int, list[tuple[str, str]]]:
    """``{task index: [(key, value), ...]}`` of the text part files (lines split at the first tab)."""
    parts: dict[int, list[tuple[str, str]]] = {}
    for f in sorted(out_dir.glob("part-*")):
        idx = int(f.name.split("-")[1])
        rows = []
        for line in f.read_text().splitlines():
            k, _, v = line.partition("\t")
            rows.append((k, v))
        parts[idx] = rows
    return parts


def read_observations(out_dir: Path) -> dict[int, dict[str, object]]:
    """Output of jobs that write ``peer.write(tag, json.dumps(obj))``: ``{index: {tag: obj}}``."""
    out: dict[int, dict[str, object]] = {}
    for idx, rows in read_records(out_dir).items():
        obs: dict[str, object] = {}
        for k, v in rows:
            assert k not in obs, f"duplicate tag {k} in part {idx}"
            obs[k] = json.loads(v)
        out[idx] = obs
    return out


_COUNTER_LINE = re.compile(r"^    ([A-Za-z0-9_.$]+)=(-?\d+)$")


def parse_counters(stderr: str) -> dict[tuple[str, str], int]:
    """Parse the CLI's ``Counters: N`` block; checks N equals the number of counters listed."""
    lines = stderr.splitlines()
    starts = [i for i, l in enumerate(lines) if re.fullmatch(r"Counters: \d+", l)]
    assert starts, f"no 'Counters: N' block in:\n{stderr}"
    i = starts[-1]
    n = int(lines[i].split()[1])
    counters: dict[tuple[str, str], int] = {}
    group = None
    for line in lines[i + 1:]:
        if line.startswith("    "):
            m = _COUNTER_LINE.match(line)
            assert m and group, line
            counters[(group, m.group(1))] = int(m.group(2))
        elif line.startswith("  ") and not line.startswith("   "):
            group = line.strip()
        else:
            break
    assert len(counters) == n, f"Counters: {n} but {len(counters)} listed"
    return counters
