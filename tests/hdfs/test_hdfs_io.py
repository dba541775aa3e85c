"""Formats, splits, commit-on-success and PageRank on the real HDFS (tests/cluster).

Files are written with a tiny HDFS block size (64 KiB; the harness lowers
``dfs.namenode.fs-limits.min-block-size`` to 1024), so every input spans many blocks and
``bsp.input.split.by.block=true`` gives many block splits per peer.
"""

from __future__ import annotations

import json
import math
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io import fs as _fs
from hama_yarn.io.formats import input_format
from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter

from ..io.helpers import list_dir, read_json_records, read_seq_parts, read_text_parts, run_hama, run_records_job

pytestmark = pytest.mark.hdfs

ROOT = Path(__file__).resolve().parents[2]
KARATE = ROOT / "examples" / "data" / "karate.txt"
BLOCK = 64 * 1024
TEXT = "org.apache.hadoop.io.Text"
LONG = "org.apache.hadoop.io.LongWritable"


@pytest.fixture
def base(hdfs: Any, cluster_env: dict[str, str]) -> Iterator[str]:
    """A fresh HDFS directory URL for one test (removed afterwards)."""
    url = f"{hdfs.hdfs_url.rstrip('/')}/tmp/hama-io-tests/{uuid.uuid4().hex[:12]}"
    fs, path = _fs.resolve(url)
    fs.makedirs(path, exist_ok=True)
    yield url
    try:
        fs.rm(path, recursive=True)
    except OSError:
        pass


def put(url: str, data: bytes, block_size: int = BLOCK) -> None:
    fs, path = _fs.resolve(url)
    with fs.open(path, "wb", block_size=block_size) as f:
        f.write(data)


def blocksize_of(url: str) -> int:
    fs, path = _fs.resolve(url)
    return _fs.block_size(fs, path)


def test_text_block_splits_every_line_once(base: str, tmp_path: Path) -> None:
    lines: list[str] = []
    for name in ("a.txt", "b.txt", "c.txt"):
        chunk = [f"{name} line {i} " + "z" * (i % 97) for i in range(4000)]
        lines += chunk
        put(f"{base}/in/{name}", ("\n".join(chunk) + "\n").encode())
    put(f"{base}/in/_SUCCESS", b"hidden\n")
    assert blocksize_of(f"{base}/in/a.txt") == BLOCK
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", f"{base}/in")
    conf.set("bsp.input.split.by.block", "true")
    splits = input_format(conf).get_splits(conf, 3)
    segments = [s for sp in splits for s in sp["segments"]]
    assert len(segments) >= 9 and all(length <= BLOCK * 1.1 for _, _, length in segments)
    out = f"{base}/out"
    p = run_records_job(tmp_path, f"{base}/in", out, 3, "-D", "bsp.input.split.by.block=true")
    assert p.returncode == 0, p.stderr
    rows = read_json_records(out)
    assert sorted(value for _, _, value, _ in rows) == sorted(lines)
    assert {peer for peer, *_ in rows} == {0, 1, 2}
    assert list_dir(out) == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]


@pytest.mark.parametrize("compression", ["none", "block"])
def test_sequencefile_block_splits_and_output_on_hdfs(base: str, tmp_path: Path, compression: str) -> None:
    expected: list[tuple[int, str]] = []
    for f in range(2):
        fs, path = _fs.resolve(f"{base}/in/part-{f}")
        with fs.open(path, "wb", block_size=BLOCK) as fh, \
                SequenceFileWriter(fh, LONG, TEXT, compression, block_size=20000) as w:
            for i in range(f * 100000, f * 100000 + 12000):
                rec = (i, f"value {i} " + "q" * (i % 61))
                w.append(*rec)
                expected.append(rec)
    out = f"{base}/out"
    p = run_hama(tmp_path, "run", f"{ROOT / 'tests/io/jobs/records.py'}:Records", "-n", "4", "-i", f"{base}/in",
                 "-o", out, "--input-format", "sequencefile", "--output-format", "sequencefile",
                 "-D", "test.echo=1", "-D", "bsp.input.split.by.block=true", "-D", "bsp.max.split.size=65536")
    assert p.returncode == 0, p.stderr
    got = read_seq_parts(out)
    assert len(got) == len(expected) and sorted(got) == sorted(expected)
    parts = [n for n in list_dir(out) if n.startswith("part-")]
    fs, path = _fs.resolve(out)
    per_part = []
    for name in parts:
        with fs.open(f"{path}/{name}", "rb") as fh, SequenceFileReader(fh) as r:
            per_part.append(sum(1 for _ in r))
    assert sum(1 for n in per_part if n) >= (3 if compression == "none" else 2), per_part


