"""Fixtures for the YARN-mode tests: the real ResourceManager/NodeManager and HDFS of tests/cluster."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = ("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")


@pytest.fixture
def yarn_env(cluster_env: dict[str, str], skein_client: Any, hama_tmp: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Client env for YARN jobs; in-process jobs share the session's skein driver.

    After the test, no hama application may still be running.
    """
    from hama_yarn.launcher.yarn import submit as yarn_launcher

    monkeypatch.setattr(yarn_launcher, "_client", skein_client)
    env = dict(os.environ)
    env["HAMA_TMP"] = str(hama_tmp)
    yield env
    assert_no_hama_apps(skein_client)


def assert_no_hama_apps(client: Any, timeout: float = 60.0) -> None:
    """Fail if a hama-tagged application is still active after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while True:
        active = [r for r in client.get_applications(states=list(ACTIVE[2:])) if "hama" in set(r.tags or ())]
        if not active or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for r in active:
        client.kill_application(r.id)
    assert not active, f"hama applications left running: {[(r.id, str(r.state)) for r in active]}"


def app_of(client: Any, job_id: str) -> Any:
    """The YARN application report of hama job *job_id* (``job_<ts>_<n>`` is ``application_<ts>_<n>``)."""
    assert job_id.startswith("job_"), job_id
    report = client.application_report("application_" + job_id[4:])
    assert "hama" in set(report.tags or ()), report.tags
    return report


def wait_final(client: Any, app_id: str, timeout: float = 90.0) -> Any:
    """The application's report once it is FINISHED, FAILED or KILLED."""
    deadline = time.monotonic() + timeout
    report = client.application_report(app_id)
    while str(report.state) in ACTIVE and time.monotonic() < deadline:
        time.sleep(0.3)
        report = client.application_report(app_id)
    assert str(report.state) not in ACTIVE, f"{app_id} still {report.state}"
    return report


def signal_running_job(env: dict[str, str], signum: int) -> tuple[int, str, str]:
    """Run jobs/slow.py on YARN through the CLI, send *signum* at superstep 2.

    Returns ``(exit code, stderr before the signal, stderr after it)``.
    """
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", str(Path(__file__).parent / "jobs" / "slow.py"),
           "-n", "2", "-r", "yarn", "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stderr is not None
    seen = ""
    for line in proc.stderr:
        seen += line
        if "Current supersteps number: 2" in line:
            break
    proc.send_signal(signum)
    _, rest = proc.communicate(timeout=120)
    return proc.returncode, seen, rest


def hama(env: dict[str, str], *args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    """Run the ``hama`` CLI of this checkout with the cluster env."""
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture
def hdfs_dir(hdfs: Any, cluster_env: dict[str, str]) -> Iterator[str]:
    """A fresh HDFS directory URL (removed afterwards)."""
    from hama_yarn.io.fs import resolve

    url = f"{cluster_env['HAMA_HDFS_URL']}/tmp/hama-yarn-tests/{uuid.uuid4().hex[:10]}"
    fs, path = resolve(url)
    fs.makedirs(path, exist_ok=True)
    yield url
    try:
        fs.rm(path, recursive=True)
    except Exception:  # noqa: BLE001
        pass


def read_parts(url: str) -> list[str]:
    """Lines of every ``part-*`` file under an output directory URL."""
    from hama_yarn.io.fs import resolve

    fs, path = resolve(url)
    lines: list[str] = []
    for part in sorted(p for p in fs.ls(path, detail=False) if p.rsplit("/", 1)[-1].startswith("part-")):
        lines.extend(fs.cat_file(part).decode().splitlines())
    return lines
