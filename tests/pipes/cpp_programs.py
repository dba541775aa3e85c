"""Build helpers for the Hama-API C++ test programs in tests/pipes/cpp (compiled with g++)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CPP = Path(__file__).resolve().parent / "cpp"
PROGRAMS = ("summation", "piestimator", "matrixmultiplication")
VECTOR = "org.apache.hama.commons.io.PipesVectorWritable"


def flags(*which: str) -> list[str]:
    """``hama pipes --cflags`` / ``--libs`` of this checkout, split."""
    out = subprocess.run([sys.executable, "-m", "hama_yarn.cli.main", "pipes", *which], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    return out.split()


def build(out: Path) -> Path:
    """``g++ $(hama pipes --cflags) prog.cc -o prog $(hama pipes --libs)`` for every program."""
    cflags, libs = flags("--cflags"), flags("--libs")
    for name in PROGRAMS:
        subprocess.run(["g++", "-O2", "-Wall", *cflags, str(CPP / f"{name}.cc"), "-o", str(out / name), *libs],
                       check=True)
    return out


def write_matrix(fs_open: object, path: str, mat: np.ndarray) -> None:
    """Rows of *mat* as a SequenceFile ``IntWritable -> PipesVectorWritable`` (Hama's ``v1, v2`` text)."""
    from hama_yarn.io.sequencefile import SequenceFileWriter

    with SequenceFileWriter(path, "org.apache.hadoop.io.IntWritable", VECTOR) as w:
        for i, row in enumerate(mat):
            w.append(i, ", ".join(repr(float(x)) for x in row))


def read_rows(paths: list[str]) -> dict[int, list[float]]:
    """``row -> values`` from the output part files."""
    from hama_yarn.io.sequencefile import SequenceFileReader

    rows: dict[int, list[float]] = {}
    for p in paths:
        with SequenceFileReader(p) as r:
            assert r.value_class == VECTOR
            for key, value in r:
                rows[key] = [float(x) for x in value.split(",")]
    return rows
