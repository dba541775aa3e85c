"""Classic cluster mode: the cluster web UI, a bspmaster restart, shipped files, concurrent jobs."""

from __future__ import annotations

import json
import re
import signal
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import Cluster


def _get(url: str, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(url, method=method, data=b"" if method in ("POST", "PUT") else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _wait_for(pred, timeout: float = 60.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _ui_url(c: Cluster) -> str:
    m = re.search(r"^Web UI: (\S+)$", (c.root / "bspmaster.out").read_text(), re.M)
    assert m, (c.root / "bspmaster.out").read_text()
    return m.group(1)


def test_cluster_web_ui_and_api(six_slots: Cluster, sleep_script: Path, tmp_path: Path) -> None:
    url = _ui_url(six_slots)
    job = six_slots.popen("run", f"{sleep_script}:Sleep", "-n", "3", "-D", "test.sleep.seconds=600")
    try:
        jobs: list[dict[str, object]] = []

        def running() -> bool:
            nonlocal jobs
            jobs = json.loads(_get(url + "api/v1/jobs")[1])
            return bool(jobs) and jobs[0]["state"] == "RUNNING"

        _wait_for(running, 60, "the job to run")
        grooms = json.loads(_get(url + "api/v1/grooms")[1])
        assert sorted(g["name"] for g in grooms) == ["g1", "g2", "g3"]
        assert sum(g["max_tasks"] for g in grooms) == 6 and all(g["state"] == "ALIVE" for g in grooms)
        cluster = json.loads(_get(url + "api/v1/cluster")[1])
        assert cluster["max_tasks"] == 6 and cluster["live_grooms"] == 3 and cluster["queued_jobs"] == 0
        job_id = str(jobs[0]["job_id"])
        assert job_id.startswith("job_") and jobs[0]["num_peers"] == 3
        code, page = _get(url)
        assert code == 200 and page.count("class=groom-row") == 3 and job_id in page and "RUNNING" in page
        # no token: refused, no data
        base = url.split("/t/")[0]
        for path in ("/", "/api/v1/jobs", "/api/v1/grooms"):
            code, body = _get(base + path)
            assert code == 403 and job_id not in body, path
        assert _get(base + f"/api/v1/jobs/{job_id}/kill", "PUT")[0] == 403
        assert job.poll() is None
        # kill through the API (PUT, as behind a proxy)
        code, body = _get(url + f"api/v1/jobs/{job_id}/kill", "PUT")
        assert code == 200 and json.loads(body) == {"killed": True}
        _, err = job.communicate(timeout=120)
        assert job.returncode == 1 and "killed from the cluster web UI" in err
        _wait_for(lambda: json.loads(_get(url + "api/v1/jobs")[1])[0]["state"] == "KILLED", 30, "KILLED")
    finally:
        if job.poll() is None:
            job.kill()


def test_two_concurrent_jobs_each_larger_than_a_groom(six_slots: Cluster, sleep_script: Path,
                                                      tmp_path: Path) -> None:
    url = _ui_url(six_slots)
    jobs = [six_slots.popen("run", f"{sleep_script}:Sleep", "-n", "3", "-o", str(tmp_path / f"o{i}"),
                            "-D", "test.sleep.seconds=3") for i in range(2)]

    def both_running() -> bool:
        states = [j["state"] for j in json.loads(_get(url + "api/v1/jobs")[1])]
        return states == ["RUNNING", "RUNNING"]

    _wait_for(both_running, 60, "both jobs to run at once")
    placed = [str(j["placement"]).split(",") for j in json.loads(_get(url + "api/v1/jobs")[1])]
    assert all(len(p) == 3 and len(set(p)) >= 2 for p in placed), placed  # each spans grooms
    for p in jobs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    for i in range(2):
        lines = sorted(Path(f).read_text() for f in (tmp_path / f"o{i}").glob("part-*"))
        assert lines == [f"{k}\t3\n" for k in range(3)]


def test_bspmaster_restart_grooms_register_again(six_slots: Cluster, sleep_script: Path, tmp_path: Path) -> None:
    old = six_slots.popen("run", f"{sleep_script}:Sleep", "-n", "2", "-D", "test.sleep.seconds=600")
    _wait_for(lambda: "placed" in (tmp_path / "bspmaster.out").read_text(), 60, "placement")
    _wait_for(lambda: sum((tmp_path / f"g{i}.out").read_text().count("launched attempt_") for i in (1, 2, 3)) == 2,
              60, "the tasks to start")
    assert six_slots.master is not None
    six_slots.master.send_signal(signal.SIGKILL)
    six_slots.master.wait(10)
    _, err = old.communicate(timeout=120)  # the job's master died with the bspmaster: the client says so
    assert old.returncode != 0 and "lost contact with the master" in err, err
    six_slots.start_master()  # same port, same cluster secret
    lines = six_slots.wait_grooms({"g1", "g2", "g3"}, timeout=60)
    assert {line.split("\t")[0] for line in lines} == {"g1", "g2", "g3"}
    r = six_slots.hama("example", "pi", "-n", "6")
    assert r.returncode == 0, r.stderr
    assert "Estimated value of PI" in r.stdout
    # the orphaned tasks of the old job are gone (killed by the groom, or ended on losing their master)
    for i in (1, 2, 3):
        text = (tmp_path / f"g{i}.out").read_text()
        assert text.count("registered with bspmaster") >= 2, text


def test_shipped_files_reach_the_tasks(six_slots: Cluster, tmp_path: Path) -> None:
    lib = tmp_path / "elsewhere"
    lib.mkdir()
    (lib / "shipped_helper.py").write_text("def scale(x):\n    return 7 * x\n")
    (lib / "weights.txt").write_text("5\n")
    job_dir = tmp_path / "jobsrc"
    job_dir.mkdir()
    (job_dir / "shipjob.py").write_text(textwrap.dedent('''
        import os
        from hama_yarn import BSP

        class UsesShipped(BSP):
            def bsp(self, peer):
                import shipped_helper  # not on the client's path: only shipped
                with open("weights.txt") as f:  # relative: the task's working directory
                    w = int(f.read())
                peer.write(peer.get_peer_index(), f"{shipped_helper.scale(w)} {os.path.basename(os.getcwd())}")
    '''))
    out = tmp_path / "out"
    r = six_slots.hama("run", f"{job_dir / 'shipjob.py'}:UsesShipped", "-n", "4", "-o", str(out),
                       "-D", f"hama.job.files={lib / 'shipped_helper.py'},{lib / 'weights.txt'}")
    assert r.returncode == 0, r.stderr
    rows = sorted(line for f in out.glob("part-*") for line in f.read_text().splitlines())
    assert [row.split("\t")[0] for row in rows] == ["0", "1", "2", "3"]
    assert all(row.split("\t")[1] == "35 work" for row in rows), rows
    missing = six_slots.hama("run", f"{job_dir / 'shipjob.py'}:UsesShipped", "-n", "1",
                             "-D", f"hama.job.files={lib / 'nope.txt'}")
    assert missing.returncode != 0 and "nope.txt does not exist" in missing.stderr
