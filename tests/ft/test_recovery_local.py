"""Recovery of killed peers in local mode: the 20-superstep P=4 job whose peer 2 is SIGKILLed at
superstep s completes with output byte-identical to an undisturbed run (issue 13)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import FT_ON, Hama, ft_job, read_tree

JOB = ft_job()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ftdata")
    (d / "in.txt").write_text("".join(f"input line {i} {'x' * (i % 13)}\n" for i in range(120)))
    return d


@pytest.fixture(scope="module")
def baseline(data: Path, tmp_path_factory) -> dict[str, bytes]:
    """The undisturbed run (FT off)."""
    tmp = tmp_path_factory.mktemp("baseline")
    h = Hama(tmp, _env())
    out = tmp / "out"
    p = h.run("run", JOB, "-n", "4", "-i", str(data / "in.txt"), "-o", str(out), timeout=120)
    assert p.returncode == 0, p.stderr
    tree = read_tree(out)
    assert sorted(tree) == ["_SUCCESS", "part-00000", "part-00001", "part-00002", "part-00003"]
    assert all(tree[f"part-0000{i}"].count(b"\n") == 21 for i in range(4))
    return tree


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    env.pop("HAMA_KEEP_STAGING", None)
    return env


def run_ft(hama: Hama, data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return hama.run("run", JOB, "-n", "4", "-i", str(data / "in.txt"), "-o", str(out), *FT_ON, *extra, timeout=150)


def recoveries(stderr: str) -> int:
    m = re.search(r"RECOVERIES=(\d+)", stderr)
    assert m, stderr
    return int(m.group(1))


@pytest.mark.parametrize("s", range(1, 20))
def test_peer2_killed_at_superstep_s_output_identical(hama: Hama, data, baseline, tmp_path, s):
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", f"test.ft.kill=2@{s}")
    assert p.returncode == 0, p.stderr
    assert recoveries(p.stderr) == 1
    assert "Recovering: attempt 2, rolled back to superstep" in p.stderr
    m = re.search(r"rolled back to superstep (\d+)", p.stderr)
    assert m and int(m.group(1)) in (s - 1, s), p.stderr  # the last complete checkpoint
    assert read_tree(out) == baseline
    assert re.search(r"CHECKPOINT_BYTES=[1-9]", p.stderr)


def test_two_peers_killed_at_once(hama: Hama, data, baseline, tmp_path):
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", "test.ft.kill=1@8,2@8")
    assert p.returncode == 0, p.stderr
    assert recoveries(p.stderr) == 1
    assert read_tree(out) == baseline


def test_killed_while_writing_a_checkpoint(hama: Hama, data, baseline, tmp_path):
    """Peer 2 dies inside checkpoint_state (its part of checkpoint 6 is half-written): restored from 5."""
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", "test.ft.kill=2@6", "-D", "test.ft.kill.where=checkpoint")
    assert p.returncode == 0, p.stderr
    assert "rolled back to superstep 5" in p.stderr
    assert read_tree(out) == baseline


def test_checkpoint_interval_rolls_back_to_a_multiple(hama: Hama, data, baseline, tmp_path):
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", "bsp.checkpoint.interval=4", "-D", "test.ft.kill=2@11")
    assert p.returncode == 0, p.stderr
    assert "rolled back to superstep 8" in p.stderr
    assert read_tree(out) == baseline


def test_recovery_without_checkpoints_restarts_from_the_start(hama: Hama, data, baseline, tmp_path):
    out = tmp_path / "out"
    p = hama.run("run", JOB, "-n", "4", "-i", str(data / "in.txt"), "-o", str(out), "-D", "bsp.ft.enabled=true",
                 "-D", "test.ft.kill=2@9", timeout=150)
    assert p.returncode == 0, p.stderr
    assert "rolled back to superstep 0" in p.stderr
    assert read_tree(out) == baseline


def test_attempts_exhausted_fail_naming_every_failure(hama: Hama, data, tmp_path):
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", "test.ft.kill=2@6", "-D", "test.ft.kill.always=true",
               "-D", "bsp.tasks.max.attempts=3")
    assert p.returncode == 1, p.stderr
    assert re.search(r"\d+ failures in 3 attempts \(bsp.tasks.max.attempts=3\)", p.stderr), p.stderr
    assert p.stderr.count("killed by signal SIGKILL") >= 3  # every attempt's death is named
    assert recoveries(p.stderr) == 2
    assert not out.exists(), "nothing may be left in the output directory"
    assert not any((hama.tmp_dir / "checkpoint").glob("job_*")), "checkpoints are removed"


def test_checkpoints_off_a_killed_peer_fails_the_job_as_before(hama: Hama, data, tmp_path):
    out = tmp_path / "out"
    p = hama.run("run", JOB, "-n", "4", "-i", str(data / "in.txt"), "-o", str(out), "-D", "test.ft.kill=2@6",
                 timeout=120)
    assert p.returncode == 1
    assert "peer 2" in p.stderr and "SIGKILL" in p.stderr
    assert "RECOVERIES" not in p.stderr and "Recovering" not in p.stderr
    assert not out.exists()


def test_zookeeper_sync_backend(hama: Hama, data, baseline, tmp_path, zookeeper):
    out = tmp_path / "out"
    p = run_ft(hama, data, out, "-D", "test.ft.kill=2@9", "-D", "hama.sync.client.class=zookeeper",
               "-D", "hama.sync.server.class=zookeeper", "-D", f"hama.zookeeper.quorum={zookeeper.zk_quorum}",
               # job ids are unique per registry only: a root of its own keeps other tests' jobs apart
               "-D", f"bsp.zookeeper.root=/bsp-ft-{tmp_path.name}")
    assert p.returncode == 0, p.stderr
    assert recoveries(p.stderr) == 1
    assert read_tree(out) == baseline
