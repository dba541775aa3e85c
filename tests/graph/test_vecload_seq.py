"""The numpy loader on graph SequenceFiles (``Text -> TextArrayWritable``): same results as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn.graph import vecload
from hama_yarn.graph.algorithms import components, pagerank, paths
from hama_yarn.graph.generators import rmat, rmat_weights, write_adjacency, write_sequencefile
from hama_yarn.graph.runner import COUNTER_GROUP
from hama_yarn.io.seqwriter import SequenceFileWriter

from .conftest import GraphRunner

TEXT = "org.apache.hadoop.io.Text"
TEXT_ARRAY = "org.apache.hama.commons.io.TextArrayWritable"


def run(graph: GraphRunner, inp: Path, fmt: str, configure: Any, vectorized: bool = True,
        peers: int = 2, mode: str = "inline") -> tuple[dict[str, str], int]:
    """(output, NUMPY_LOADER counter) of one job."""
    job = graph.job(mode=mode, peers=peers)
    configure(job)
    job.set_input_format(fmt)
    job.set_vectorized(vectorized)
    out = graph.run(job, inp)
    return out, job.get_counters().get(COUNTER_GROUP, "NUMPY_LOADER") if vectorized else 0


def configure_for(algorithm: str, source: str) -> Any:
    def configure(job: Any) -> None:
        if algorithm == "pagerank":
            pagerank.configure_graphalytics(job, 0.85, 8)
        elif algorithm == "pagerank-hama":
            pagerank.configure_hama(job)
        elif algorithm == "sssp":
            paths.configure_sssp(job, source)
        elif algorithm == "bfs":
            paths.configure_bfs(job, source)
        else:
            components.configure_wcc(job)
    return configure


@pytest.mark.parametrize("compression", ["none", "block"])
@pytest.mark.parametrize("algorithm", ["pagerank", "pagerank-hama", "sssp", "bfs", "wcc"])
def test_seq_and_text_identical(graph: GraphRunner, monkeypatch: pytest.MonkeyPatch, algorithm: str,
                                compression: str) -> None:
    """The numpy loader reads the seq graph (several blocks per split) into the same result as the text graph."""
    monkeypatch.setattr(vecload, "BLOCK_CHARS", 300)
    monkeypatch.setattr(vecload, "SEQ_BLOCK_BYTES", 300)
    monkeypatch.setattr(vecload, "ROUND_EDGES", 200)
    src, dst = rmat(9, 8, seed=11)
    n = 512 + 3  # the last vertices have no edges
    w = rmat_weights(len(src), seed=2) if algorithm == "sssp" else None
    write_adjacency(str(graph.tmp / "t"), n, src, dst, w, parts=3)
    write_sequencefile(str(graph.tmp / "s"), n, src, dst, w, parts=3, compression=compression)
    source = str(int(np.argmax(np.bincount(src, minlength=n))))
    configure = configure_for(algorithm, source)
    text, used_t = run(graph, graph.tmp / "t", "adjacency", configure)
    seq, used_s = run(graph, graph.tmp / "s", "sequencefile", configure)
    assert used_t == used_s == 1
    assert len(seq) == n and seq == text
    vertex_api, _ = run(graph, graph.tmp / "s", "sequencefile", configure, vectorized=False)
    assert set(vertex_api) == set(seq)
    for k, x in vertex_api.items():
        assert float(seq[k]) == pytest.approx(float(x), rel=1e-9, abs=1e-15), k


def test_seq_local_mode(graph: GraphRunner) -> None:
    src, dst = rmat(8, 4, seed=3)
    write_adjacency(str(graph.tmp / "t"), 256, src, dst, parts=2)
    write_sequencefile(str(graph.tmp / "s"), 256, src, dst, parts=2, compression="record")
    configure = configure_for("bfs", "0")
    text, _ = run(graph, graph.tmp / "t", "adjacency", configure, mode="local", peers=3)
    seq, used = run(graph, graph.tmp / "s", "sequencefile", configure, mode="local", peers=3)
    assert used == 1 and seq == text


def write_records(path: Path, records: list[tuple[str, list[str]]]) -> Path:
    path.mkdir(exist_ok=True)
    with SequenceFileWriter(str(path / "part-00000"), TEXT, TEXT_ARRAY) as w:
        for key, value in records:
            w.append(key, value)
    return path


GOOD = [("1", ["2", "3:2.5"]), ("2", ["3"]), ("3", []), ("4", ["1", "1", "5"]), ("5", ["2:0.5"])]


@pytest.mark.parametrize("bad,fast", [
    ([], True),  # as is
    ([("6", ["7"]), ("7", [])], True),
    ([("6", ["7 8"])], False),  # one destination with whitespace (the vertex reader keeps it as one id)
    ([("", ["7"]), ("6 8", [])], False),  # an empty key and a key with a space: token counts cancel out
    ([("6", ["", "7"])], False),  # an empty destination (the vertex reader creates vertex "")
    ([("#6", ["1"])], False),  # a comment in text, a vertex here
    ([("6", ["1\n7"])], False),
    ([("a", ["1"]), ("b", ["a"])], False),  # string ids
    ([("06", ["1"])], False),
])
def test_seq_records_the_vertex_reader_reads_otherwise(graph: GraphRunner, bad: list[tuple[str, list[str]]],
                                                       fast: bool) -> None:
    """Records the adjacency text parser would read differently fall back to vertex objects."""
    inp = write_records(graph.tmp / "in", GOOD + bad)
    configure = configure_for("sssp", "1")
    job = graph.job(peers=2, **{"hama.graph.create.missing.vertices": "true"})
    configure(job)
    job.set_input_format("sequencefile")
    job.set_vectorized(True)
    job.set_input_path(str(inp))
    job.set_output_path(str(graph.tmp / "vec"))
    ok = job.wait_for_completion(verbose=False)
    ref_job = graph.job(peers=2, **{"hama.graph.create.missing.vertices": "true"})
    configure(ref_job)
    ref_job.set_input_format("sequencefile")
    ref_job.set_input_path(str(inp))
    ref_job.set_output_path(str(graph.tmp / "ref"))
    assert ok, job.get_diagnostics()
    assert ref_job.wait_for_completion(verbose=False)
    assert job.get_counters().get(COUNTER_GROUP, "NUMPY_LOADER") == (1 if fast else 0)
    vec, ref = lines(graph.tmp / "vec"), lines(graph.tmp / "ref")
    assert vec == ref and "3\t2.0" in vec and "5\tinf" in vec


def lines(out: Path) -> list[str]:
    """The sorted output lines (ids with line breaks make ``read_output`` ambiguous)."""
    return sorted(x for p in out.glob("part-*") for x in p.read_text().split("\n"))
