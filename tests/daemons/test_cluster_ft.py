"""Classic cluster mode with fault tolerance: a killed peer is restarted on its groom, a dead
groom's peers move to grooms with free slots, and the output equals an undisturbed run."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

from tests.ft.conftest import FT_ON, ft_job, read_tree

from .conftest import Cluster

JOB = ft_job()


def _data(tmp: Path) -> Path:
    path = tmp / "in.txt"
    path.write_text("".join(f"input line {i} {'x' * (i % 13)}\n" for i in range(120)))
    return path


def _run(c: Cluster, data: Path, out: Path, *extra: str) -> tuple[int, str]:
    r = c.hama("run", JOB, "-n", "4", "-i", str(data), "-o", str(out), "-D", "bsp.taskalloc.class=roundrobin",
               *extra, timeout=240)
    return r.returncode, r.stderr


def test_killed_peer_recovers_on_its_groom(six_slots: Cluster, tmp_path: Path) -> None:
    data = _data(tmp_path)
    code, err = _run(six_slots, data, tmp_path / "plain")
    assert code == 0, err
    code, err = _run(six_slots, data, tmp_path / "ft", *FT_ON, "-D", "test.ft.kill=2@7")
    assert code == 0, err
    assert re.search(r"RECOVERIES=1\b", err), err
    assert re.search(r"rolled back to superstep [67]\b", err), err
    assert read_tree(tmp_path / "ft") == read_tree(tmp_path / "plain")


def test_dead_groom_peers_move_to_other_grooms(six_slots: Cluster, tmp_path: Path) -> None:
    data = _data(tmp_path)
    code, err = _run(six_slots, data, tmp_path / "plain")
    assert code == 0, err
    job = six_slots.popen("run", JOB, "-n", "4", "-i", str(data), "-o", str(tmp_path / "ft"),
                        "-D", "bsp.taskalloc.class=roundrobin", *FT_ON, "-D", "test.ft.sleep=0.4")
    log = tmp_path / "bspmaster.out"
    deadline = time.monotonic() + 60
    while not re.search(r"job (\S+) placed: (.*)", log.read_text()):
        assert time.monotonic() < deadline and job.poll() is None
        time.sleep(0.1)
    placement = re.findall(r"job (\S+) placed: (.*)", log.read_text())[-1][1].split(", ")
    victim = placement[1]  # a groom running at least one peer of the job
    time.sleep(3.0)  # a few supersteps (and checkpoints) done
    six_slots.grooms[victim].send_signal(signal.SIGKILL)
    _, err = job.communicate(timeout=240)
    assert job.returncode == 0, err
    assert re.search(r"RECOVERIES=1\b", err), err
    text = log.read_text()
    assert f"groom {victim} declared dead" in text
    moved = re.findall(r"task (\d+) moves from groom (\S+) to (\S+)", text)
    assert moved and all(src == victim and dst != victim for _, src, dst in moved), text
    assert sorted(int(i) for i, _, _ in moved) == [i for i, g in enumerate(placement) if g == victim]
    assert read_tree(tmp_path / "ft") == read_tree(tmp_path / "plain")
