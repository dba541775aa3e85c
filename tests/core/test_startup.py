"""Local start-up: peers forked from the master (default) or spawned (``hama.local.peer.fork=false``),
the master forked from the client (default) or spawned (``hama.local.master.fork=false``), the master's readiness pipe, and a setup failure after the peers were forked.

Timing is measured by benchmarks/bench_startup.py, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import JOB_GROUP, Hama, job_script, parse_counters, read_observations

WHOAMI = job_script("core_whoami.py")
BAD_SPLITS = job_script("core_bad_splits.py")


@pytest.mark.parametrize("fork, entry", [("true", "appmaster"), ("false", "container")])
def test_forked_and_spawned_peers_run_the_same_job(hama: Hama, tmp_path: Path, fork: str, entry: str):
    out = tmp_path / "out"
    p = hama.run("run", WHOAMI, "-n", "3", "-o", str(out), "-D", f"hama.local.peer.fork={fork}")
    assert p.returncode == 0, p.stderr
    obs = read_observations(out)
    assert sorted(obs) == [0, 1, 2]
    assert [o["who"]["entry"] for o in obs.values()] == [entry] * 3  # type: ignore[index]
    assert [o["who"]["got"] for o in obs.values()] == [[0, 1, 2]] * 3  # type: ignore[index]
    ppids = {o["who"]["ppid"] for o in obs.values()}  # type: ignore[index]
    assert len(ppids) == 1 and os.getpid() not in ppids  # every peer is a child of the master process
    counters = parse_counters(p.stderr)
    assert counters[(JOB_GROUP, "SUPERSTEPS")] == 1
    assert counters[(JOB_GROUP, "LAUNCHED_TASKS")] == 3


def test_setup_failure_after_fork_ends_the_forked_peers_quietly(hama: Hama, tmp_path: Path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "a.txt").write_text("x\n")
    p = hama.run("run", BAD_SPLITS, "-n", "2", "-i", str(data), "--input-format", f"{BAD_SPLITS}:BadSplits")
    assert p.returncode == 1, p.stderr
    assert "Job setup failed" in p.stderr and "no splits today" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr, p.stderr  # the forked peers exit with one log line at most
    # (the hama fixture asserts that no master or peer process is left behind)


def test_master_that_exits_before_listening_is_reported(hama: Hama, tmp_path: Path):
    fake = tmp_path / "python-that-fails"
    fake.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    fake.chmod(0o755)
    p = hama.run("run", WHOAMI, "-n", "2", "-D", f"hama.peer.python={fake}", timeout=60)
    assert p.returncode == 1, p.stderr
    assert "the master process exited with code 3 before it started" in p.stderr, p.stderr


@pytest.mark.parametrize("fork", ["true", "false", "true+thread"])
def test_forked_and_spawned_master_run_the_job_alike(hama: Hama, tmp_path: Path, fork: str):
    """The master is forked from the client (default) or spawned; the peers see the user's module
    as its file defines it either way, not as the submitting program changed it, and the master
    and peers do not log through the program's log handlers."""
    out = tmp_path / "out"
    log = tmp_path / "client.log"
    p = subprocess.run([sys.executable, job_script("core_client_state.py"), str(out), fork, str(hama.tmp_dir), str(log)],
                       capture_output=True, text=True, timeout=90, env=hama.env, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    pids = {line.split(" ", 1)[0] for line in log.read_text().splitlines() if line[:1].isdigit()}
    assert pids == {p.stdout.strip()}, log.read_text()  # only the client logged to the program's handler
    obs = read_observations(out)
    assert sorted(obs) == [0, 1]
    states = [o["state"] for o in obs.values()]
    assert [s["value"] for s in states] == ["module default"] * 2  # type: ignore[index]
    master_cmds = {tuple(s["master_cmd"]) for s in states}  # type: ignore[index]
    assert len(master_cmds) == 1  # both peers are children of the one master
    (cmd,) = master_cmds
    spawned = any(os.path.basename(a.rstrip("/")) == "appmaster" for a in cmd)
    # forked: the client's command line; spawned: python appmaster/ (also when the client runs another thread)
    assert spawned == (fork != "true"), cmd


THREADS = job_script("core_threads.py")


@pytest.mark.parametrize("fork", ["true", "false"])
def test_peers_size_native_thread_pools_to_their_share_of_the_cpus(hama: Hama, tmp_path: Path, fork: str):
    """OMP_NUM_THREADS and friends: CPUs / peers in local mode, the key when set, the user's own
    environment variable kept; forked and spawned peers alike."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    share = max(1, len(os.sched_getaffinity(0)) // 2)
    cases = [([], {}, str(share), str(share)),
             (["-D", "hama.peer.native.threads=3"], {}, "3", "3"),
             ([], {"OPENBLAS_NUM_THREADS": "7"}, str(share), "7")]
    for i, (extra, user_env, omp, blas) in enumerate(cases):
        out = tmp_path / f"out{i}"
        p = hama.run("run", THREADS, "-n", "2", "-o", str(out), "-D", f"hama.local.peer.fork={fork}", *extra,
                     env={**env, **user_env})
        assert p.returncode == 0, p.stderr
        obs = read_observations(out)
        assert [o["threads"] for o in obs.values()] == [{"OMP_NUM_THREADS": omp, "OPENBLAS_NUM_THREADS": blas}] * 2


def test_a_submission_that_fails_after_the_early_fork_leaves_no_master(hama: Hama, tmp_path: Path):
    """The local master is forked when the submission begins (it imports while the client validates
    and stages); a submission that then fails kills it: an error, no process left behind."""
    import re

    import psutil

    missing = tmp_path / "no-such-input"
    p = hama.run("-v", "-v", "run", WHOAMI, "-n", "2", "-i", str(missing))
    assert p.returncode != 0
    assert str(missing) in p.stderr, p.stderr
    forked = re.search(r"master forked early \(pid (\d+)\)", p.stderr)
    assert forked, p.stderr  # the failure came after the fork
    pid = int(forked.group(1))
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


_EARLY = """
import os, sys
from pathlib import Path
from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import JobSubmissionError
from hama_yarn.launcher.local import fork_master_early, wait_for_master_pipe

tmp = Path(sys.argv[1])
seen, warmed = tmp / "seen.txt", tmp / "warmed.txt"

def main(args):
    ready = int(args[args.index("--ready-fd") + 1])
    seen.write_text(" ".join([*args, os.environ.get("HAMA_JOB_SECRET", "?"), str(os.getsid(0) == os.getpid())]))
    os.write(ready, b"127.0.0.1:4242\\n")
    return 7

def warm():
    warmed.write_text("imported")

conf = HamaConfiguration()
early = fork_master_early(conf, main, warm)
assert early is not None, "no other thread runs here: the master can be forked"
proc = early.start(["--job-dir", "/some/job", "--ready-fd", str(early.ready_w)], "s3cret", None)
try:
    early.start(["again"], "s3cret", None)
    raise AssertionError("a forked master takes one job")
except JobSubmissionError:
    pass
assert wait_for_master_pipe(conf, early.ready_r, proc.poll) == "127.0.0.1:4242"
os.close(early.ready_r)
assert proc.wait(30) == 7
assert warmed.read_text() == "imported"
assert seen.read_text() == f"--job-dir /some/job --ready-fd {early.ready_w} s3cret True", seen.read_text()
early.cancel()  # started: nothing happens

seen.unlink()
cancelled = fork_master_early(conf, main, warm)
assert cancelled is not None
pid = cancelled.process.pid
cancelled.cancel()
assert cancelled.process.poll() is not None  # killed and reaped
assert not seen.exists()

conf.set("hama.local.master.fork", "false")
assert fork_master_early(conf, main, warm) is None
print("ok")
"""


def test_early_forked_master_runs_main_with_the_job_it_is_given_or_exits_when_cancelled(tmp_path: Path):
    """fork_master_early in a process of its own (this one may run threads: then it declines to fork)."""
    p = subprocess.run([sys.executable, "-c", _EARLY, str(tmp_path)], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
