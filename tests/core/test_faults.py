"""Bad input and faults through the ``hama`` CLI: exit codes, one-line errors, diagnostics, no stray processes."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import Hama, job_script, processes_mentioning

FAIL = job_script("core_fail.py")


def error_lines(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if l.strip()]


# ----------------------------------------------------------------- usage errors: exit 2, one line, no job
@pytest.mark.parametrize("extra,needle", [
    (["-D", "bsp.peers.num=abc"], "bsp.peers.num"),
    (["-n", "0"], "bsp.peers.num"),
    (["--input-format", "bogus"], "bsp.input.format.class"),
    (["--output-format", "bogus"], "bsp.output.format.class"),
    (["-D", "hama.queue.behaviour.persistent=maybe"], "hama.queue.behaviour.persistent"),
    (["-D", "noequals"], "noequals"),
])
def test_bad_configuration_exit_2_naming_key(hama: Hama, extra, needle):
    p = hama.run("run", job_script("core_dump.py"), *extra)
    assert p.returncode == 2, p.stderr
    lines = error_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert needle in lines[0] and lines[0].startswith("hama: error:")
    assert not (hama.tmp_dir / "jobs").exists(), "nothing may be submitted"


def test_missing_input_path(hama: Hama, tmp_path: Path):
    missing = tmp_path / "no" / "such.txt"
    p = hama.run("run", job_script("core_dump.py"), "-i", str(missing), "-o", str(tmp_path / "out"))
    assert p.returncode == 2
    assert error_lines(p.stderr) == [f"hama: error: Input path does not exist: {missing}"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("script,needle", [
    ("core_no_bsp.py", "defines no BSP subclass"),
    ("core_dump.py:NoSuch", "NoSuch"),
    ("core_two_classes.py", "several BSP classes"),
    ("core_missing_script.py", "script not found"),
    ("core_no_bsp.py:NotABSP", "not a BSP subclass"),
])
def test_bad_script_one_line_exit_2(hama: Hama, script, needle):
    name, _, cls = script.partition(":")
    spec = str(Path(job_script("core_dump.py")).parent / name) + (f":{cls}" if cls else "")
    p = hama.run("run", spec, "-n", "2")
    assert p.returncode == 2, p.stderr
    lines = error_lines(p.stderr)
    assert len(lines) == 1 and needle in lines[0], p.stderr


def test_choosing_one_of_two_classes_works(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_two_classes.py") + ":Second", "-n", "2", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert sorted((out / f"part-0000{i}").read_text() for i in range(2)) == ["second\t0\n", "second\t1\n"]


# ----------------------------------------------------------------- user exceptions
@pytest.mark.parametrize("where,exc,step", [
    ("setup", "RuntimeError: boom in setup on peer 1", 0),
    ("bsp", "ValueError: boom in bsp on peer 1 at superstep 2", 2),
    ("cleanup", "KeyError: 'boom in cleanup on peer 1'", 3),
])
def test_user_exception_fails_job(hama: Hama, tmp_path: Path, where, exc, step):
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "out"
    p = hama.run("run", FAIL, "-n", "3", "-o", str(out), "-D", f"test.fail.where={where}",
                 "-D", f"test.marker.dir={markers}", timeout=60)
    assert p.returncode == 1, p.stderr
    err = p.stderr
    assert "Job failed" in err
    diag = next(l for l in err.splitlines() if l.startswith("Task attempt_"))
    assert "peer 1 " in diag and f"at superstep {step}:" in diag and exc in diag
    assert "Traceback (most recent call last)" in err
    assert f'core_fail.py", line' in err and f"in {where}" in err
    # cleanup ran on every peer, the failing one included
    assert sorted(f.name for f in markers.iterdir()) == ["cleanup-0", "cleanup-1", "cleanup-2"]
    # a failed job leaves no output directory behind (the setup case races with peers that open
    # their output late: see test_late_peer_output_removed_after_failure)
    if where != "setup":
        assert not out.exists()


def test_failed_job_leaves_existing_output_dir_empty(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    p = hama.run("run", FAIL, "-n", "3", "-o", str(out), "-D", "test.fail.where=bsp", timeout=60)
    assert p.returncode == 1
    assert out.is_dir() and list(out.iterdir()) == []


def test_late_peer_output_removed_after_failure(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_slow_peer0.py"), "-n", "3", "-o", str(out), timeout=60)
    assert p.returncode == 1
    assert "boom in setup on peer 1" in p.stderr
    left = sorted(str(f.relative_to(tmp_path)) for f in out.rglob("*")) if out.exists() else []
    assert not out.exists(), f"left behind: {left}"


def test_no_failure_baseline(hama: Hama, tmp_path: Path):
    """The same job without a failure succeeds (so the failures above come from the injected errors)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "out"
    p = hama.run("run", FAIL, "-n", "3", "-o", str(out), "-D", f"test.marker.dir={markers}")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in markers.iterdir()) == ["cleanup-0", "cleanup-1", "cleanup-2"]
    assert all(f.read_text() == "3" for f in markers.iterdir())
    assert (out / "part-00002").read_text() == "2\t0\n2\t1\n2\t2\n"


