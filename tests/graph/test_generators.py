"""Graph generators and their command line (``hama example gen``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn.graph.algorithms import pagerank, paths
from hama_yarn.graph.generators import fastgen, rmat, rmat_weights, write_adjacency, write_sequencefile
from hama_yarn.graph.readers import AdjacencyReader, SequenceFileReader as SeqVertexReader, VertexInputReader
from hama_yarn.graph.vertex import Vertex
from hama_yarn.io.sequencefile import SequenceFileReader
from hama_yarn.io.writables import TEXT, TEXT_ARRAY_WRITABLE
from hama_yarn.plugins import load_script

from .conftest import GraphRunner

ROOT = Path(__file__).resolve().parents[2]


def test_rmat_shape_and_skew() -> None:
    src, dst = rmat(10, 16, seed=3)
    assert len(src) == 16 << 10 and src.max() < 1024 and dst.max() < 1024
    deg = np.bincount(src, minlength=1024)
    assert deg.max() > 10 * deg.mean()  # power-law-ish, unlike a uniform graph
    again = rmat(10, 16, seed=3)
    assert np.array_equal(again[0], src) and np.array_equal(again[1], dst)


def test_gen_cli(tmp_path: Path) -> None:
    gen = load_script(ROOT / "examples" / "gen.py")
    assert gen.main(["rmat", "--scale", "6", "--weights", "-t", "2", "-o", str(tmp_path / "r"), "--quiet"]) == 0
    lines = [ln for p in sorted((tmp_path / "r").iterdir()) for ln in p.read_text().splitlines()]
    assert len(lines) == 64
    assert sum(len(ln.split("\t")[1].split()) for ln in lines if "\t" in ln) == 16 * 64
    assert all(1 <= int(tok.split(":")[1]) <= 255 for ln in lines if "\t" in ln for tok in ln.split("\t")[1].split())
    assert gen.main(["fastgen", "-v", "30", "-e", "4", "--seed", "1", "-of", "json", "-o", str(tmp_path / "f"),
                     "--quiet"]) == 0
    recs = [json.loads(ln) for ln in (tmp_path / "f" / "part-00000").read_text().splitlines()]
    assert len(recs) == 30
    for vid, value, edges in recs:
        dests = [e[0] for e in edges]
        assert value == 0 and len(dests) == 4 == len(set(dests)) and vid not in dests


# ------------------------------------------------------------------ SequenceFile output
def _text_records(files: list[str]) -> list[tuple[str, list[str]]]:
    """``(id, tokens)`` per line of text adjacency part files."""
    out = []
    for path in files:
        for line in Path(path).read_text().splitlines():
            vid, _, rest = line.partition("\t")
            out.append((vid, rest.split()))
    return out


def _seq_records(files: list[str]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for path in files:
        with SequenceFileReader(path) as r:
            assert (r.key_class, r.value_class) == (TEXT, TEXT_ARRAY_WRITABLE)
            out.extend((k, list(v)) for k, v in r)
    return out


@pytest.mark.parametrize("compression,codec", [("none", "default"), ("record", "default"), ("block", "default"),
                                               ("block", "bzip2")])
@pytest.mark.parametrize("weighted", [False, True])
def test_sequencefile_same_records_as_text(tmp_path: Path, compression: str, codec: str, weighted: bool) -> None:
    src, dst = rmat(7, 8, seed=4)
    w = rmat_weights(len(src), seed=5) if weighted else None
    text = write_adjacency(str(tmp_path / "t"), 128, src, dst, w, parts=3)
    seq = write_sequencefile(str(tmp_path / "s"), 128, src, dst, w, parts=3, compression=compression, codec=codec,
                             metadata={"generator": "rmat"})
    assert [Path(p).name for p in seq] == [Path(p).name for p in text] == ["part-00000", "part-00001", "part-00002"]
    for t, s in zip(text, seq):  # the same vertices in the same part files
        assert _seq_records([s]) == _text_records([t])
    recs = _seq_records(seq)
    assert [k for k, _ in recs] == [str(v) for v in range(128)] and sum(len(v) for _, v in recs) == len(src)
    with SequenceFileReader(seq[0]) as r:
        assert r.compression.value == compression and r.metadata == {"generator": "rmat"}


def test_sequencefile_graph_reader_sees_text_graph(tmp_path: Path) -> None:
    """The ``sequencefile`` graph reader builds the same vertices as the ``adjacency`` reader."""
    src, dst = fastgen(50, 4, seed=2)
    src, dst = src[src % 7 != 0], dst[src % 7 != 0]  # some vertices without edges
    w = np.arange(len(src), dtype=np.int64) % 9 + 1
    text = write_adjacency(str(tmp_path / "t"), 50, src, dst, w)
    seq = write_sequencefile(str(tmp_path / "s"), 50, src, dst, w, batch_edges=17)

    def vertices(reader: VertexInputReader, records: list[tuple[Any, Any]]) -> list[tuple[str, list[Any]]]:
        out = []
        for key, value in records:
            for v in reader.parse(key, value, Vertex):
                out.append((v.get_vertex_id(), [(e.get_destination_vertex_id(), e.get_value()) for e in v.get_edges()]))
        return out

    lines = [(0, ln) for ln in Path(text[0]).read_text().splitlines()]
    with SequenceFileReader(seq[0]) as r:
        recs = list(r)
    expected = vertices(AdjacencyReader(), lines)
    assert vertices(SeqVertexReader(), recs) == expected
    assert len(expected) == 50 and sum(not edges for _, edges in expected) == 8
    assert all(isinstance(x, float) for _, edges in expected for _, x in edges)


def test_empty_and_edgeless_graphs(tmp_path: Path) -> None:
    empty = np.zeros(0, dtype=np.int64)
    files = write_sequencefile(str(tmp_path / "e"), 5, empty, empty, parts=2)
    assert _seq_records(files) == [(str(v), []) for v in range(5)]
    files = write_sequencefile(str(tmp_path / "z"), 0, empty, empty, parts=1)
    assert _seq_records(files) == []


@pytest.mark.parametrize("vectorized", [False, True])
def test_jobs_on_seq_and_text_agree(graph: GraphRunner, vectorized: bool) -> None:
    """PageRank and weighted SSSP give the same output on the seq and the text graph of one seed."""
    src, dst = rmat(8, 8, seed=6)
    w = rmat_weights(len(src), seed=7)
    write_adjacency(str(graph.tmp / "t"), 256, src, dst, w, parts=2)
    write_sequencefile(str(graph.tmp / "s"), 256, src, dst, w, parts=2, compression="block")
    source = str(int(np.argmax(np.bincount(src, minlength=256))))
    for algo in ("pagerank", "sssp"):
        results = []
        for fmt, inp in (("adjacency", "t"), ("sequencefile", "s")):
            job = graph.job(peers=2)
            if algo == "pagerank":
                pagerank.configure_graphalytics(job, 0.85, 8)
            else:
                paths.configure_sssp(job, source)
            job.set_input_format(fmt)
            job.set_vectorized(vectorized)
            results.append(graph.run(job, graph.tmp / inp))
        text, seq = results
        assert len(text) == 256 and set(seq) == set(text)
        if algo == "sssp":
            assert seq == text and sum(0 < float(x) < float("inf") for x in text.values()) > 100
        else:  # sums of the same messages, possibly in another order
            assert all(float(seq[k]) == pytest.approx(float(x), rel=1e-12) for k, x in text.items())


def test_gen_cli_sequencefile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = load_script(ROOT / "examples" / "gen.py")
    base = ["rmat", "--scale", "6", "--weights", "-t", "2", "--quiet"]
    assert gen.main([*base, "-o", str(tmp_path / "t")]) == 0
    assert gen.main([*base, "-of", "seq", "--compression", "block", "--codec", "gzip", "-o", str(tmp_path / "s")]) == 0
    seq = sorted(str(p) for p in (tmp_path / "s").iterdir())
    assert _seq_records(seq) == _text_records(sorted(str(p) for p in (tmp_path / "t").iterdir()))
    with SequenceFileReader(seq[0]) as r:
        assert r.compression.value == "block" and r.codec_class == "org.apache.hadoop.io.compress.GzipCodec"
        assert r.metadata == {"generator": "rmat", "vertices": "64", "edges": str(16 * 64)}
    assert gen.main(["fastgen", "-v", "20", "--seed", "3", "-of", "sequencefile", "-o", str(tmp_path / "f"),
                     "--quiet"]) == 0
    recs = _seq_records([str(tmp_path / "f" / "part-00000")])
    assert len(recs) == 20 and all(len(v) == 3 and k not in v for k, v in recs)
    capsys.readouterr()
    for bad in (["-of", "text", "--compression", "block"], ["-of", "json", "--codec", "gzip"],
                ["-of", "seq", "--codec", "gzip"], ["-of", "seq", "--compression", "block", "--codec", "nope"],
                ["-of", "seq", "--compression", "zip"]):
        with pytest.raises(SystemExit) as exc:
            gen.main([*base, *bad, "-o", str(tmp_path / "bad")])
        assert exc.value.code == 2, bad
        assert "usage: hama example gen" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
