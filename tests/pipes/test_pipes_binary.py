"""Pipes binary protocol: the hamapipes C library, Hama's summation and pi examples, faults."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hama_yarn.io.sequencefile import SequenceFileReader
from tests.core.conftest import Hama, parse_counters, processes_mentioning, read_records

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "hama_yarn" / "pipes" / "c"
CHILDREN = Path(__file__).resolve().parent / "children"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.skip("no make/cc")
    out = tmp_path_factory.mktemp("hamapipes")
    subprocess.run(["make", "-s", "-C", str(LIB), f"OUT={out}", "CFLAGS=-O2 -Wall -Werror -std=c99 -D_DEFAULT_SOURCE"],
                   check=True)
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-std=c99", "-D_DEFAULT_SOURCE", f"-I{LIB}",
                    str(CHILDREN / "pipes_child.c"), f"-L{out}", "-lhamapipes", "-o", str(out / "pipes_child")],
                   check=True)
    return out


def test_summation(hama: Hama, build: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)))
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(build / "summation"), "-bspTasks", "3", "-input", str(data),
                 "-inputformat", "org.apache.hama.bsp.KeyValueTextInputFormat", "-output", str(out))
    assert p.returncode == 0, p.stderr
    rows = [r for part in read_records(out).values() for r in part]
    assert len(rows) == 1 and rows[0][0] == "Sum" and float(rows[0][1]) == pytest.approx(55.0, abs=1e-6)


def test_piestimator(hama: Hama, build: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(build / "piestimator"), "-bspTasks", "3", "-inputformat", "null",
                 "-output", str(out), "-D", "hama.pi.iterations=300000")
    assert p.returncode == 0, p.stderr
    rows = [r for part in read_records(out).values() for r in part]
    assert len(rows) == 1 and float(rows[0][1]) == pytest.approx(3.14159, abs=1e-2)
    assert parse_counters(p.stderr)[("pipes", "darts")] == 900000


def test_every_operation(hama: Hama, build: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("".join(f"k{i}\t{i}\n" for i in range(7)))
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(build / "pipes_child"), "-bspTasks", "2", "-input", str(data),
                 "-inputformat", "keyvalue", "-output", str(out))
    assert p.returncode == 0, p.stderr
    parts = {i: dict(rows) for i, rows in read_records(out).items()}
    assert sum(int(o["records"]) for o in parts.values()) == 7
    for i, o in parts.items():
        assert o["index"] == str(i) and o["peers"] == "2" and o["self_is_indexed"] == "true"
        assert o["out_of_range"] == "" and o["again"] == o["records"] and o["superstep"] == "1"
    assert parts[0]["count"] == parts[0]["received"] == "2"
    assert parts[1]["count"] == parts[1]["received"] == "0"
    assert parse_counters(p.stderr)[("pipes", "api")] == 4


def test_sequencefile_ops(hama: Hama, build: Path, tmp_path: Path) -> None:
    out, seq = tmp_path / "out", tmp_path / "seq"
    seq.mkdir()
    p = hama.run("pipes", "-program", str(build / "pipes_child"), "-programArgs", "seqfile", "-bspTasks", "2",
                 "-inputformat", "null", "-output", str(out), "-D", f"test.seq.dir={seq}")
    assert p.returncode == 0, p.stderr
    for i, rows in read_records(out).items():
        d = dict(rows)
        assert [r for r in rows if r[0].startswith("k")] == [(f"k{k}", str(10 * i + k)) for k in range(3)]
        assert d["close_ok"] == "1" and d["bad_open"] == "-1"
        assert all(v == "1" for k, v in rows if k == "append_ok")
        with SequenceFileReader(str(seq / f"seq-{i}")) as r:
            assert list(r) == [(f"k{k}", 10 * i + k) for k in range(3)]


@pytest.mark.parametrize("mode,needles", [
    ("crash", ["pipes child of peer", "pipes child about to crash", "exit status -6"]),
    ("silent", ["no answer from the child within 3 s", "pipes child going silent"]),
])
def test_faults(hama: Hama, build: Path, mode: str, needles: list[str]) -> None:
    start = time.monotonic()
    p = hama.run("pipes", "-program", str(build / "pipes_child"), "-programArgs", mode, "-bspTasks", "2",
                 "-inputformat", "null", "-D", "hama.pipes.child.timeout.ms=3000", timeout=60)
    assert p.returncode == 1, p.stderr
    for needle in needles:
        assert needle in p.stderr, (needle, p.stderr)
    assert time.monotonic() - start < 45
    time.sleep(0.5)
    assert not processes_mentioning(str(build / "pipes_child"))


def test_child_never_connects(hama: Hama, tmp_path: Path) -> None:
    prog = tmp_path / "lazy.sh"
    prog.write_text("echo 'not a pipes program' >&2\nsleep 30\n")
    p = hama.run("pipes", "-program", str(prog), "-interpreter", "sh", "-bspTasks", "1", "-inputformat", "null",
                 timeout=60)
    assert p.returncode == 1
    assert "did not connect within 2 s" in p.stderr and "not a pipes program" in p.stderr
    time.sleep(0.5)
    assert not processes_mentioning(str(prog))


def test_pipes_partitioner(hama: Hama, build: Path, tmp_path: Path) -> None:
    """``-partitioner org.apache.hama.pipes.PipesPartitioner``: the C child's partition() places records."""
    data = tmp_path / "in.txt"
    data.write_text("".join(f"key{i}\t{i}\n" for i in range(12)))
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(build / "pipes_child"), "-programArgs", "partition", "-bspTasks", "3",
                 "-input", str(data), "-inputformat", "keyvalue", "-output", str(out),
                 "-partitioner", "org.apache.hama.pipes.PipesPartitioner")
    assert p.returncode == 0, p.stderr
    parts = read_records(out)
    for i in range(3):
        assert sorted(int(v) for _, v in parts[i]) == [n for n in range(12) if n % 3 == i]
    time.sleep(0.5)
    assert not processes_mentioning(str(build / "pipes_child"))


