"""Recovery of a Vertex API job that keeps its vertices in the ``disk`` store (issue 23 with issue 13):
peer 2 is SIGKILLed mid-job; the restored peers rebuild their store from the checkpoint and the
output is byte-identical to an undisturbed disk-store run (and equal, as values, to the in-memory
run's).  The store's files are gone afterwards."""

from __future__ import annotations

from pathlib import Path

from hama_yarn.graph.store import CACHE_KEY, STORE_KEY

from .test_graph_recovery import FT, graph_file, rolled_back_to, run  # noqa: F401  (graph_file: fixture)


def _values(tree: dict[str, bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, text in tree.items():
        if name.startswith("part-"):
            for line in text.decode().splitlines():
                k, _, v = line.partition("\t")
                out[k] = v
    return out


def test_disk_store_sssp_peer2_killed_output_identical(graph_file: Path, tmp_path: Path) -> None:  # noqa: F811
    disk = {STORE_KEY: "disk", CACHE_KEY: "8192", "bsp.local.dir": str(tmp_path / "local")}
    memory, _, _ = run(tmp_path / "mem", graph_file, "sssp", {})
    expected, _, _ = run(tmp_path / "disk", graph_file, "sssp", disk)
    assert _values(expected) == _values(memory) and len(_values(memory)) == 420
    tree, progress, recoveries = run(tmp_path / "killed", graph_file, "sssp", {**disk, **FT, "test.ft.kill": "2@11"})
    assert recoveries == 1
    assert 10 <= rolled_back_to(progress) <= 11, progress  # resumed from an iteration's checkpoint
    assert tree == expected
    assert not any((tmp_path / "local").iterdir()), "store files left behind"
