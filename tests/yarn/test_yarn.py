"""hama-yarn jobs on the real YARN ResourceManager/NodeManager and HDFS (tests/cluster).

Every test checks the application's final YARN state through skein, and the
``yarn_env`` fixture fails a test that leaves any hama application running.
"""

from __future__ import annotations

import math
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, app_of, hama, read_parts, signal_running_job, wait_final

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]

JOBS = Path(__file__).resolve().parent / "jobs"
KARATE = ROOT / "examples" / "data" / "karate.txt"


def _conf(env: dict[str, str], **values: Any) -> Any:
    from hama_yarn.config import HamaConfiguration

    conf = HamaConfiguration()
    conf.set("bsp.master.address", "yarn")
    conf.set("hama.tmp.dir", env["HAMA_TMP"])
    for k, v in values.items():
        conf.set(k.replace("_", "."), str(v))
    return conf


def _app_id(stderr: str, client: Any = None) -> str:
    m = re.search(r"application_\d+_\d+", stderr)
    if m is None and client is not None:  # `hama example` prints the job id only
        job = re.search(r"Running job: (job_\S+)", stderr)
        assert job, stderr
        return str(app_of(client, job.group(1)).id)
    assert m, stderr
    return m.group(0)


def test_pi_on_yarn_cli(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str) -> None:
    out = f"{hdfs_dir}/pi"
    r = hama(yarn_env, "run", str(ROOT / "examples" / "pi.py"), "-n", "3", "-o", out, "-r", "yarn")
    assert r.returncode == 0, r.stderr
    app_id = _app_id(r.stderr)
    assert "Tracking URL:" in r.stderr
    assert r.stderr.index(app_id) < r.stderr.index("Counters:")
    assert "SUPERSTEPS=1" in r.stderr and "LAUNCHED_TASKS=3" in r.stderr
    report = wait_final(skein_client, app_id)
    assert (str(report.state), str(report.final_status)) == ("FINISHED", "SUCCEEDED")
    assert {"hama"} <= set(report.tags)
    (line,) = read_parts(out)
    assert math.isclose(float(line.split("\t")[-1]), math.pi, abs_tol=0.05)


def test_hello_on_yarn_bspjob(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str) -> None:
    from hama_yarn import BSPJob
    from hama_yarn.plugins import load_script

    hello = load_script(ROOT / "examples" / "hello.py")
    job = BSPJob(_conf(yarn_env, **{"hello.supersteps": 2}), hello.Hello)
    job.set_num_bsp_task(3)
    job.set_output_path(f"{hdfs_dir}/hello")
    assert job.wait_for_completion(verbose=False)
    assert job.get_superstep_count() >= 2
    report = app_of(skein_client, job.get_job_id())
    assert str(wait_final(skein_client, report.id).final_status) == "SUCCEEDED"
    lines = read_parts(f"{hdfs_dir}/hello")
    assert lines and all("Hello" in ln or "hi" in ln.lower() for ln in lines), lines


def test_pagerank_hdfs_input_and_output(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str) -> None:
    import networkx as nx

    from hama_yarn.io.fs import resolve

    fs, path = resolve(f"{hdfs_dir}/karate.txt")
    fs.pipe_file(path, KARATE.read_bytes())
    out = f"{hdfs_dir}/ranks"
    r = hama(yarn_env, "example", "pagerank", "-i", f"{hdfs_dir}/karate.txt", "-o", out, "-n", "3", "-r", "yarn")
    assert r.returncode == 0, r.stderr
    ranks = {v: float(x) for v, x in (line.split("\t") for line in read_parts(out))}
    g = nx.DiGraph()
    for line in KARATE.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        g.add_edges_from((v, u) for u in rest.split())
    expected = nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=1000)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-8), v
    ofs, opath = resolve(out)
    assert ofs.exists(f"{opath}/_SUCCESS")
    report = wait_final(skein_client, _app_id(r.stderr, skein_client))
    assert str(report.final_status) == "SUCCEEDED"


@pytest.mark.zookeeper
def test_zookeeper_sync_on_yarn(yarn_env: dict[str, str], skein_client: Any, zookeeper: Any) -> None:
    pytest.importorskip("hama_yarn.sync.zookeeper")
    r = hama(yarn_env, "example", "hello", "-n", "3", "--supersteps", "3", "-r", "yarn",
             "-D", "hama.sync.client.class=zookeeper", "-D", "hama.sync.server.class=zookeeper",
             "-D", f"hama.zookeeper.quorum={zookeeper.zk_quorum}")
    assert r.returncode == 0, r.stderr
    report = wait_final(skein_client, _app_id(r.stderr, skein_client))
    assert str(report.final_status) == "SUCCEEDED"


