"""Hama Pipes C++ on the real YARN of tests/cluster: the executable lives on HDFS (hdfs: URI in
``hama.pipes.executable``) and is localized by every peer."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit
from pathlib import Path
from typing import Any

import numpy as np

from tests.pipes.cpp_programs import CPP, build, write_matrix
from tests.pipes.test_pipes_cpp_java import _declared, java_tool  # noqa: F401 - the fixture
from tests.yarn.conftest import hama, hdfs_dir, yarn_env  # noqa: F401 - fixtures


def _put(local: Path, url: str) -> str:
    from hama_yarn.io.fs import resolve

    fs, path = resolve(url)
    with fs.open(path, "wb") as f:
        f.write(local.read_bytes())
    return url


def _seq_records(url_dir: str) -> list[tuple[Any, Any]]:
    from hama_yarn.io.fs import resolve
    from hama_yarn.io.sequencefile import SequenceFileReader

    fs, path = resolve(url_dir)
    rows: list[tuple[Any, Any]] = []
    for p in sorted(fs.ls(path, detail=False)):
        if p.rsplit("/", 1)[-1].startswith("part-"):
            with SequenceFileReader(url_dir.split(path)[0] + p if not p.startswith("hdfs") else p) as r:
                rows += list(r)
    return rows


def _java_dump_hdfs(tool: list[str], xml: Path, url_dir: str) -> list[tuple[str, str]]:
    """Every record of the part files on HDFS, read by Java Hadoop with the classes *xml* declares."""
    import subprocess

    from hama_yarn.io.fs import resolve

    fs, path = resolve(url_dir)
    base = url_dir[: url_dir.index(path)] if path in url_dir else ""
    parts = [p if "://" in p else base + p for p in sorted(fs.ls(path, detail=False))
             if p.rsplit("/", 1)[-1].startswith("part-")]
    assert parts
    p = subprocess.run([*tool, "dump", *_declared(xml), *parts], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return [tuple(line.split("\t", 1)) for line in p.stdout.splitlines()]  # type: ignore[misc]


def test_cpp_programs_on_yarn_from_hdfs(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str,
                                        tmp_path: Path, java_tool: list[str]) -> None:
    progs = build(tmp_path)
    data = tmp_path / "in.txt"
    data.write_text("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)))
    exe = {name: _put(progs / name, f"{hdfs_dir}/bin/{name}") for name in ("summation", "piestimator",
                                                                           "matrixmultiplication")}
    rng = np.random.default_rng(5)
    a, b = rng.random((14, 12)), rng.random((12, 16))
    write_matrix(open, str(tmp_path / "a.seq"), a)
    write_matrix(open, str(tmp_path / "bt.seq"), b.T)
    jobs = {
        "sum": ["pipes", "-conf", str(CPP / "summation.xml"), "-D", f"hama.pipes.executable={exe['summation']}",
                "-bspTasks", "3", "-input", _put(data, f"{hdfs_dir}/in.txt"), "-output", f"{hdfs_dir}/sum",
                "-r", "yarn"],
        "pi": ["pipes", "-conf", str(CPP / "piestimator.xml"), "-D", f"hama.pipes.executable={exe['piestimator']}",
               "-D", "hama.pi.iterations=300000", "-output", f"{hdfs_dir}/pi", "-r", "yarn"],
        "mm": ["pipes", "-conf", str(CPP / "matrixmultiplication.xml"),
               "-D", f"hama.pipes.executable={exe['matrixmultiplication']}",
               # a bare path, as in Hama's example conf: the child's sequenceFileOpen reads it from fs.defaultFS
               "-D", f"hama.mat.mult.B.path={urlsplit(_put(tmp_path / 'bt.seq', f'{hdfs_dir}/bt.seq')).path}",
               "-input", _put(tmp_path / "a.seq", f"{hdfs_dir}/a.seq"), "-output", f"{hdfs_dir}/mm", "-r", "yarn"],
    }
    # the three applications run side by side on the cluster (each is checked on its own below)
    with ThreadPoolExecutor(len(jobs)) as pool:
        done = dict(zip(jobs, pool.map(lambda args: hama(yarn_env, *args), jobs.values())))
    for name, r in done.items():
        assert r.returncode == 0, (name, r.stderr)

    assert _seq_records(f"{hdfs_dir}/sum") == [(None, 55.0)]
    assert _java_dump_hdfs(java_tool, CPP / "summation.xml", f"{hdfs_dir}/sum") == [("(null)", "55.0")]

    rows = _seq_records(f"{hdfs_dir}/pi")
    assert len(rows) == 1 and abs(rows[0][1] - math.pi) < 0.05
    java_pi = _java_dump_hdfs(java_tool, CPP / "piestimator.xml", f"{hdfs_dir}/pi")
    assert len(java_pi) == 1 and float(java_pi[0][1]) == rows[0][1]

    rows_mm = {k: [float(x) for x in v.split(",")] for k, v in _seq_records(f"{hdfs_dir}/mm")}
    np.testing.assert_allclose(np.array([rows_mm[i] for i in range(14)]), a @ b, atol=1e-9)
    java_mm = _java_dump_hdfs(java_tool, CPP / "matrixmultiplication.xml", f"{hdfs_dir}/mm")
    java_rows = {int(k): [float(x) for x in v.split(",")] for k, v in java_mm}
    assert sorted(java_rows) == list(range(14))
    np.testing.assert_allclose(np.array([java_rows[i] for i in range(14)]), a @ b, atol=1e-9)
