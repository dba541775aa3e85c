"""Hadoop's own ``SequenceFile.Reader`` reads the graph SequenceFiles of ``hama example gen -of seq``.

``tests/io/java/GraphSeqDump.java`` reads every generated part file (NONE, RECORD and BLOCK
compression) in one JVM and prints ``id<TAB>tokens``; that must equal the text adjacency
files generated from the same edges.  Hama's ``TextArrayWritable`` class name is bound to
an ``ArrayWritable`` of ``Text`` there, since the hama-commons jar is not in tests/cluster/lib.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.graph.generators import rmat, rmat_weights, write_adjacency, write_sequencefile
from hama_yarn.io.writables import TEXT, TEXT_ARRAY_WRITABLE
from tests.io.helpers import compile_java_tool

pytestmark = pytest.mark.java

JAVA_SRC = Path(__file__).resolve().parent / "java" / "GraphSeqDump.java"
CASES = [("none", "default", "-"), ("record", "default", "org.apache.hadoop.io.compress.DefaultCodec"),
         ("block", "gzip", "org.apache.hadoop.io.compress.GzipCodec"),
         ("block", "bzip2", "org.apache.hadoop.io.compress.BZip2Codec")]


@pytest.fixture(scope="module")
def graph_seq_dump(hadoop_jars: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict[str, str]]:
    """``java ... GraphSeqDump`` command prefix (compiled into a temporary directory) and its environment."""
    return compile_java_tool(JAVA_SRC, hadoop_jars, tmp_path_factory.mktemp("graphseqdump"))


def test_generated_graph_read_by_java(graph_seq_dump: tuple[list[str], dict[str, str]], tmp_path: Path) -> None:
    src, dst = rmat(8, 8, seed=11)
    keep = src % 5 != 0  # some vertices without edges: empty arrays
    src, dst = src[keep], dst[keep]
    weights = rmat_weights(len(src), seed=12)
    text = write_adjacency(str(tmp_path / "text"), 256, src, dst, weights, parts=2)
    expected = [[ln if "\t" in ln else ln + "\t" for ln in Path(p).read_text().splitlines()] for p in text]
    seq: list[tuple[tuple[str, str, str], str, int]] = []
    for case in CASES:
        files = write_sequencefile(str(tmp_path / f"{case[0]}-{case[1]}"), 256, src, dst, weights, parts=2,
                                   compression=case[0], codec=case[1])
        seq.extend((case, f, i) for i, f in enumerate(files))
    cmd, env = graph_seq_dump
    p = subprocess.run([*cmd, *(f for _, f, _ in seq)], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    for (ctype, _, codec_class), path, part in seq:
        err = Path(path + ".java.err")
        assert not err.exists(), err.read_text()
        lines = Path(path + ".java.txt").read_text(encoding="utf-8").splitlines()
        assert lines[0].split("\t") == ["#header", TEXT, TEXT_ARRAY_WRITABLE, ctype.upper(), codec_class]
        assert lines[1:] == expected[part], (ctype, codec_class, part)
    assert sum(len(e) for e in expected) == 256 and any(ln.endswith("\t") for e in expected for ln in e)
