"""Fixtures of the web UI tests: a gated job running in the background, its printed UI URL."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATED = str(ROOT / "tests" / "web" / "jobs" / "gated.py") + ":Gated"


@dataclass
class BackgroundJob:
    """A ``hama run`` of the gated job: its process, stderr file, printed UI URL and stop file."""

    proc: subprocess.Popen[str]
    err: Path
    stop: Path
    tmp: Path
    url: str = ""
    job_id: str = ""

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def wait_url(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stderr()
            m, j = re.search(r"^Web UI: (\S+)$", text, re.M), re.search(r"^Running job: (\S+)$", text, re.M)
            if m and j:
                self.url, self.job_id = m.group(1), j.group(1)
                return
            assert self.proc.poll() is None, f"hama run ended early:\n{text[-3000:]}"
            time.sleep(0.2)
        raise AssertionError(f"no 'Web UI:' line within {timeout}s:\n{self.stderr()[-3000:]}")

    def wait_superstep(self, n: int, timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = get_json(self.url + "api/v1/job")
            if job["superstep"] >= n:
                return job
            time.sleep(0.3)
        raise AssertionError(f"job did not reach superstep {n} within {timeout}s")

    def finish(self, timeout: float = 180.0) -> str:
        self.stop.touch()
        out, _ = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, self.stderr()[-3000:]
        return self.stderr()


def get(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=b"" if method in ("POST", "PUT") else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def get_json(url: str) -> Any:
    code, body = get(url)
    assert code == 200, (url, code, body[:500])
    return json.loads(body)


def start_gated(tmp: Path, env: dict[str, str] | None, *extra: str, peers: int = 3) -> BackgroundJob:
    stop = tmp / "stop"
    err = tmp / "run.err"
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", GATED, "-n", str(peers),
           "-D", f"hama.tmp.dir={tmp}", "-D", f"test.stop.file={stop}", "-D", "test.max.supersteps=100000", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(err, "w"), text=True, env=env, cwd=ROOT)  # noqa: SIM115
    job = BackgroundJob(proc, err, stop, tmp)
    return job


@pytest.fixture
def local_job(hama_tmp: Path) -> Iterator[BackgroundJob]:
    """A running local gated job (3 peers) whose UI URL was printed; stopped at the end."""
    job = start_gated(hama_tmp, None)
    try:
        job.wait_url()
        yield job
    finally:
        job.stop.touch()
        try:
            job.proc.wait(120)
        except subprocess.TimeoutExpired:
            job.proc.kill()
