"""Classic cluster mode end to end: a bspmaster and grooms as real processes, jobs through the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from hama_yarn.registry import pid_alive

from .conftest import HAMA, Cluster


def _gone(pid: int) -> bool:
    """The process ended (a zombie waiting for a reaper counts: the daemon's parent exited at start)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return not pid_alive(pid)


def _job_id(stderr: str) -> str:
    for word in stderr.replace(":", " ").split():
        if word.startswith("job_"):
            return word
    raise AssertionError(f"no job id in {stderr!r}")


def test_pi_runs_on_grooms_and_leaves_task_logs(bsp_cluster: Cluster, tmp_path: Path) -> None:
    out = tmp_path / "pi-out"
    r = bsp_cluster.hama("example", "pi", "-n", "5", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "Estimated value of PI is\t3.1" in bsp_cluster.hama("example", "pi", "-n", "2").stdout
    assert "LAUNCHED_TASKS=5" in r.stderr
    # Five tasks on 2+2+1 slots: every groom ran some, each has its task logs.
    job_dirs = list((tmp_path / "logs" / "tasklogs").iterdir())
    assert len(job_dirs) == 2 and job_dirs[0].name.startswith("job_")
    assert sorted(len(list(d.glob("attempt_*.log"))) for d in job_dirs) == [2, 5]
    for name in ("g1", "g2", "g3"):
        assert "launched attempt_" in (tmp_path / f"{name}.out").read_text()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("part-")) == [f"part-{i:05d}" for i in range(5)]


def test_job_larger_than_the_cluster_fails_at_submit(bsp_cluster: Cluster) -> None:
    r = bsp_cluster.hama("example", "pi", "-n", "6")
    assert r.returncode == 1
    assert "needs 6 tasks but the cluster has 5 task slots" in r.stderr


def test_second_job_waits_in_the_queue_then_runs(bsp_cluster: Cluster, sleep_script: Path, tmp_path: Path) -> None:
    first = bsp_cluster.popen("run", f"{sleep_script}:Sleep", "-n", "4", "-o", str(tmp_path / "o1"),
                          "-D", "test.sleep.seconds=4")
    # wait until the first job holds its slots
    deadline = time.monotonic() + 60
    while "placed" not in (tmp_path / "bspmaster.out").read_text():
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.1)
    second = bsp_cluster.hama("run", f"{sleep_script}:Sleep", "-n", "3", "-o", str(tmp_path / "o2"),
                          "-D", "test.sleep.seconds=0")
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, second.stderr
    assert "queued at 127.0.0.1" in second.stderr and "waiting for 3 free task slots" in second.stderr
    log = (tmp_path / "bspmaster.out").read_text()
    first_id, second_id = _job_id(err1), _job_id(second.stderr)
    # FIFO: the second job was placed only after the first one's peers ended (their slots freed).
    assert log.index(f"job {first_id} placed") < log.index(f"job {second_id} queued") < log.index(
        f"job {second_id} placed")
    assert f"job {first_id} SUCCEEDED" in log
    assert len(list((tmp_path / "o2").glob("part-*"))) == 3


def test_queue_timeout_fails_a_job_that_never_fits(tmp_path: Path, sleep_script: Path) -> None:
    c = Cluster(tmp_path)
    try:
        c.start_master("-D", "bsp.master.queue.timeout.ms=1500", "-D", "bsp.tasks.maximum.total=4")
        c.start_groom("g1", 1)
        c.wait_grooms({"g1"})
        r = c.hama("run", f"{sleep_script}:Sleep", "-n", "2")
        assert r.returncode == 1
        assert "not scheduled within 1.5s (bsp.master.queue.timeout.ms)" in r.stderr
    finally:
        c.close()