@pytest.mark.parametrize("seed", [1, 2])
def test_matrix_multiplication(hama: Hama, build: Path, tmp_path: Path, seed: int) -> None:
    """Hama's example: rows of A from a SequenceFile, transposed B through SEQFILE_* ops."""
    import numpy as np

    from hama_yarn.io.sequencefile import SequenceFileWriter

    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(11, 31, size=3))
    a, b = rng.random((m, k)), rng.random((k, n))

    def write(path: Path, mat: "np.ndarray") -> None:
        with SequenceFileWriter(str(path), "org.apache.hadoop.io.IntWritable", "org.apache.hadoop.io.Text") as w:
            for i, row in enumerate(mat):
                w.append(i, ",".join(repr(float(x)) for x in row))

    write(tmp_path / "a.seq", a)
    write(tmp_path / "bt.seq", b.T)
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(build / "matrixmultiplication"), "-bspTasks", "2",
                 "-input", str(tmp_path / "a.seq"), "-inputformat", "sequencefile", "-output", str(out),
                 "-D", f"hama.mat.mult.B.path={tmp_path / 'bt.seq'}")
    assert p.returncode == 0, p.stderr
    rows = {int(key): [float(x) for x in v.split(",")] for part in read_records(out).values() for key, v in part}
    assert sorted(rows) == list(range(m))
    np.testing.assert_allclose(np.array([rows[i] for i in range(m)]), a @ b, atol=1e-6)


def test_child_exits_before_connecting(hama: Hama, tmp_path: Path) -> None:
    prog = tmp_path / "quits.sh"
    prog.write_text("echo 'missing library xyz' >&2\nexit 3\n")
    p = hama.run("pipes", "-program", str(prog), "-interpreter", "sh", "-bspTasks", "1", "-inputformat", "null",
                 timeout=60)
    assert p.returncode == 1
    assert "exited before connecting" in p.stderr and "exit status 3" in p.stderr
    assert "missing library xyz" in p.stderr
