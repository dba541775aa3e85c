"""``hama job -list | -status ID | -kill ID`` against a running local job; ``--detach``."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from .conftest import Hama, job_script, processes_mentioning
from .test_faults import wait_for_running

SLEEPER = job_script("core_sleeper.py")


def test_list_status_kill_running_job(hama: Hama, tmp_path: Path):
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "out"
    proc = hama.popen("run", SLEEPER, "-n", "3", "-o", str(out), "--name", "sleepy",
                      "-D", f"test.marker.dir={markers}")
    try:
        job_id = wait_for_running(hama, proc)
        assert re.fullmatch(r"job_\d{12}_\d{4}", job_id)

        p = hama.run("job", "-list")
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert lines[0] == "1 jobs currently running"
        assert "JobId\tState\tStartTime\tUserName" in lines
        row = next(l for l in lines if l.startswith(job_id))
        assert row.split("\t")[1] == "RUNNING"

        p = hama.run("job", "-status", job_id)
        assert p.returncode == 0, p.stderr
        assert "Job name: sleepy" in p.stdout
        assert "Job state: RUNNING" in p.stdout
        assert "Peers: 3" in p.stdout
        steps = int(re.search(r"Supersteps: (\d+)", p.stdout).group(1))
        assert steps >= 1
        peer_lines = [l for l in p.stdout.splitlines() if l.startswith("  peer ")]
        assert [l.split("\t")[0] for l in peer_lines] == ["  peer 0", "  peer 1", "  peer 2"]
        assert all("\tRUNNING\t" in l for l in peer_lines)
        assert re.search(r"^Counters: \d+$", p.stdout, re.M)

        # the hama-style (-status) and subcommand (status) spellings agree
        p2 = hama.run("job", "status", job_id)
        assert p2.returncode == 0 and "Job state: RUNNING" in p2.stdout

        p = hama.run("job", "-kill", job_id)
        assert p.returncode == 0, p.stderr
        assert f"Killed job {job_id}" in p.stdout

        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert f"Job killed: {job_id}" in err
    assert "killed by hama job -kill" in err
    assert not processes_mentioning(str(hama.tmp_dir))
    assert not out.exists()
    assert sorted(f.name for f in markers.iterdir()) == ["cleanup-0", "cleanup-1", "cleanup-2"]

    # the registry remembers the final state
    p = hama.run("job", "-list", "all")
    assert p.returncode == 0
    row = next(l for l in p.stdout.splitlines() if l.startswith(job_id))
    assert row.split("\t")[1] == "KILLED"
    p = hama.run("job", "-list")
    assert p.stdout.splitlines()[0] == "0 jobs currently running"


def test_status_and_kill_unknown_job(hama: Hama):
    for args in (("job", "-status", "job_200001010000_0001"), ("job", "-kill", "job_200001010000_0001")):
        p = hama.run(*args)
        assert p.returncode == 1
        assert "Could not find job job_200001010000_0001" in p.stderr
    p = hama.run("job")
    assert p.returncode == 2


def _registry(hama: Hama) -> list[dict]:
    d = hama.tmp_dir / "jobs"
    return [json.loads(f.read_text()) for f in d.glob("job_*.json")] if d.is_dir() else []


def test_detach_returns_job_id_promptly(hama: Hama):
    proc = hama.popen("run", SLEEPER, "-n", "2", "--detach", "-D", "test.steps=100")
    try:
        out, err = proc.communicate(timeout=8)
        assert proc.returncode == 0, err
        assert re.fullmatch(r"job_\d{12}_\d{4}\n", out)
    finally:
        if proc.poll() is None:
            proc.kill()
        for entry in _registry(hama):
            hama.run("job", "-kill", entry["job_id"])
            try:
                os.kill(int(entry["pid"]), signal.SIGTERM)  # the detached master started by this test
            except OSError:
                pass
        proc.communicate(timeout=30)


# ----------------------------------------------------------------- the same through the BSPJob API
def _api_job(hama: Hama, script: str, **conf: str):
    from hama_yarn import BSPJob
    from hama_yarn.config import HamaConfiguration

    c = HamaConfiguration()
    c.set("hama.tmp.dir", str(hama.tmp_dir))
    for k, v in conf.items():
        c.set(k, v)
    job = BSPJob(c, script)
    job.set_num_bsp_task(3)
    return job


def test_bspjob_failed_job(hama: Hama):
    job = _api_job(hama, job_script("core_fail.py") + ":Fail", **{"test.fail.where": "bsp"})
    assert job.wait_for_completion(verbose=False) is False
    assert job.is_complete() and not job.is_successful()
    assert job.get_state() == "FAILED"
    diag = job.get_diagnostics()
    assert "peer 1 " in diag and "at superstep 2" in diag and "ValueError: boom in bsp" in diag
    with pytest.raises(Exception, match="already submitted"):
        job.set_num_bsp_task(4)


def test_bspjob_kill(hama: Hama):
    job = _api_job(hama, SLEEPER + ":Sleeper")
    job.submit()
    deadline = time.monotonic() + 30
    while job.get_superstep_count() < 1:
        assert time.monotonic() < deadline and not job.is_complete()
        time.sleep(0.1)
    job.kill_job()
    assert job.wait_for_completion(verbose=False) is False
    assert job.get_state() == "KILLED"
    assert "killed by BSPJob.kill_job()" in job.get_diagnostics()