def test_unknown_peer_name_error_reaches_cli(hama: Hama, tmp_path: Path):
    p = hama.run("run", FAIL, "-n", "3", "-D", "test.fail.where=unknownpeer", timeout=60)
    assert p.returncode == 1
    diag = next(l for l in p.stderr.splitlines() if l.startswith("Task attempt_"))
    assert "peer 1 " in diag and "at superstep 2:" in diag
    assert "PeerNotFoundError: unknown peer name 'bogus-host:1'" in diag


# ----------------------------------------------------------------- a peer process killed with SIGKILL
def test_sigkilled_peer_fails_job_fast(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    start = time.monotonic()
    p = hama.run("run", FAIL, "-n", "3", "-o", str(out), "-D", "test.fail.where=sigkill", timeout=60)
    elapsed = time.monotonic() - start
    assert p.returncode == 1, p.stderr
    assert elapsed < 15, f"the master took {elapsed:.1f}s to notice the dead peer"
    diag = next(l for l in p.stderr.splitlines() if l.startswith("Task attempt_"))
    assert "peer 1 " in diag and "SIGKILL" in diag
    assert not out.exists()
    # when hama exits, the master and every peer process of the job are gone
    assert not processes_mentioning(str(hama.tmp_dir))


def test_sigkilled_peer_diagnostics_name_its_superstep(hama: Hama):
    # Heartbeats are slowed down so only barrier progress can tell the master where the peer was.
    p = hama.run("run", FAIL, "-n", "3", "-D", "test.fail.where=sigkill",
                 "-D", "hama.peer.heartbeat.interval.ms=20000", timeout=60)
    assert p.returncode == 1
    diag = next(l for l in p.stderr.splitlines() if l.startswith("Task attempt_"))
    assert "peer 1 " in diag and "SIGKILL" in diag
    assert "at superstep 2:" in diag, diag


# ----------------------------------------------------------------- Ctrl-C
def wait_for_running(hama: Hama, proc, timeout: float = 30.0) -> str:
    """Job id of the single job in the registry once it runs superstep >= 1."""
    from hama_yarn.client import connect_job, list_jobs
    from hama_yarn.config import HamaConfiguration

    conf = HamaConfiguration(load_defaults=False, values={"hama.tmp.dir": str(hama.tmp_dir)})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        jobs = list_jobs(conf)
        if jobs:
            job = connect_job(conf, jobs[0]["job_id"])
            try:
                st = job.status()
                if st.state == "RUNNING" and st.superstep >= 1:
                    return jobs[0]["job_id"]
            finally:
                job._rpc.close()
        time.sleep(0.2)
    raise AssertionError("job did not start running")


def test_ctrl_c_exits_130_and_stops_everything(hama: Hama, tmp_path: Path):
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "out"
    proc = hama.popen("run", job_script("core_sleeper.py"), "-n", "3", "-o", str(out),
                      "-D", f"test.marker.dir={markers}")
    try:
        wait_for_running(hama, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not processes_mentioning(str(hama.tmp_dir)), "master and peers must be gone when hama exits"
    assert not out.exists()
    assert sorted(f.name for f in markers.iterdir()) == ["cleanup-0", "cleanup-1", "cleanup-2"]


# ----------------------------------------------------------------- a barrier that can never complete
def test_uneven_supersteps_fail_at_barrier_timeout(hama: Hama):
    start = time.monotonic()
    p = hama.run("run", job_script("core_uneven.py"), "-n", "3", "-D", "hama.sync.barrier.timeout.ms=1500", timeout=60)
    assert p.returncode == 1
    assert time.monotonic() - start < 20
    diag = next(l for l in p.stderr.splitlines() if l.startswith("Task attempt_"))
    assert "peer 1 " in diag and "at superstep 2:" in diag
    # Either the barrier timed out or (sooner) the master saw the other peers finish.
    assert "BarrierTimeoutError" in diag or "different number of times" in diag


def test_uneven_supersteps_fail_fast(hama: Hama):
    try:
        p = hama.run("run", job_script("core_uneven.py"), "-n", "3", timeout=8)
    except subprocess.TimeoutExpired:
        for proc in processes_mentioning(str(hama.tmp_dir)):
            try:
                proc.kill()
            except Exception:  # noqa: BLE001
                pass
        raise AssertionError("the job hung with peer 1 alone in the barrier of superstep 2") from None
    assert p.returncode == 1
    assert "peer 1" in p.stderr and "superstep 2" in p.stderr