def test_failed_job_leaves_nothing_on_hdfs(base: str, tmp_path: Path) -> None:
    put(f"{base}/in.txt", b"".join(b"row %d\n" % i for i in range(500)))
    out = f"{base}/out"
    p = run_records_job(tmp_path, f"{base}/in.txt", out, 2, "-D", "test.fail=1")
    assert p.returncode == 1
    assert "test.fail requested" in p.stderr
    fs, path = _fs.resolve(out)
    assert not fs.exists(path)


def test_existing_output_dir_on_hdfs_is_refused(base: str, tmp_path: Path) -> None:
    put(f"{base}/in.txt", b"x\n")
    put(f"{base}/out/keep.txt", b"old\n")
    p = run_records_job(tmp_path, f"{base}/in.txt", f"{base}/out", 1)
    assert p.returncode == 2 and "already exists" in p.stderr
    assert list_dir(f"{base}/out") == ["keep.txt"]


def test_bad_inputs_on_hdfs(base: str, tmp_path: Path) -> None:
    good = tmp_path / "good.seq"
    with SequenceFileWriter(str(good), LONG, TEXT) as w:
        for i in range(300):
            w.append(i, f"v{i}")
    put(f"{base}/trunc/t.seq", good.read_bytes()[:-11])
    p = run_records_job(tmp_path, f"{base}/trunc", f"{base}/out1", 2, "--input-format", "sequencefile")
    assert p.returncode == 1
    assert f"{base}/trunc/t.seq" in p.stderr and "byte offset" in p.stderr
    assert not list_dir(f"{base}/out1")
    put(f"{base}/magic/m.seq", b"NOT" + good.read_bytes()[3:])
    p = run_records_job(tmp_path, f"{base}/magic", f"{base}/out2", 2, "--input-format", "sequencefile")
    assert p.returncode == 1 and f"{base}/magic/m.seq" in p.stderr
    assert not list_dir(f"{base}/out2")
    p = run_records_job(tmp_path, f"{base}/missing/x.seq", f"{base}/out3", 2, "--input-format", "sequencefile")
    assert p.returncode == 2
    assert f"Input path does not exist: {base}/missing/x.seq" in p.stderr
    assert not list_dir(f"{base}/out3")


def test_scheme_less_paths_use_default_fs(base: str, tmp_path: Path) -> None:
    inner = "/" + base.split("://", 1)[1].split("/", 1)[1]
    put(f"{base}/plain.txt", b"one\ntwo\nthree\n")
    p = run_records_job(tmp_path, f"{inner}/plain.txt", f"{inner}/out", 2)
    assert p.returncode == 0, p.stderr
    assert sorted(v for _, _, v, _ in read_json_records(f"{base}/out")) == ["one", "three", "two"]


def test_webhdfs_input(hdfs: Any, base: str, tmp_path: Path) -> None:
    put(f"{base}/w/a.txt", b"".join(b"w%d\n" % i for i in range(1000)))
    host = hdfs.webhdfs_url.split("://", 1)[1].split("/", 1)[0]
    inner = base.split("://", 1)[1].split("/", 1)[1]
    url = f"webhdfs://{host}/{inner}/w"
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", url)
    fmt = input_format(conf)
    got = [v for s in fmt.get_splits(conf, 3) for _, v in fmt.open_reader(conf, json.loads(json.dumps(s)))]
    assert sorted(got) == sorted(f"w{i}" for i in range(1000))


def test_runtime_partitioning_on_hdfs(base: str, tmp_path: Path) -> None:
    put(f"{base}/kv.txt", b"".join(b"key%d\t%d\n" % (i, i) for i in range(3000)), block_size=4096)
    out = f"{base}/out"
    p = run_records_job(tmp_path, f"{base}/kv.txt", out, 4, "--input-format", "keyvalue",
                        "-D", "bsp.input.partitioner.class=hash", "-D", "bsp.input.split.by.block=true")
    assert p.returncode == 0, p.stderr
    rows = read_json_records(out)
    assert sorted(k for _, k, _, _ in rows) == sorted(f"key{i}" for i in range(3000))
    assert all(peer == zlib.crc32(k.encode()) % 4 and step == 0 for peer, k, _, step in rows)


def test_pagerank_example_on_hdfs(base: str, tmp_path: Path) -> None:
    put(f"{base}/karate.txt", KARATE.read_bytes(), block_size=1024)
    out = f"{base}/pr"
    p = run_hama(tmp_path, "example", "pagerank", "-i", f"{base}/karate.txt", "-o", out, "-n", "3")
    assert p.returncode == 0, p.stderr
    ranks = {v: float(x) for v, x in (line.split("\t") for line in read_text_parts(out))}
    g = nx.DiGraph()
    for line in KARATE.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        for u in rest.split():
            g.add_edge(v, u)
    expected = nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=1000)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-9), v
    assert math.isclose(sum(ranks.values()), 1.0, abs_tol=1e-9)
    assert "_SUCCESS" in list_dir(out)
