"""Job ids, history and leftovers on the submitting machine (issue 22 items 3, 6, 7, 10).

Unique local job ids, the status of finished jobs from the registry, ``-kill`` of a
finished job naming its real state, SIGTERM killing the job like Ctrl-C, no staging
directory (it holds the job secret) left behind, and a BSP class imported from the
user's own module or package loading in the peers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.user_modules import HELLO, write_driver

from .conftest import PEER_GROUP, Hama, job_script, processes_mentioning
from .test_faults import wait_for_running


def _job_ids(stderr: str) -> list[str]:
    return [line.split()[-1] for line in stderr.splitlines() if line.startswith("Running job: ")]


def _staging(hama: Hama) -> list[str]:
    d = hama.tmp_dir / "staging"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


# ----------------------------------------------------------------- unique ids, history
def test_sequential_jobs_get_unique_ids_and_all_are_listed(hama: Hama):
    ids = []
    for _ in range(3):
        p = hama.run("run", job_script("core_hello.py"), "-n", "2")
        assert p.returncode == 0, p.stderr
        ids.extend(_job_ids(p.stderr))
    assert len(ids) == 3 and len(set(ids)) == 3, ids
    listing = hama.run("job", "-list", "all")
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines() if line.startswith("job_")]
    assert sorted(r[0] for r in rows) == sorted(ids)
    assert all(r[1] == "SUCCEEDED" for r in rows), rows
    user = os.environ.get("HADOOP_USER_NAME") or __import__("getpass").getuser()
    assert all(r[3] == user for r in rows), rows


def test_status_of_finished_job_shows_final_state_supersteps_counters(hama: Hama):
    p = hama.run("run", job_script("core_hello.py"), "-n", "2")
    assert p.returncode == 0, p.stderr
    (job_id,) = _job_ids(p.stderr)
    st = hama.run("job", "-status", job_id)
    assert st.returncode == 0, st.stderr
    assert "Job state: SUCCEEDED" in st.stdout
    supersteps = next(line for line in p.stderr.splitlines() if "SUPERSTEPS=" in line).split("=")[1]
    assert f"Supersteps: {supersteps}" in st.stdout
    sent = next(line for line in p.stderr.splitlines() if "TOTAL_MESSAGES_SENT=" in line).strip()
    assert sent in st.stdout and PEER_GROUP in st.stdout


def test_kill_of_finished_job_names_its_real_state(hama: Hama):
    ok = hama.run("run", job_script("core_hello.py"), "-n", "2")
    bad = hama.run("run", job_script("core_fail.py"), "-n", "2", "-D", "test.fail.where=bsp")
    assert ok.returncode == 0 and bad.returncode == 1, (ok.stderr, bad.stderr)
    for p, state in ((ok, "SUCCEEDED"), (bad, "FAILED")):
        (job_id,) = _job_ids(p.stderr)
        k = hama.run("job", "-kill", job_id)
        assert k.returncode == 1
        assert f"Job {job_id} is not running ({state})" in k.stdout, k.stdout
        st = hama.run("job", "-status", job_id)
        assert st.returncode == 0 and f"Job state: {state}" in st.stdout, st.stdout + st.stderr


# ----------------------------------------------------------------- SIGTERM
def test_sigterm_kills_the_job_like_ctrl_c(hama: Hama, tmp_path: Path):
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "out"
    proc = hama.popen("run", job_script("core_sleeper.py"), "-n", "2", "-o", str(out),
                      "-D", f"test.marker.dir={markers}")
    try:
        job_id = wait_for_running(hama, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err
    assert not out.exists()
    assert sorted(f.name for f in markers.iterdir()) == ["cleanup-0", "cleanup-1"]
    assert not processes_mentioning(str(hama.tmp_dir))
    st = hama.run("job", "-status", job_id)
    assert "Job state: KILLED" in st.stdout, st.stdout + st.stderr
    assert _staging(hama) == []


# ----------------------------------------------------------------- leftovers
def test_no_staging_left_by_finished_failed_or_detached_jobs(hama: Hama):
    assert hama.run("run", job_script("core_hello.py"), "-n", "2").returncode == 0
    assert hama.run("run", job_script("core_fail.py"), "-n", "2", "-D", "test.fail.where=bsp").returncode == 1
    assert _staging(hama) == []
    d = hama.run("run", job_script("core_hello.py"), "-n", "2", "--detach")
    assert d.returncode == 0, d.stderr
    job_id = d.stdout.strip()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (_staging(hama) or processes_mentioning(str(hama.tmp_dir))):
        time.sleep(0.2)
    assert _staging(hama) == [], "a detached job's master removes its staging directory when it exits"
    st = hama.run("job", "-status", job_id)
    assert st.returncode == 0 and "Job state: SUCCEEDED" in st.stdout, st.stdout + st.stderr


def test_next_client_run_removes_orphaned_staging(hama: Hama):
    orphan = hama.tmp_dir / "staging" / "job_202001010000_0001"
    orphan.mkdir(parents=True)
    (orphan / "hama-secret").write_text("s3cret")
    (orphan / "master.json").write_text('{"address": "127.0.0.1:1", "pid": 999999999}')
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    assert hama.run("run", job_script("core_hello.py"), "-n", "2").returncode == 0
    assert not orphan.exists()


def test_killed_detached_job_master_exits_promptly(hama: Hama):
    d = hama.run("run", job_script("core_sleeper.py"), "-n", "2", "--detach")
    assert d.returncode == 0, d.stderr
    job_id = d.stdout.strip()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st = hama.run("job", "-status", job_id)
        if "Supersteps: " in st.stdout and "Supersteps: 0" not in st.stdout:
            break
        time.sleep(0.3)
    k = hama.run("job", "-kill", job_id)
    assert k.returncode == 0, k.stdout + k.stderr
    start = time.monotonic()
    while processes_mentioning(str(hama.tmp_dir)) and time.monotonic() - start < 30:
        time.sleep(0.2)
    assert not processes_mentioning(str(hama.tmp_dir))
    assert time.monotonic() - start < 15, "the killed job's master lingered for its client"
    st = hama.run("job", "-status", job_id)
    assert st.returncode == 0 and "Job state: KILLED" in st.stdout, st.stdout + st.stderr


# ----------------------------------------------------------------- classes from the user's own modules
def _run_driver(hama: Hama, cwd: Path, module: str, out: Path) -> subprocess.CompletedProcess[str]:
    write_driver(cwd, module)
    return subprocess.run([sys.executable, "driver.py", str(out), str(hama.tmp_dir)], cwd=cwd, capture_output=True,
                          text=True, timeout=90, env=hama.env)


def _greetings(out: Path) -> list[str]:
    return sorted(line for f in out.glob("part-*") for line in f.read_text().splitlines())


def test_bspjob_class_from_sibling_module(hama: Hama, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "hello.py").write_text(HELLO)
    p = _run_driver(hama, work, "hello", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    assert len(_greetings(tmp_path / "out")) == 4


def test_bspjob_class_from_local_package(hama: Hama, tmp_path: Path):
    work = tmp_path / "work"
    (work / "mypkg").mkdir(parents=True)
    (work / "mypkg" / "__init__.py").write_text("")
    (work / "mypkg" / "util.py").write_text("def tag(s):\n    return '<' + s + '>'\n")
    (work / "mypkg" / "jobs.py").write_text(HELLO.replace(
        '"hi from %s" % peer.get_peer_name()', 'tag("hi from %s" % peer.get_peer_name())').replace(
        "from hama_yarn import BSP", "from hama_yarn import BSP\nfrom .util import tag"))
    p = _run_driver(hama, work, "mypkg.jobs", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    lines = _greetings(tmp_path / "out")
    assert len(lines) == 4 and all(line.startswith("<hi from") for line in lines), lines


def test_class_of_interactive_main_is_a_clear_error(hama: Hama, tmp_path: Path):
    code = HELLO + textwrap.dedent(f"""
        from hama_yarn import BSPJob
        from hama_yarn.errors import ConfigError
        job = BSPJob(bsp_class=Hello)
        job.set("hama.tmp.dir", {str(hama.tmp_dir)!r})
        try:
            job.submit()
        except ConfigError as exc:
            print("ERROR", exc)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=hama.env)
    assert "ERROR bsp.work.class" in p.stdout and "__main__" in p.stdout, p.stdout + p.stderr


