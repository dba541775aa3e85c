"""Hama Pipes C++: programs written in Hama's C++ API, built with ``hama pipes --cflags/--libs``,
run through ``hama pipes -conf`` with Hama-style configuration files (local mode)."""

from __future__ import annotations

import math
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from hama_yarn.io.sequencefile import SequenceFileReader
from tests.core.conftest import Hama, parse_counters, processes_mentioning
from tests.pipes.cpp_programs import CPP, build, read_rows, write_matrix


@pytest.fixture(scope="module")
def progs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("pipes-cpp"))


def _records(out: Path) -> list[tuple[object, object]]:
    rows = []
    for part in sorted(out.glob("part-*")):
        with SequenceFileReader(str(part)) as r:
            rows += list(r)
    return rows


def test_summation_keyvalue_input(hama: Hama, progs: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)))
    out = tmp_path / "out"
    p = hama.run("pipes", "-conf", str(CPP / "summation.xml"), "-program", str(progs / "summation"),
                 "-bspTasks", "3", "-input", str(data), "-output", str(out))
    assert p.returncode == 0, p.stderr
    with SequenceFileReader(str(sorted(out.glob("part-*"))[1])) as r:
        assert (r.key_class, r.value_class) == ("org.apache.hadoop.io.NullWritable",
                                                "org.apache.hadoop.io.DoubleWritable")
    assert _records(out) == [(None, 55.0)]


def test_piestimator_no_input(hama: Hama, progs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-conf", str(CPP / "piestimator.xml"), "-program", str(progs / "piestimator"),
                 "-output", str(out), "-D", "hama.pi.iterations=400000")
    assert p.returncode == 0, p.stderr
    rows = _records(out)
    assert len(rows) == 1 and abs(float(rows[0][1]) - math.pi) < 0.05  # type: ignore[arg-type]
    assert parse_counters(p.stderr)[("pipes", "darts")] == 3 * 400000


@pytest.mark.parametrize("seed", [3, 4])
def test_matrix_multiplication_partitioner_and_seqfile(hama: Hama, progs: Path, tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(11, 31, size=3))
    a, b = rng.random((m, k)), rng.random((k, n))
    write_matrix(open, str(tmp_path / "a.seq"), a)
    write_matrix(open, str(tmp_path / "bt.seq"), b.T)
    out = tmp_path / "out"
    p = hama.run("pipes", "-conf", str(CPP / "matrixmultiplication.xml"), "-program",
                 str(progs / "matrixmultiplication"), "-input", str(tmp_path / "a.seq"), "-output", str(out),
                 "-D", f"hama.mat.mult.B.path={tmp_path / 'bt.seq'}")
    assert p.returncode == 0, p.stderr
    parts = sorted(str(x) for x in out.glob("part-*"))
    rows = read_rows(parts)
    assert sorted(rows) == list(range(m))
    np.testing.assert_allclose(np.array([rows[i] for i in range(m)]), a @ b, atol=1e-9)
    with SequenceFileReader(parts[1]) as r:  # SortedMemoryQueue: the master got the rows in order
        assert [key for key, _ in r] == list(range(m))


def test_unsupported_queue_fails_at_submit(hama: Hama, progs: Path, tmp_path: Path) -> None:
    p = hama.run("pipes", "-conf", str(CPP / "piestimator.xml"), "-program", str(progs / "piestimator"),
                 "-output", str(tmp_path / "out"), "-D", "hama.messenger.receive.queue.class=x.DiskQueue")
    assert p.returncode != 0
    assert "hama.messenger.receive.queue.class=x.DiskQueue" in p.stderr
    assert not (tmp_path / "out").exists()


def test_wire_encoding_matches_java() -> None:
    """The C++ library's VLong/float/double/string bytes equal Hadoop's (through the Python codecs)."""
    import subprocess

    from hama_yarn.io.writables import encode_vlong

    prog = """
#include "hadoop/SerialUtils.hh"
#include <stdio.h>
#include <string>
using namespace HadoopUtils;
int main() {
  std::string s; StringOutStream o(s);
  long long v[] = {0, 1, -1, 127, 128, -112, -113, 255, 65536, -65537, 2147483647LL, -2147483648LL,
                   9223372036854775807LL};
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) serializeLong(v[i], o);
  serializeFloat(1.5f, o); serializeDouble(-2.25, o); serializeString("h\\xc3\\xa9llo", o);
  StringInStream in(s);
  for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) if (deserializeLong(in) != v[i]) return 2;
  fwrite(s.data(), 1, s.size(), stdout);
  return 0;
}
"""
    import tempfile

    from tests.pipes.cpp_programs import flags

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "e.cc").write_text(prog)
        subprocess.run(["g++", *flags("--cflags"), str(Path(d) / "e.cc"), "-o", str(Path(d) / "e"),
                        *flags("--libs")], check=True)
        got = subprocess.run([str(Path(d) / "e")], capture_output=True, check=True).stdout
    values = [0, 1, -1, 127, 128, -112, -113, 255, 65536, -65537, 2**31 - 1, -(2**31), 2**63 - 1]
    want = b"".join(encode_vlong(v) for v in values) + struct.pack(">f", 1.5) + struct.pack(">d", -2.25)
    text = "héllo".encode()
    want += encode_vlong(len(text)) + text
    assert got == want


@pytest.mark.parametrize("mode", ["wrong_message_class", "abort_early"])
def test_cpp_child_failure_names_peer(hama: Hama, progs: Path, tmp_path: Path, mode: str) -> None:
    """A C++ child that breaks the protocol (or throws on bad input) fails the job with its stderr; nothing hangs."""
    data = tmp_path / "in.txt"
    data.write_text("key1\tnot-a-number\n" if mode == "abort_early" else "key1\t1.0\n")
    prog = progs / "summation"
    args = ["pipes", "-conf", str(CPP / "summation.xml"), "-program", str(prog), "-bspTasks", "1",
            "-input", str(data), "-output", str(tmp_path / "out")]
    if mode == "wrong_message_class":  # the framework misreads the double: protocol error
        args += ["-D", "hama.pipes.child.timeout.ms=3000", "-D", "bsp.message.class=org.apache.hadoop.io.Text"]
    start = time.monotonic()
    p = hama.run(*args, timeout=90)
    assert p.returncode != 0
    assert "pipes child of peer 0" in p.stderr, p.stderr
    if mode == "abort_early":
        assert "Problem with conversion of 'not-a-number' to double" in p.stderr
    assert time.monotonic() - start < 60
    assert not list((tmp_path / "out").glob("part-*"))
    time.sleep(0.5)
    assert not processes_mentioning(str(prog))
