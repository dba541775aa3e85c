"""The bundled examples run and produce correct results."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
KARATE = ROOT / "examples" / "data" / "karate.txt"


def hama(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={tmp}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def read_parts(out: Path) -> list[str]:
    lines: list[str] = []
    for part in sorted(out.glob("part-*")):
        lines.extend(part.read_text().splitlines())
    return lines


def load_graph(path: Path) -> nx.DiGraph:
    g = nx.DiGraph()
    for line in path.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        for u in rest.split():
            g.add_edge(v, u)
    return g


@pytest.mark.parametrize("peers", [1, 3, 4])
def test_pagerank_matches_networkx(tmp_path: Path, peers: int) -> None:
    out = tmp_path / "out"
    r = hama("example", "pagerank", "-i", str(KARATE), "-o", str(out), "-n", str(peers), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    ranks = {v: float(x) for v, x in (line.split("\t") for line in read_parts(out))}
    expected = nx.pagerank(load_graph(KARATE), alpha=0.85, tol=1e-13, max_iter=1000)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-9), v
    assert math.isclose(sum(ranks.values()), 1.0, abs_tol=1e-9)
    assert (out / "_SUCCESS").exists()


def test_pagerank_with_dangling_vertices(tmp_path: Path) -> None:
    # Directed graph where vertex "d" has no out-edges and "e" only appears as a target.
    graph = tmp_path / "g.txt"
    graph.write_text("a\tb c\nb\tc d\nc\ta\nd\t\nf\te a\n")
    out = tmp_path / "out"
    r = hama("example", "pagerank", "-i", str(graph), "-o", str(out), "-n", "2", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    ranks = {v: float(x) for v, x in (line.split("\t") for line in read_parts(out))}
    expected = nx.pagerank(load_graph(graph), alpha=0.85, tol=1e-13, max_iter=1000)
    assert set(ranks) == set(expected) == {"a", "b", "c", "d", "e", "f"}
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-9), v


def test_pagerank_default_prints_top_ranks(tmp_path: Path) -> None:
    r = hama("example", "pagerank", "-q", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("Top 10 of 34 vertices")
    # Vertices 33 and 0 (the two club leaders) rank highest, as networkx says.
    assert [line.split("\t")[0] for line in lines[1:3]] == ["33", "0"]


def test_pi_is_close(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = hama("example", "pi", "-n", "3", "--iterations", "200000", "-o", str(out), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    key, value = read_parts(out)[0].split("\t")
    assert key == "Estimated value of PI is"
    assert abs(float(value) - math.pi) < 0.01
    assert "Counters:" in r.stderr


def test_combine_delivers_one_six_per_sender(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = hama("example", "combine", "-n", "3", "-o", str(out), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = read_parts(out)
    assert len(lines) == 9
    assert all(line.split("\t")[1] == "6" for line in lines)
    assert "TOTAL_MESSAGES_SENT=27" in r.stderr
    assert "TOTAL_MESSAGES_RECEIVED=9" in r.stderr


def test_hello_all_to_all(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = hama("example", "hello", "-n", "3", "--supersteps", "4", "-o", str(out), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = read_parts(out)
    assert len(lines) == 3 * 3 * 4
    steps = sorted({int(line.split("\t")[0]) for line in lines})
    assert steps == [1, 2, 3, 4]
    # every peer greeted every peer in every superstep
    senders = {line.split("from ")[1].split(" in ")[0] for line in lines}
    assert len(senders) == 3


def test_example_list_and_unknown(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "hama_yarn.cli.main", "example"]
    r = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "pagerank" in r.stdout
    r = subprocess.run([*cli, "nope"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown example" in r.stderr
    r = subprocess.run([*cli, "../README"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown example" in r.stderr


def test_running_an_example_imports_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming an example does not import the built-in ones (their NumPy thread pool made the client
    spawn instead of fork the master: 0.15 s more for ``hama example bench``)."""
    from hama_yarn.cli import example

    monkeypatch.setattr(example, "available", lambda: pytest.fail("available() imports every built-in"))
    assert example._exists("bench") and example._exists("hello") and example._exists("pagerank")
    assert not example._exists("nope") and not example._exists("../README") and not example._exists("_x")
