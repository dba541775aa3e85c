"""``hama example graph pagerank`` and ``hama example pagerank`` on the real YARN, data on HDFS (tests/cluster).

Issue 22 items 5 and 9: the graph command runs on YARN with HDFS input and output,
and the bundled-data example stages its graph to HDFS for the containers and removes
it (and its temporary output) afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from hama_yarn.io.fs import resolve
from tests.graph.test_algorithms import hama_pagerank_reference

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]

ROOT = Path(__file__).resolve().parents[2]
KARATE = ROOT / "examples" / "data" / "karate.txt"


@pytest.fixture
def yarn_client_env(yarn: Any, hdfs: Any, cluster_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["TMPDIR"] = str(tmp_path / "tmpdir")
    os.makedirs(env["TMPDIR"])
    return env


@pytest.fixture
def hdfs_url(yarn_client_env: dict[str, str]) -> Iterator[str]:
    url = f"{yarn_client_env['HAMA_HDFS_URL']}/tmp/hama-yarn-tests/examples-yarn-{uuid.uuid4().hex[:10]}"
    fs, path = resolve(url)
    fs.makedirs(path, exist_ok=True)
    yield url
    if fs.exists(path):
        fs.rm(path, recursive=True)


def hama(env: dict[str, str], cwd: Path, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-r", "yarn", "-D", f"hama.tmp.dir={cwd / 'hama-tmp'}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def karate() -> nx.DiGraph:
    g = nx.DiGraph()
    for line in KARATE.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        g.add_edges_from((v, u) for u in rest.split())
    return g


def test_example_graph_pagerank_on_yarn(yarn_client_env: dict[str, str], tmp_path: Path, hdfs_url: str) -> None:
    fs, base = resolve(hdfs_url)
    fs.put_file(str(KARATE), f"{base}/karate.txt")
    r = hama(yarn_client_env, tmp_path, "example", "graph", "pagerank", "-i", f"{hdfs_url}/karate.txt",
             "-o", f"{hdfs_url}/ranks", "-n", "2")
    assert r.returncode == 0, r.stderr
    assert "Submitted application application_" in r.stderr and "Traceback" not in r.stderr
    assert fs.exists(f"{base}/ranks/_SUCCESS")
    ranks: dict[str, float] = {}
    for part in sorted(p for p in fs.ls(f"{base}/ranks", detail=False) if p.rsplit("/", 1)[-1].startswith("part-")):
        for line in fs.cat_file(part).decode().splitlines():
            vertex, value = line.split("\t")
            ranks[vertex] = float(value)
    expected = hama_pagerank_reference(karate())
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, rel=1e-9), v


def test_example_pagerank_bundled_graph_on_yarn(yarn_client_env: dict[str, str], tmp_path: Path) -> None:
    """No -i/-o on YARN: the bundled graph is staged to HDFS, ranks are printed, the scratch dir is removed."""
    fs, _ = resolve(yarn_client_env["HAMA_HDFS_URL"] + "/")

    def leftovers() -> set[str]:
        return {p for p in fs.ls("/tmp", detail=False) if p.rsplit("/", 1)[-1].startswith("hama-pagerank-")}

    before = leftovers()
    r = hama(yarn_client_env, tmp_path, "example", "pagerank", "-q")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("Top 10 of 34 vertices")
    expected = nx.pagerank(karate(), alpha=0.85, tol=1e-13, max_iter=1000)
    top = sorted(expected, key=lambda v: -expected[v])[:3]
    assert [ln.split("\t")[0] for ln in lines[1:4]] == top
    assert leftovers() <= before
    assert not list((tmp_path / "tmpdir").iterdir())
