"""End to end: whole BSP jobs (local mode, real peer processes) synchronised through ZooKeeper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration
from tests.sync.zkutil import kazoo_client, zk_quorum

pytestmark = pytest.mark.zookeeper

JOB = str(Path(__file__).resolve().parent / "jobs" / "zk_ring.py")
N = 3
STEPS = 5
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]


@pytest.fixture
def quorum(request: pytest.FixtureRequest) -> str:
    return zk_quorum(request)


def zk_conf(tmp: Path, quorum: str) -> HamaConfiguration:
    old = os.environ.pop("HAMA_CONF_DIR", None)
    try:
        conf = HamaConfiguration()
    finally:
        if old is not None:
            os.environ["HAMA_CONF_DIR"] = old
    conf.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    conf.set("hama.sync.client.class", "zookeeper")
    conf.set("hama.sync.server.class", "zookeeper")
    conf.set("hama.zookeeper.quorum", quorum)
    return conf


def read_parts(out: Path) -> dict[int, dict[str, object]]:
    parts: dict[int, dict[str, object]] = {}
    for f in sorted(out.glob("part-*")):
        rows = {}
        for line in f.read_text().splitlines():
            k, _, v = line.partition("\t")
            rows[k] = json.loads(v)
        parts[int(f.name.split("-")[1])] = rows
    return parts


def test_job_with_zookeeper_sync(tmp_path: Path, quorum: str) -> None:
    job = BSPJob(zk_conf(tmp_path, quorum), f"{JOB}:Ring")
    job.set_job_name("zk-ring")
    job.set_num_bsp_task(N)
    job.set_output_path(str(tmp_path / "out"))
    job.set("test.steps", STEPS)
    assert job.wait_for_completion(verbose=False), job.get_diagnostics()
    assert job.get_superstep_count() == STEPS
    parts = read_parts(tmp_path / "out")
    assert sorted(parts) == list(range(N))
    names = parts[0]["names"]
    assert isinstance(names, list) and len(names) == N
    for idx, rows in parts.items():
        assert rows["names"] == names  # identical on every peer, ordered by task index
        for step in range(STEPS):
            assert rows[f"s{step}"] == [f"{step}:{i}" for i in range(N)]
    counters = job.get_counters()
    assert counters.get("org.apache.hama.bsp.JobInProgress$JobCounter", "SUPERSTEPS") == STEPS
    with kazoo_client(quorum) as zk:
        assert zk.exists(f"/bsp/{job.get_job_id()}") is None  # the server removed the job's znodes


def test_cli_job_with_zookeeper_sync(tmp_path: Path, quorum: str) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "HAMA_CONF_DIR"}
    proc = subprocess.run(
        [*HAMA, "run", f"{JOB}:Ring", "-n", str(N), "-o", str(out),
         "-D", f"hama.tmp.dir={tmp_path / 'hama-tmp'}", "-D", "hama.sync.client.class=zookeeper",
         "-D", "hama.sync.server.class=zookeeper", "-D", f"hama.zookeeper.quorum={quorum}",
         "-D", "test.steps=4"],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    parts = read_parts(out)
    assert sorted(parts) == list(range(N))
    assert all(rows["s3"] == [f"3:{i}" for i in range(N)] for rows in parts.values())
    assert "SUPERSTEPS=4" in proc.stderr


def test_failing_peer_fails_job_promptly(tmp_path: Path, quorum: str) -> None:
    conf = zk_conf(tmp_path, quorum)
    conf.set("hama.sync.barrier.timeout.ms", 600_000)  # only the abort can release the waiting peers
    job = BSPJob(conf, f"{JOB}:Ring")
    job.set_num_bsp_task(N)
    job.set_output_path(str(tmp_path / "out"))
    job.set("test.steps", STEPS)
    job.set("test.fail.peer", 1)
    job.set("test.fail.step", 2)
    start = time.monotonic()
    assert not job.wait_for_completion(verbose=False)
    elapsed = time.monotonic() - start
    assert elapsed < 60, f"the job took {elapsed:.0f}s to fail"
    diag = job.get_diagnostics()
    assert "boom on peer 1 at superstep 2" in diag
    assert not (tmp_path / "out" / "_SUCCESS").exists()
    with kazoo_client(quorum) as zk:
        assert zk.exists(f"/bsp/{job.get_job_id()}") is None  # removed after failure too