def test_unguarded_submit_in_a_script_fails_once_instead_of_recursing(hama: Hama, tmp_path: Path):
    # The peers import the script to find Hello, which runs its top-level code again; without
    # the guard each peer would submit a job whose peers submit again, without end. A valve
    # (at most 4 attempts) bounds the damage if the guard ever regresses.
    work = tmp_path / "work"
    work.mkdir()
    marks = tmp_path / "marks"
    (work / "job.py").write_text(HELLO + textwrap.dedent(f"""
        import os, sys
        from hama_yarn import BSPJob
        marks = {str(marks)!r}
        seen = open(marks).read().count("attempt") if os.path.exists(marks) else 0
        if seen < 4:
            with open(marks, "a") as f:
                f.write("attempt %d\\n" % os.getpid())
            job = BSPJob(bsp_class=Hello)
            job.set("hama.tmp.dir", {str(hama.tmp_dir)!r})
            job.set_num_bsp_task(2)
            job.set_output_path({str(tmp_path / "out")!r})
            job.submit()
            with open(marks, "a") as f:
                f.write("submitted %d\\n" % os.getpid())
            sys.exit(0 if job.wait_for_completion() else 1)
    """))
    p = subprocess.run([sys.executable, "job.py"], cwd=work, capture_output=True, text=True, timeout=90, env=hama.env)
    lines = marks.read_text().splitlines()
    assert p.returncode != 0, p.stderr
    assert 'if __name__ == "__main__":' in p.stderr, p.stderr
    submitted = [line for line in lines if line.startswith("submitted")]
    assert len(submitted) == 1 and len(lines) >= 2, lines  # only the client submitted; a peer tried and was refused
    assert not list((tmp_path / "out").glob("part-*"))
