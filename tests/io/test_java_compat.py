"""Byte compatibility with Java Hadoop's SequenceFile, both ways (tests/io/java/SeqTool.java).

Java -> Python: Hadoop's ``SequenceFile.Writer`` writes every (type pair x compression x
codec) combination and prints the records canonically; hama-yarn reads each file and must
produce the same lines, header classes and metadata.
Python -> Java: hama-yarn writes the same records; Hadoop's ``SequenceFile.Reader`` reads
them and must print identical lines.

Codecs: DefaultCodec, GzipCodec, BZip2Codec and SnappyCodec work with Hadoop's pure-Java /
bundled implementations (snappy-java).  Not covered, with the reason:
Lz4Codec needs lz4-java (``net.jpountz.lz4``), which is not among the cluster's jars;
ZStandardCodec needs the native libhadoop built with zstd (Hadoop has no pure-Java zstd).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter
from tests.io.helpers import compile_java_tool

pytestmark = pytest.mark.java

JAVA_SRC = Path(__file__).resolve().parent / "java" / "SeqTool.java"
IO = "org.apache.hadoop.io."
CODECS = ["DefaultCodec", "GzipCodec", "BZip2Codec", "SnappyCodec"]
UNSUPPORTED = {
    "Lz4Codec": "Hadoop's Lz4Codec needs lz4-java (net.jpountz.lz4), not in tests/cluster/lib",
    "ZStandardCodec": "Hadoop's ZStandardCodec needs native libhadoop with zstd",
}
TYPE_PAIRS = [
    ("Text", "IntWritable"),
    ("LongWritable", "Text"),
    ("IntWritable", "BytesWritable"),
    ("Text", "DoubleWritable"),
    ("VLongWritable", "FloatWritable"),
    ("VIntWritable", "BooleanWritable"),
    ("Text", "NullWritable"),
]
COMPRESSIONS = [("NONE", "DefaultCodec")] + [(c, k) for c in ("RECORD", "BLOCK") for k in CODECS]
N = 1500  # enough for several sync markers / blocks


@pytest.fixture(scope="module")
def seqtool(hadoop_jars: Any, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``java ... SeqTool`` command prefix, compiled into a temporary directory."""
    return compile_java_tool(JAVA_SRC, hadoop_jars, tmp_path_factory.mktemp("seqtool"))[0]


def _run(cmd: list[str], timeout: float = 600) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


# ----------------------------------------------------------- canonical rendering
def render(value: Any, java_type: str) -> str:
    """The canonical form SeqTool.render prints for a Writable."""
    if java_type == "Text":
        return "T" + value.encode("utf-8").hex()
    if java_type == "BytesWritable":
        return "B" + bytes(value).hex()
    if java_type in ("IntWritable", "VIntWritable"):
        return f"I{value}"
    if java_type in ("LongWritable", "VLongWritable"):
        return f"L{value}"
    if java_type == "FloatWritable":
        return "F" + format(struct.unpack(">I", struct.pack(">f", value))[0], "x")
    if java_type == "DoubleWritable":
        return "D" + format(struct.unpack(">Q", struct.pack(">d", value))[0], "x")
    if java_type == "BooleanWritable":
        return "Z" + ("true" if value else "false")
    if java_type == "NullWritable":
        assert value is None
        return "N"
    raise AssertionError(java_type)


def parse(text: str) -> Any:
    """Inverse of :func:`render`."""
    tag, body = text[0], text[1:]
    if tag == "T":
        return bytes.fromhex(body).decode("utf-8")
    if tag == "B":
        return bytes.fromhex(body)
    if tag in "IL":
        return int(body)
    if tag == "F":
        return struct.unpack(">f", struct.pack(">I", int(body, 16)))[0]
    if tag == "D":
        return struct.unpack(">d", struct.pack(">Q", int(body, 16)))[0]
    if tag == "Z":
        return body == "true"
    if tag == "N":
        return None
    raise AssertionError(text)


def _cases() -> list[tuple[str, str, str, str]]:
    cases = [(k, v, "BLOCK", "DefaultCodec") for k, v in TYPE_PAIRS]
    cases += [(k, v, "NONE", "DefaultCodec") for k, v in TYPE_PAIRS]
    cases += [("Text", "BytesWritable", c, k) for c, k in COMPRESSIONS if (c, k) != ("NONE", "DefaultCodec")]
    cases += [("LongWritable", "Text", c, k) for c, k in COMPRESSIONS if c == "RECORD"]
    return cases


