"""Hama Pipes C++ against Java Hadoop: the matrices are written by Java with Hama's own
``PipesVectorWritable`` (hama-commons 0.7.1, tests/cluster/lib/hama), and every output of the three
C++ programs is read back by Java Hadoop's ``SequenceFile.Reader`` with the Writable classes their
configuration files declare (tests/pipes/java/PipesJavaTool.java)."""

from __future__ import annotations

import math
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.core.conftest import Hama
from tests.pipes.cpp_programs import CPP, build

JAVA_SRC = Path(__file__).resolve().parent / "java" / "PipesJavaTool.java"


@pytest.fixture(scope="module")
def progs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("pipes-cpp-java"))


@pytest.fixture(scope="module")
def java_tool(hadoop_jars: Any, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``java -cp ... PipesJavaTool``, compiled against the Hadoop 3 jars plus hama-commons-0.7.1.jar."""
    out = tmp_path_factory.mktemp("pipes-java")
    lib = Path(hadoop_jars.lib_dir)
    commons = sorted((lib / "hama").glob("hama-commons-*.jar"))
    assert commons, f"hama-commons jar missing in {lib / 'hama'} (tests/cluster/cluster.sh install)"
    cp = f"{lib}/*:{commons[0]}"
    bin_dir = Path(hadoop_jars.java_home) / "bin"
    subprocess.run([str(bin_dir / "javac"), "-nowarn", "-cp", cp, "-d", str(out), str(JAVA_SRC)], check=True,
                   capture_output=True, timeout=180)
    return [str(bin_dir / "java"), "-cp", f"{out}:{cp}", JAVA_SRC.stem]


def _declared(xml: Path) -> tuple[str, str]:
    props = {p.findtext("name"): p.findtext("value") for p in ET.parse(xml).getroot().iter("property")}
    return props["bsp.output.key.class"] or "", props["bsp.output.value.class"] or ""


def _java_dump(tool: list[str], xml: Path, out: Path) -> list[tuple[str, str]]:
    """Every record of the output part files, read by Java with the classes *xml* declares."""
    parts = sorted(str(p) for p in out.glob("part-*"))
    assert parts
    p = subprocess.run([*tool, "dump", *_declared(xml), *parts], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return [tuple(line.split("\t", 1)) for line in p.stdout.splitlines()]  # type: ignore[misc]


def _java_matrix(tool: list[str], tmp_path: Path, name: str, mat: np.ndarray) -> Path:
    text, seq = tmp_path / f"{name}.txt", tmp_path / f"{name}.seq"
    text.write_text("".join(" ".join(repr(float(x)) for x in row) + "\n" for row in mat))
    subprocess.run([*tool, "write-matrix", str(text), str(seq)], check=True, capture_output=True, timeout=120)
    return seq


def test_summation_read_back_by_java(hama: Hama, progs: Path, java_tool: list[str], tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)))
    xml, out = CPP / "summation.xml", tmp_path / "out"
    p = hama.run("pipes", "-conf", str(xml), "-program", str(progs / "summation"), "-bspTasks", "3",
                 "-input", str(data), "-output", str(out))
    assert p.returncode == 0, p.stderr
    assert _java_dump(java_tool, xml, out) == [("(null)", "55.0")]


def test_piestimator_read_back_by_java(hama: Hama, progs: Path, java_tool: list[str], tmp_path: Path) -> None:
    xml, out = CPP / "piestimator.xml", tmp_path / "out"
    p = hama.run("pipes", "-conf", str(xml), "-program", str(progs / "piestimator"), "-output", str(out),
                 "-D", "hama.pi.iterations=200000")
    assert p.returncode == 0, p.stderr
    rows = _java_dump(java_tool, xml, out)
    assert len(rows) == 1 and rows[0][0] == "(null)"
    assert abs(float(rows[0][1]) - math.pi) < 0.05


@pytest.mark.parametrize("seed", [7, 8])
def test_matrix_multiplication_java_matrices(hama: Hama, progs: Path, java_tool: list[str], tmp_path: Path,
                                             seed: int) -> None:
    """A and B^T written by Java with PipesVectorWritable; the product (read by Java) equals numpy's."""
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(9, 25, size=3))
    a, b = rng.standard_normal((m, k)), rng.random((k, n)) * 100
    seq_a = _java_matrix(java_tool, tmp_path, "a", a)
    seq_bt = _java_matrix(java_tool, tmp_path, "bt", b.T)
    xml, out = CPP / "matrixmultiplication.xml", tmp_path / "out"
    p = hama.run("pipes", "-conf", str(xml), "-program", str(progs / "matrixmultiplication"),
                 "-input", str(seq_a), "-output", str(out), "-D", f"hama.mat.mult.B.path={seq_bt}")
    assert p.returncode == 0, p.stderr
    rows = {int(key): [float(x) for x in value.split(",")] for key, value in _java_dump(java_tool, xml, out)}
    assert sorted(rows) == list(range(m))
    np.testing.assert_allclose(np.array([rows[i] for i in range(m)]), a @ b, rtol=1e-12, atol=1e-9)
