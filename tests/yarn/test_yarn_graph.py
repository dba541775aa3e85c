"""The graph package on YARN, inputs and outputs on HDFS (tests/cluster).

PageRank through the Vertex API and through the vectorized numpy path, both from the
``examples/graph/graph.py`` command line (``-r yarn``) and from ``GraphJob`` in-process;
results are checked against the LDBC Graphalytics reference output and networkx.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, app_of, read_parts, wait_final

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]

DATA = ROOT / "tests" / "graph" / "data" / "graphalytics"
KARATE = ROOT / "examples" / "data" / "karate.txt"
GRAPH_CLI = ROOT / "examples" / "graph" / "graph.py"


def _upload(hdfs_dir: str, *files: Path) -> list[str]:
    from hama_yarn.io.fs import resolve

    urls = []
    for f in files:
        url = f"{hdfs_dir}/in/{f.name}"
        fs, path = resolve(url)
        fs.pipe_file(path, f.read_bytes())
        urls.append(url)
    return urls


def _reference(path: Path) -> dict[str, float]:
    return {k: float(v) for k, v in (line.split() for line in path.read_text().splitlines() if line.strip())}


def _output(url: str) -> dict[str, float]:
    result: dict[str, float] = {}
    for line in read_parts(url):
        key, _, value = line.partition("\t")
        assert key not in result, f"vertex {key} written twice"
        result[key] = float(value)
    return result


def _close(actual: dict[str, float], expected: dict[str, float], rel: float) -> None:
    assert set(actual) == set(expected)
    for k, e in expected.items():
        assert math.isclose(actual[k], e, rel_tol=rel), (k, actual[k], e)


def _graph_cli(env: dict[str, str], *args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(GRAPH_CLI), *args, "-r", "yarn", "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def _succeeded(client: Any, stderr: str) -> None:
    m = re.search(r"application_\d+_\d+", stderr)
    if m is not None:
        app_id = m.group(0)
    else:
        job = re.search(r"Running job: (job_\S+)", stderr)
        assert job, stderr
        app_id = str(app_of(client, job.group(1)).id)
    report = wait_final(client, app_id)
    assert (str(report.state), str(report.final_status)) == ("FINISHED", "SUCCEEDED"), report.diagnostics


@pytest.mark.parametrize("vectorized", [False, True], ids=["vertex-api", "vectorized"])
def test_graphalytics_pagerank_cli_on_yarn(vectorized: bool, yarn_env: dict[str, str], skein_client: Any,
                                           hdfs_dir: str) -> None:
    """Graphalytics PR validation graph (dir-input, 14 iterations) from HDFS, ranks to HDFS."""
    (inp,) = _upload(hdfs_dir, DATA / "pr" / "dir-input")
    out = f"{hdfs_dir}/ranks"
    r = _graph_cli(yarn_env, "pagerank-graphalytics", "-i", inp, "-o", out, "-n", "3", "--iterations", "14",
                   *(["--vectorized"] if vectorized else []))
    assert r.returncode == 0, r.stderr
    assert ("LOAD_NANOS=" in r.stderr) == vectorized, r.stderr  # the numpy runner's own counter
    _succeeded(skein_client, r.stderr)
    _close(_output(out), _reference(DATA / "pr" / "dir-output"), rel=1e-4)
    from hama_yarn.io.fs import resolve

    fs, path = resolve(out)
    assert fs.exists(f"{path}/_SUCCESS")


@pytest.mark.parametrize("vectorized", [False, True], ids=["vertex-api", "vectorized"])
def test_graphjob_edgelist_pagerank_on_yarn(vectorized: bool, yarn_env: dict[str, str], skein_client: Any,
                                            hdfs_dir: str) -> None:
    """GraphJob in-process: Graphalytics ``.v``/``.e`` edge-list files on HDFS (example-directed, 2 iterations)."""
    from hama_yarn.config import HamaConfiguration
    from hama_yarn.graph import GraphJob
    from hama_yarn.graph.algorithms import pagerank

    ex = DATA / "example"
    inputs = _upload(hdfs_dir, ex / "example-directed.v", ex / "example-directed.e")
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "yarn")
    conf.set("hama.tmp.dir", yarn_env["HAMA_TMP"])
    job = GraphJob(conf)
    job.set_num_bsp_task(2)
    job.set_input_format("edgelist")
    job.set_input_path(",".join(inputs))
    out = f"{hdfs_dir}/pr"
    job.set_output_path(out)
    pagerank.configure_graphalytics(job, 0.85, 2)
    if vectorized:
        job.set_vectorized(True)
    assert job.wait_for_completion(verbose=False), job.get_diagnostics()
    assert (job.get_counters().find("LOAD_NANOS") > 0) == vectorized  # the numpy runner ran in the containers
    report = wait_final(skein_client, app_of(skein_client, job.get_job_id()).id)
    assert str(report.final_status) == "SUCCEEDED"
    _close(_output(out), _reference(ex / "example-directed-PR"), rel=1e-4)


@pytest.mark.parametrize("vectorized", [False, True], ids=["vertex-api", "vectorized"])
def test_karate_pagerank_matches_networkx_on_yarn(vectorized: bool, yarn_env: dict[str, str], skein_client: Any,
                                                  hdfs_dir: str) -> None:
    """Karate club adjacency list on HDFS; 100 Graphalytics iterations converge to networkx's PageRank."""
    import networkx as nx

    (inp,) = _upload(hdfs_dir, KARATE)
    out = f"{hdfs_dir}/ranks"
    r = _graph_cli(yarn_env, "pagerank-graphalytics", "-i", inp, "-o", out, "-n", "2", "--iterations", "100",
                   *(["--vectorized"] if vectorized else []))
    assert r.returncode == 0, r.stderr
    assert ("LOAD_NANOS=" in r.stderr) == vectorized, r.stderr  # the numpy runner's own counter
    _succeeded(skein_client, r.stderr)
    g = nx.DiGraph()
    for line in KARATE.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        g.add_edges_from((v, u) for u in rest.split())
    expected = nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=1000)
    ranks = _output(out)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-8), v