def _name(case: tuple[str, str, str, str]) -> str:
    return "-".join(case)


@pytest.fixture(scope="module")
def java_files(seqtool: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case written by Hadoop's writer in one JVM: name -> file (expected lines in FILE.expected)."""
    d = tmp_path_factory.mktemp("java-written")
    files = {_name(c): d / f"{_name(c)}.seq" for c in _cases()}
    spec = d / "spec.txt"
    spec.write_text("".join(f"{files[_name(c)]} {c[0]} {c[1]} {c[2]} {c[3]} {N}\n" for c in _cases()))
    _run([*seqtool, "writeall", str(spec)])
    return files


@pytest.mark.parametrize("case", _cases(), ids=_name)
def test_java_written_read_by_hama(java_files: dict[str, Path], case: tuple[str, str, str, str]) -> None:
    key_t, val_t, ctype, codec = case
    path = java_files[_name(case)]
    expected = path.with_name(path.name + ".expected").read_text(encoding="utf-8").splitlines()
    assert len(expected) == N
    with SequenceFileReader(str(path)) as r:
        assert (r.key_class, r.value_class) == (IO + key_t, IO + val_t)
        assert r.compression.value == ctype.lower()
        if ctype != "NONE":
            assert r.codec_class == f"org.apache.hadoop.io.compress.{codec}"
        assert r.metadata == {"writer": "java", "count": str(N)}
        got = [f"{render(k, key_t)}\t{render(v, val_t)}" for k, v in r]
    assert got == expected


def test_java_written_splits_are_lossless(java_files: dict[str, Path]) -> None:
    for case in _cases():
        path = java_files[_name(case)]
        size = path.stat().st_size
        with SequenceFileReader(str(path)) as r:
            whole = list(r)
            for step in (997, 4096, size // 3 + 1):
                got = []
                for start in range(0, size, step):
                    got.extend(r.iter_split(start, min(step, size - start)))
                assert got == whole, (case, step)


@pytest.fixture(scope="module")
def hama_files(seqtool: list[str], java_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, Path]:
    """Every case written by hama-yarn (records parsed from Java's expected lines), read back by Java."""
    d = tmp_path_factory.mktemp("hama-written")
    out: dict[str, Path] = {}
    for case in _cases():
        key_t, val_t, ctype, codec = case
        lines = java_files[_name(case)].with_name(java_files[_name(case)].name + ".expected").read_text(
            encoding="utf-8").splitlines()
        path = d / f"{_name(case)}.seq"
        with SequenceFileWriter(str(path), IO + key_t, IO + val_t, ctype.lower(),
                                f"org.apache.hadoop.io.compress.{codec}", metadata={"writer": "hama-yarn"}) as w:
            for line in lines:
                k, v = line.split("\t")
                w.append(parse(k), parse(v))
        out[_name(case)] = path
    _run([*seqtool, "readall", *map(str, out.values())])
    return out


@pytest.mark.parametrize("case", _cases(), ids=_name)
def test_hama_written_read_by_java(java_files: dict[str, Path], hama_files: dict[str, Path],
                                   case: tuple[str, str, str, str]) -> None:
    key_t, val_t, ctype, codec = case
    path = hama_files[_name(case)]
    err = path.with_name(path.name + ".java.err")
    assert not err.exists(), err.read_text()
    lines = path.with_name(path.name + ".java.txt").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    codec_class = "-" if ctype == "NONE" else f"org.apache.hadoop.io.compress.{codec}"
    assert header == ["#header", IO + key_t, IO + val_t, ctype, codec_class]
    assert lines[1] == "#meta\twriter\thama-yarn"
    expected = java_files[_name(case)].with_name(java_files[_name(case)].name + ".expected").read_text(
        encoding="utf-8").splitlines()
    assert lines[2:] == expected


@pytest.mark.parametrize("codec", sorted(UNSUPPORTED))
def test_codecs_without_pure_java_support(codec: str) -> None:
    pytest.skip(UNSUPPORTED[codec])
