"""The bundled examples once a Hadoop configuration is loaded (``fs.defaultFS=hdfs://...``), on the real HDFS.

Issue 22 items 4 and 5: ``hama example gen`` writes through the filesystem layer jobs
use (an ``hdfs://`` URL lands on HDFS, not in a local folder named ``hdfs:``; a path
without a scheme follows ``fs.defaultFS`` exactly as a job's input path does), and the
examples read their bundled data as local files, read their results through the job's
filesystem and remove their temporary directories, also when the job fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.io.fs import resolve

pytestmark = pytest.mark.hdfs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client_env(cluster_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The cluster's client env (HADOOP_CONF_DIR: fs.defaultFS is HDFS), TMPDIR in *tmp_path*."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["TMPDIR"] = str(tmp_path / "tmpdir")
    os.makedirs(env["TMPDIR"])
    return env


@pytest.fixture
def hdfs_fs(hdfs: Any, cluster_env: dict[str, str]) -> Any:
    return resolve(cluster_env["HAMA_HDFS_URL"] + "/")[0]


@pytest.fixture
def hdfs_base(hdfs_fs: Any, cluster_env: dict[str, str]) -> Iterator[str]:
    """A fresh HDFS path (no scheme) under /tmp/hama-yarn-tests, removed afterwards."""
    path = f"/tmp/hama-yarn-tests/examples-{uuid.uuid4().hex[:10]}"
    yield path
    if hdfs_fs.exists(path):
        hdfs_fs.rm(path, recursive=True)


def hama(env: dict[str, str], cwd: Path, *args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={cwd / 'hama-tmp'}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def hdfs_lines(fs: Any, path: str) -> list[str]:
    lines: list[str] = []
    for p in sorted(fs.ls(path, detail=False)):
        if p.rsplit("/", 1)[-1].startswith("part-"):
            lines.extend(fs.cat_file(p).decode().splitlines())
    return lines


def scratch_leftovers(fs: Any, prefix: str) -> set[str]:
    """``/tmp/<prefix>-*`` entries on HDFS."""
    return {p for p in fs.ls("/tmp", detail=False) if p.rsplit("/", 1)[-1].startswith(prefix + "-")}


# ------------------------------------------------------------------ item 4: hama example gen
def test_gen_to_hdfs_url(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any, hdfs_base: str) -> None:
    url = f"{client_env['HAMA_HDFS_URL']}{hdfs_base}/fastgen"
    r = hama(client_env, tmp_path, "example", "gen", "fastgen", "-v", "40", "-e", "3", "--seed", "2", "-t", "2",
             "-o", url)
    assert r.returncode == 0, r.stderr
    assert url in r.stdout
    assert not (tmp_path / "hdfs:").exists()  # the defect: a local folder literally named "hdfs:"
    assert sorted(p.rsplit("/", 1)[-1] for p in hdfs_fs.ls(f"{hdfs_base}/fastgen", detail=False)) == \
        ["part-00000", "part-00001"]
    lines = hdfs_lines(hdfs_fs, f"{hdfs_base}/fastgen")
    assert [ln.split("\t")[0] for ln in lines] == [str(v) for v in range(40)]
    assert all(len(ln.split("\t")[1].split()) == 3 for ln in lines)


def test_gen_path_without_scheme_follows_default_fs(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any,
                                                    hdfs_base: str) -> None:
    """A scheme-less -o lands where a job resolves the same path: a job reads it back from HDFS."""
    r = hama(client_env, tmp_path, "example", "gen", "rmat", "--scale", "5", "--edge-factor", "4", "-of", "seq",
             "--compression", "block", "-o", f"{hdfs_base}/rmat", "-q")
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / hdfs_base.lstrip("/")).exists() and not Path(hdfs_base).exists()  # nothing local
    assert [p.rsplit("/", 1)[-1] for p in hdfs_fs.ls(f"{hdfs_base}/rmat", detail=False)] == ["part-00000"]
    # the same scheme-less path as a job's input and output: both on HDFS
    r = hama(client_env, tmp_path, "graph", "wcc", "--format", "sequencefile", "-i", f"{hdfs_base}/rmat",
             "-o", f"{hdfs_base}/wcc", "-q")
    assert r.returncode == 0, r.stderr
    assert len(hdfs_lines(hdfs_fs, f"{hdfs_base}/wcc")) == 32
    # relative paths too: /user/<user>/<path> on HDFS, as Hadoop qualifies them
    rel = f"hama-yarn-tests-{uuid.uuid4().hex[:8]}"
    try:
        r = hama(client_env, tmp_path, "example", "gen", "fastgen", "-v", "5", "-o", rel, "-q")
        assert r.returncode == 0, r.stderr
        assert not (tmp_path / rel).exists()
        assert len(hdfs_lines(hdfs_fs, f"/user/{client_env['HADOOP_USER_NAME']}/{rel}")) == 5
    finally:
        home = f"/user/{client_env['HADOOP_USER_NAME']}/{rel}"
        if hdfs_fs.exists(home):
            hdfs_fs.rm(home, recursive=True)


def test_gen_refuses_non_empty_output(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any,
                                      hdfs_base: str) -> None:
    hdfs_fs.makedirs(f"{hdfs_base}/full", exist_ok=True)
    hdfs_fs.pipe_file(f"{hdfs_base}/full/keep", b"x")
    r = hama(client_env, tmp_path, "example", "gen", "fastgen", "-v", "5", "-o", f"{hdfs_base}/full")
    assert r.returncode == 2, r.stderr
    assert "already exists and is not empty" in r.stderr and "Traceback" not in r.stderr
    assert [p.rsplit("/", 1)[-1] for p in hdfs_fs.ls(f"{hdfs_base}/full", detail=False)] == ["keep"]


# ------------------------------------------------------------------ item 5: bundled examples
def test_pi_with_hadoop_conf(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any) -> None:
    before = scratch_leftovers(hdfs_fs, "hama-pi")
    r = hama(client_env, tmp_path, "example", "pi", "-n", "2", "--iterations", "20000", "-q")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    key, value = r.stdout.strip().split("\t")
    assert key == "Estimated value of PI is" and abs(float(value) - 3.14159) < 0.05
    assert scratch_leftovers(hdfs_fs, "hama-pi") <= before  # its temporary output is gone
    assert not list((tmp_path / "tmpdir").iterdir())


def test_pi_failure_removes_scratch(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any) -> None:
    before = scratch_leftovers(hdfs_fs, "hama-pi")
    r = hama(client_env, tmp_path, "example", "pi", "-n", "2", "--iterations", "0", "-q")  # ZeroDivisionError
    assert r.returncode == 1, r.stderr
    assert "ZeroDivisionError" in r.stderr
    assert scratch_leftovers(hdfs_fs, "hama-pi") <= before


def test_pagerank_bundled_graph_with_hadoop_conf(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any) -> None:
    before = scratch_leftovers(hdfs_fs, "hama-pagerank")
    r = hama(client_env, tmp_path, "example", "pagerank", "-q")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("Top 10 of 34 vertices")
    assert [ln.split("\t")[0] for ln in lines[1:3]] == ["33", "0"]
    assert scratch_leftovers(hdfs_fs, "hama-pagerank") <= before
    assert not list((tmp_path / "tmpdir").iterdir())


def test_graph_bundled_graph_with_hadoop_conf(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any) -> None:
    before = scratch_leftovers(hdfs_fs, "hama-graph-bfs")
    r = hama(client_env, tmp_path, "example", "graph", "bfs", "--source", "0", "--show", "2", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == ["0\t0", "1\t1"]
    assert scratch_leftovers(hdfs_fs, "hama-graph-bfs") <= before


@pytest.mark.parametrize("example,args,records", [("hello", ["--supersteps", "2"], 2 * 2 * 2),
                                                  ("combine", [], 2 * 2)])
def test_output_examples_write_to_default_fs(client_env: dict[str, str], tmp_path: Path, hdfs_fs: Any,
                                             hdfs_base: str, example: str, args: list[str], records: int) -> None:
    """hello and combine: a scheme-less -o is an HDFS path, as for every job."""
    r = hama(client_env, tmp_path, "example", example, "-n", "2", *args, "-o", f"{hdfs_base}/{example}", "-q")
    assert r.returncode == 0, r.stderr
    assert len(hdfs_lines(hdfs_fs, f"{hdfs_base}/{example}")) == records
    assert hdfs_fs.exists(f"{hdfs_base}/{example}/_SUCCESS")