def test_killed_groom_fails_the_job_and_is_declared_dead(bsp_cluster: Cluster, sleep_script: Path,
                                                         tmp_path: Path) -> None:
    job = bsp_cluster.popen("run", f"{sleep_script}:Sleep", "-n", "5", "-D", "test.sleep.seconds=600")
    deadline = time.monotonic() + 60
    while (tmp_path / "g2.out").read_text().count("launched attempt_") < 2:
        assert time.monotonic() < deadline and job.poll() is None
        time.sleep(0.1)
    bsp_cluster.grooms["g2"].send_signal(signal.SIGKILL)
    _, err = job.communicate(timeout=120)  # far below the 600 s the job would sleep
    assert job.returncode == 1
    assert "groom g2 declared dead" in err
    assert "g2 declared dead: no heartbeat" in (tmp_path / "bspmaster.out").read_text()
    # The master keeps serving: g2 is gone from the active grooms, and a new job runs on the others.
    assert {line.split("\t")[0] for line in bsp_cluster.hama("job", "-list-active-grooms").stdout.splitlines()} == \
        {"g1", "g3"}
    r = bsp_cluster.hama("example", "pi", "-n", "3")
    assert r.returncode == 0, r.stderr


def test_list_active_grooms_shows_slots(bsp_cluster: Cluster) -> None:
    lines = bsp_cluster.wait_grooms({"g1", "g2", "g3"})
    rows = {line.split("\t")[0]: line for line in lines}
    assert "slots 2" in rows["g1"] and "slots 1" in rows["g3"] and "127.0.0.1" in rows["g2"]


def test_wrong_cluster_secret_is_refused(bsp_cluster: Cluster, tmp_path: Path) -> None:
    bad = tmp_path / "bad.secret"
    bad.write_text("not-the-secret\n")
    bad.chmod(0o600)
    r = bsp_cluster.hama("example", "pi", "-n", "1", "-D", f"hama.cluster.secret.file={bad}")
    assert r.returncode == 1
    assert "cannot submit to the bspmaster" in r.stderr


def test_daemon_start_stop_and_sigterm_leave_no_process(tmp_path: Path) -> None:
    port = Cluster(tmp_path).port
    d = ["-D", f"hama.tmp.dir={tmp_path}", "-D", f"bsp.master.port={port}", "-D", "hama.web.enabled=false"]

    def hama(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(HAMA + list(args) + d, capture_output=True, text=True, timeout=120)

    r = hama("daemon", "start", "bspmaster")
    assert r.returncode == 0, r.stderr
    assert "starting bspmaster, logging to" in r.stdout
    r = hama("daemon", "start", "groom", "-D", "bsp.groom.name=ga", "-D", "bsp.tasks.maximum=2")
    assert r.returncode == 0, r.stderr
    assert hama("daemon", "start", "bspmaster").stdout.startswith("bspmaster running as process")
    pids = {p.name: int(p.read_text()) for p in (tmp_path / "pids").glob("*.pid")}
    assert len(pids) == 2 and all(pid_alive(p) for p in pids.values())
    deadline = time.monotonic() + 30
    while "ga" not in hama("job", "-list-active-grooms", "-r", "cluster").stdout:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    r = hama("example", "pi", "-n", "2", "-r", "cluster")
    assert r.returncode == 0, r.stderr
    # A running task is stopped with its groom.
    job = subprocess.Popen(HAMA + ["example", "pi", "-n", "2", "--iterations", "500000000", "-r", "cluster"] + d,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs = tmp_path / "logs" / "tasklogs"
    while len(list(logs.glob("*/*.log"))) < 4:
        assert time.monotonic() < deadline + 60 and job.poll() is None
        time.sleep(0.1)
    assert hama("daemon", "stop", "groom", "-D", "bsp.groom.name=ga").returncode == 0
    _, err = job.communicate(timeout=60)
    assert job.returncode == 1, err
    assert hama("daemon", "stop", "bspmaster").returncode == 0
    assert not list((tmp_path / "pids").glob("*.pid"))
    for name, pid in pids.items():
        assert _gone(pid), (name, Path(f"/proc/{pid}/cmdline").read_text(errors="replace"),
                            Path(f"/proc/{pid}/stat").read_text(errors="replace"))
    assert hama("daemon", "stop", "groom", "-D", "bsp.groom.name=ga").stdout.strip() == "no groom to stop"
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in ps
    assert os.environ.get("HAMA_JOB_SECRET") is None
