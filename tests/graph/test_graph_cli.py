"""``hama graph ALGORITHM`` / ``hama example graph ALGORITHM`` (hama_yarn/cli/graph.py) as a user runs it.

Every algorithm of the graph package runs through the installed command (a subprocess,
local peer processes), with the CLI's exit codes and one ``hama: error:`` line (no
traceback) for bad input; the Graphalytics six are checked against the reference outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hama_yarn.graph.algorithms import ALGORITHMS

from .conftest import DATA, read_output
from .test_graphalytics import close, reference, same_partition

ROOT = Path(__file__).resolve().parents[2]
EX = DATA / "example"
KARATE = ROOT / "examples" / "data" / "karate.txt"


def _env() -> dict[str, str]:
    """The environment without a Hadoop/Hama configuration (paths stay local)."""
    env = {k: v for k, v in os.environ.items() if k not in ("HADOOP_CONF_DIR", "HAMA_CONF_DIR", "YARN_CONF_DIR")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def hama(tmp: Path, *args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    """Run ``hama ARGS`` in *tmp*, with ``TMPDIR=<tmp>/tmpdir`` (the command's scratch space)."""
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={tmp / 'hama-tmp'}"]
    env = _env()
    env["TMPDIR"] = str(tmp / "tmpdir")
    os.makedirs(env["TMPDIR"], exist_ok=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp)


def _ok(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr


# (algorithm, extra options, inputs, reference, comparison); example-directed, Graphalytics parameters
GRAPHALYTICS = [
    ("bfs", ["--source", "1"], [EX / "example-directed-input"], "BFS", "exact"),
    ("sssp", ["--source", "1", "--format", "edgelist"], [EX / "example-directed.v", EX / "example-directed.e"],
     "SSSP", "rel"),
    ("wcc", [], [EX / "example-directed-input"], "WCC", "partition"),
    ("pagerank-graphalytics", ["--iterations", "2"], [EX / "example-directed-input"], "PR", "rel"),
    ("cdlp", ["--iterations", "2"], [EX / "example-directed-input"], "CDLP", "exact"),
    ("lcc", [], [EX / "example-directed-input"], "LCC", "abs"),
]


# the vectorized runner has pagerank, sssp, bfs and wcc (cdlp --vectorized: see test_usage_errors)
CASES = [pytest.param(*g, False, id=g[0]) for g in GRAPHALYTICS] + \
    [pytest.param(*g, True, id=f"{g[0]}-vectorized") for g in GRAPHALYTICS if g[0] not in ("cdlp", "lcc")]


@pytest.mark.parametrize("algo,opts,inputs,ref,how,vectorized", CASES)
def test_graphalytics_algorithms_via_cli(tmp_path: Path, algo: str, opts: list[str], inputs: list[Path], ref: str,
                                         how: str, vectorized: bool) -> None:
    out = tmp_path / "out"
    r = hama(tmp_path, "graph", algo, *opts, "-i", ",".join(map(str, inputs)), "-o", str(out), "-n", "2",
             *(["--vectorized"] if vectorized else []))
    _ok(r)
    assert "Counters:" in r.stderr and (out / "_SUCCESS").exists()
    assert ("LOAD_NANOS=" in r.stderr) == vectorized  # the numpy runner's own counter
    got, expected = read_output(out), reference(EX / f"example-directed-{ref}")
    if how == "exact":
        assert got == expected
    elif how == "partition":
        assert same_partition(got, expected)
    else:
        close(got, expected, rel=1e-4 if how == "rel" else 0.0, abs_=1e-6 if how == "abs" else 0.0)


# the other algorithms, on the bundled karate club graph (symmetric adjacency): they run and write every vertex
OTHERS = {
    "pagerank": [],
    "mindist": [],
    "inlink": [],
    "kcore": [],
    "semi": ["--iterations", "3"],
}


def test_every_algorithm_has_a_cli_case() -> None:
    covered = {g[0] for g in GRAPHALYTICS} | set(OTHERS) | {"bipartite"}
    assert covered == set(ALGORITHMS)


@pytest.mark.parametrize("algo", sorted(OTHERS))
def test_other_algorithms_via_example_command(tmp_path: Path, algo: str) -> None:
    out = tmp_path / "out"
    r = hama(tmp_path, "example", "graph", algo, *OTHERS[algo], "-i", str(KARATE), "-o", str(out), "-n", "3")
    _ok(r)
    got = read_output(out)
    assert set(got) == {str(v) for v in range(34)}
    if algo == "inlink":  # karate's adjacency is symmetric: in-links = out-links
        degrees = {ln.split("\t")[0]: len(ln.split("\t")[1].split()) for ln in KARATE.read_text().splitlines()}
        assert {k: int(v) for k, v in got.items()} == degrees
    if algo == "mindist":  # one connected component: every label is the smallest id
        assert set(got.values()) == {"0"}


def test_bipartite_via_cli(tmp_path: Path) -> None:
    """Hama's bipartite input ``A L:B D``: every matched vertex names a partner that names it back."""
    graph = tmp_path / "bip.txt"
    graph.write_text("A L:B D\nB R:A C\nC L:B D\nD R:A C\n")
    out = tmp_path / "out"
    r = hama(tmp_path, "graph", "bipartite", "--seed", "1", "-i", str(graph), "-o", str(out))
    _ok(r)
    match = {k: v.split()[0] for k, v in read_output(out).items()}
    assert set(match) == {"A", "B", "C", "D"}
    assert all(match[match[k]] == k for k in match), match  # a complete 2x2 bipartite graph: a perfect matching
    assert {frozenset((k, m)) for k, m in match.items()} <= {frozenset(p) for p in ("AB", "AD", "CB", "CD")}


def test_default_graph_prints_values(tmp_path: Path) -> None:
    """Without -i/-o: the bundled graph, values printed by vertex id, nothing left in the temp dir."""
    r = hama(tmp_path, "graph", "bfs", "--source", "0", "-q", "--show", "5")
    _ok(r)
    lines = r.stdout.splitlines()
    assert lines[:5] == ["0\t0", "1\t1", "2\t1", "3\t1", "4\t1"]
    assert lines[5].startswith("... and 29 more vertices")
    assert not list((tmp_path / "tmpdir").iterdir())  # the scratch output is gone


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    cases = [
        (["graph", "bfs", "--source", "1", "-i", str(tmp_path / "missing"), "-o", str(tmp_path / "o")],
         "Input path does not exist"),
        (["example", "graph", "wcc", "-i", str(tmp_path / "missing"), "-o", str(tmp_path / "o")],
         "Input path does not exist"),
        (["graph", "bfs", "-i", str(KARATE), "-o", str(tmp_path / "o")], "bfs needs a source vertex"),
        (["graph", "cdlp", "--vectorized", "-i", str(KARATE), "-o", str(tmp_path / "o")], "no vectorized version"),
        (["graph", "pagerank", "--iterations", "0"], "iterations must be positive"),
        (["graph", "lcc", "--format", "edgelist"], "needs an input"),
        (["graph", "nope"], "invalid choice"),
    ]
    for args, message in cases:
        r = hama(tmp_path, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr, r.stderr
        errors = [ln for ln in r.stderr.splitlines() if "error:" in ln]
        assert len(errors) == 1 and message in errors[0], (args, r.stderr)
    assert not (tmp_path / "o").exists()


def test_existing_output_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep").write_text("x")
    r = hama(tmp_path, "graph", "wcc", "-i", str(KARATE), "-o", str(out))
    assert r.returncode == 2 and "already exists" in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep"]


def test_failed_job_exits_1(tmp_path: Path) -> None:
    """A bad input record fails the job (exit 1) and names the record."""
    bad = tmp_path / "bad.txt"
    bad.write_text("1\t2:notanumber\n")
    r = hama(tmp_path, "graph", "sssp", "--source", "1", "-i", str(bad), "-o", str(tmp_path / "o"))
    assert r.returncode == 1, r.stderr
    assert "notanumber" in r.stderr
    assert not (tmp_path / "o").exists()


def test_source_tree_wrapper(tmp_path: Path) -> None:
    """examples/graph/graph.py is the same command (same exit codes, no traceback)."""
    wrapper = [sys.executable, str(ROOT / "examples" / "graph" / "graph.py")]
    r = subprocess.run([*wrapper, "wcc", "-i", str(tmp_path / "missing"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=120, env=_env(), cwd=tmp_path)
    assert r.returncode == 2 and "hama: error: Input path does not exist" in r.stderr
    assert "Traceback" not in r.stderr
    out = tmp_path / "bfs"
    r = subprocess.run([*wrapper, "bfs", "--source", "1", "-i", str(EX / "example-directed-input"), "-o", str(out),
                        "-D", f"hama.tmp.dir={tmp_path / 'hama-tmp'}"],
                       capture_output=True, text=True, timeout=120, env=_env(), cwd=tmp_path)
    _ok(r)
    assert read_output(out) == reference(EX / "example-directed-BFS")