def test_failing_peer_fails_the_application(yarn_env: dict[str, str], skein_client: Any) -> None:
    started = time.monotonic()
    r = hama(yarn_env, "run", str(JOBS / "fail_at_superstep.py"), "-n", "3", "-r", "yarn")
    assert r.returncode == 1, r.stderr
    assert "peer 1" in r.stderr and "at superstep 2" in r.stderr and "boom from peer 1" in r.stderr, r.stderr
    assert "ValueError" in r.stderr  # the traceback the peer reported
    app_id = _app_id(r.stderr)
    assert f"yarn logs -applicationId {app_id}" in r.stderr
    report = wait_final(skein_client, app_id)
    assert (str(report.state), str(report.final_status)) == ("FINISHED", "FAILED")
    assert "peer 1" in report.diagnostics and "boom from peer 1" in report.diagnostics
    assert time.monotonic() - started < 120


def test_peer_container_crash_names_peer_and_log_tail(yarn_env: dict[str, str], skein_client: Any) -> None:
    r = hama(yarn_env, "run", str(JOBS / "crash.py"), "-n", "2", "-r", "yarn")
    assert r.returncode == 1, r.stderr
    assert "peer 0" in r.stderr and "peer process ended unexpectedly" in r.stderr, r.stderr
    assert "crash-marker" in r.stderr, r.stderr  # tail of the container's log, from the NodeManager
    report = wait_final(skein_client, _app_id(r.stderr))
    assert str(report.final_status) == "FAILED"


def test_kill_detached_job(yarn_env: dict[str, str], skein_client: Any) -> None:
    r = hama(yarn_env, "run", str(JOBS / "slow.py"), "-n", "2", "-r", "yarn", "--detach")
    assert r.returncode == 0, r.stderr
    job_id = r.stdout.strip().splitlines()[-1]
    assert job_id.startswith("job_"), r.stdout
    report = app_of(skein_client, job_id)
    assert str(report.state) == "RUNNING"
    listed = hama(yarn_env, "job", "-list")
    assert job_id in listed.stdout, listed.stdout + listed.stderr
    status = hama(yarn_env, "job", "-status", job_id)
    assert status.returncode == 0 and "RUNNING" in status.stdout, status.stdout + status.stderr
    k = hama(yarn_env, "job", "-kill", job_id)
    assert k.returncode == 0, k.stdout + k.stderr
    final = wait_final(skein_client, report.id, timeout=60)
    assert str(final.final_status) == "KILLED", (final.state, final.final_status, final.diagnostics)


def test_ctrl_c_kills_the_application(yarn_env: dict[str, str], skein_client: Any) -> None:
    import signal

    code, seen, rest = signal_running_job(yarn_env, signal.SIGINT)
    assert code == 130, seen + rest
    report = wait_final(skein_client, _app_id(seen), timeout=60)
    assert str(report.final_status) == "KILLED"


def test_allocation_timeout(yarn_env: dict[str, str], skein_client: Any) -> None:
    # the single NodeManager has 8 GiB: two 6 GiB peers can never both be allocated
    r = hama(yarn_env, "run", str(JOBS / "trivial.py"), "-n", "2", "-r", "yarn",
             "-D", "bsp.child.mem.in.mb=6144", "-D", "hama.yarn.allocation.timeout.ms=4000")
    assert r.returncode == 1, r.stderr
    assert "hama.yarn.allocation.timeout.ms" in r.stderr, r.stderr
    report = wait_final(skein_client, _app_id(r.stderr))
    assert str(report.final_status) == "FAILED"


def test_two_jobs_at_the_same_time(yarn_env: dict[str, str], skein_client: Any) -> None:
    from hama_yarn import BSPJob
    from hama_yarn.plugins import load_script

    hello = load_script(ROOT / "examples" / "hello.py")
    results: dict[int, Any] = {}

    def run(i: int) -> None:
        job = BSPJob(_conf(yarn_env, **{"hello.supersteps": 3}), hello.Hello)
        job.set_num_bsp_task(2)
        job.set_job_name(f"hello-{i}")
        try:
            results[i] = (job.wait_for_completion(verbose=False), job.get_job_id(), job.get_counters())
        except Exception as exc:  # noqa: BLE001
            results[i] = (False, "", exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert results[0][0] and results[1][0], results
    assert results[0][1] != results[1][1]
    apps = [app_of(skein_client, results[i][1]) for i in range(2)]
    assert apps[0].id != apps[1].id
    # the two applications overlapped in time
    assert apps[0].start_time < apps[1].finish_time and apps[1].start_time < apps[0].finish_time
    for a in apps:
        assert str(wait_final(skein_client, a.id).final_status) == "SUCCEEDED"
