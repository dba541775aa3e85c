"""SequenceFile input/output formats, split planning, fs resolution, seqdumper, runtime partitioning,
and job-level bad-input handling -- all on the local filesystem (no services)."""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError
from hama_yarn.io import fs as _fs
from hama_yarn.io.formats import input_format, output_format
from hama_yarn.io.seqdump import dump
from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter
from hama_yarn.io.splits import block_chunks, group_chunks

from .helpers import list_dir, run_cli, read_json_records, read_seq_parts, read_text_parts, run_hama, run_records_job

TEXT = "org.apache.hadoop.io.Text"
INT = "org.apache.hadoop.io.IntWritable"
LONG = "org.apache.hadoop.io.LongWritable"


def write_seq(path: Path, n: int, compression: str = "none", codec: str = "default", start: int = 0,
              sync_interval: int = 2000, block_size: int = 4000) -> list[tuple[str, int]]:
    recs = [(f"key-{i:06d}-" + "x" * (i % 37), i) for i in range(start, start + n)]
    with SequenceFileWriter(str(path), TEXT, INT, compression, codec, sync_interval=sync_interval,
                            block_size=block_size) as w:
        for k, v in recs:
            w.append(k, v)
    return recs


def conf_for(inp: str, fmt: str = "sequencefile", **kv: Any) -> HamaConfiguration:
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", inp)
    conf.set("bsp.input.format.class", fmt)
    for k, v in kv.items():
        conf.set(k.replace("_", "."), v)
    return conf


def read_all_splits(conf: HamaConfiguration, n: int) -> list[list[Any]]:
    fmt = input_format(conf)
    splits = fmt.get_splits(conf, n)
    assert len(splits) == n
    out = []
    for s in splits:
        r = fmt.open_reader(conf, json.loads(json.dumps(s)))
        out.append(list(r))
        r.close()
    return out


# ------------------------------------------------------------------ splits
@pytest.mark.parametrize("compression,codec", [("none", "default"), ("record", "gzip"), ("block", "default"),
                                               ("block", "zstd")])
@pytest.mark.parametrize("peers", [1, 3, 7])
@pytest.mark.parametrize("by_block", ["false", "true"])
def test_sequencefile_splits_every_record_once(tmp_path, compression, codec, peers, by_block):
    d = tmp_path / "in"
    d.mkdir()
    expected = write_seq(d / "a.seq", 6000, compression, codec)
    expected += write_seq(d / "b.seq", 2500, compression, codec, start=6000)
    write_seq(d / "_hidden.seq", 10, compression, codec, start=10**6)
    (d / ".crc").write_bytes(b"junk")
    conf = conf_for(str(d), bsp_input_split_by_block=by_block, bsp_max_split_size=1)
    parts = read_all_splits(conf, peers)
    got = [r for p in parts for r in p]
    assert sorted(got) == sorted(expected) and len(got) == len(expected)
    if peers > 1 and compression == "none":
        assert sum(1 for p in parts if p) > 1, "work must be spread over peers"


def test_sequencefile_glob_and_multiple_paths(tmp_path):
    a = write_seq(tmp_path / "a1.seq", 100)
    b = write_seq(tmp_path / "a2.seq", 50, start=100)
    c = write_seq(tmp_path / "c.seq", 20, start=200)
    got = [r for p in read_all_splits(conf_for(f"{tmp_path}/a*.seq,file://{tmp_path}/c.seq"), 2) for r in p]
    assert sorted(got) == sorted(a + b + c)


def test_mapfile_directory_reads_data(tmp_path):
    m = tmp_path / "map"
    m.mkdir()
    recs = write_seq(m / "data", 30)
    write_seq(m / "index", 3)
    got = [r for p in read_all_splits(conf_for(str(m)), 2) for r in p]
    assert sorted(got) == sorted(recs)


def test_block_chunks_follow_hadoop_rule():
    chunks = block_chunks([("f", 250, 100), ("g", 105, 100), ("e", 0, 100)], 1, 1 << 40)
    assert chunks == [["f", 0, 100], ["f", 100, 100], ["f", 200, 50], ["g", 0, 105], ["e", 0, 0]]
    assert block_chunks([("f", 250, 100)], 1, 60) == [["f", 0, 60], ["f", 60, 60], ["f", 120, 60], ["f", 180, 60], ["f", 240, 10]]
    assert block_chunks([("f", 125, 100)], 1, 60) == [["f", 0, 60], ["f", 60, 65]]
    groups = group_chunks(chunks, 2)
    assert [len(g["segments"]) for g in groups] == [2, 3]
    assert [len(g["segments"]) for g in group_chunks(chunks, 8)] == [0, 1, 0, 1, 0, 1, 1, 1]


def test_text_split_by_block_is_lossless(tmp_path):
    lines = [f"line {i} " + "y" * (i % 53) for i in range(5000)]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n")
    conf = conf_for(str(tmp_path / "t.txt"), "text", bsp_input_split_by_block="true", bsp_max_split_size=7777)
    parts = read_all_splits(conf, 4)
    assert sorted(v for p in parts for _, v in p) == sorted(lines)
    assert all(parts)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".deflate"])
def test_compressed_text_input_is_one_split(tmp_path, suffix):
    import bz2
    import gzip

    data = "".join(f"row {i}\n" for i in range(1000)).encode()
    comp = {".gz": gzip.compress, ".bz2": bz2.compress, ".deflate": zlib.compress}[suffix](data)
    (tmp_path / f"t{suffix}").write_bytes(comp)
    (tmp_path / "plain.txt").write_bytes(b"plain 1\nplain 2\n")
    parts = read_all_splits(conf_for(str(tmp_path), "text"), 3)
    got = sorted(v for p in parts for _, v in p)
    assert got == sorted([f"row {i}" for i in range(1000)] + ["plain 1", "plain 2"])


# ------------------------------------------------------------------ output
@pytest.mark.parametrize("ctype,codec", [("NONE", "default"), ("RECORD", "gzip"), ("BLOCK", "bzip2"),
                                         ("BLOCK", "org.apache.hadoop.io.compress.DefaultCodec")])
def test_sequencefile_output_compression_keys(tmp_path, ctype, codec):
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.output.key.class", "IntWritable")
    conf.set("bsp.output.value.class", "org.apache.hadoop.io.Text")
    conf.set("bsp.output.compress", "true")
    conf.set("bsp.output.compression.type", ctype)
    conf.set("bsp.output.compression.codec", codec)
    url = f"file://{tmp_path}/part-00000"
    w = output_format(_with(conf, "bsp.output.format.class", "sequencefile")).open_writer(conf, url)
    for i in range(500):
        w.write(i, f"v{i}")
    w.close()
    with SequenceFileReader(str(tmp_path / "part-00000")) as r:
        assert (r.key_class, r.value_class, r.compression.value) == (INT, TEXT, ctype.lower())
        assert list(r) == [(i, f"v{i}") for i in range(500)]


def _with(conf: HamaConfiguration, key: str, value: str) -> HamaConfiguration:
    conf.set(key, value)
    return conf


def test_sequencefile_output_infers_classes_and_empty_file(tmp_path):
    conf = _with(HamaConfiguration(load_defaults=True), "bsp.output.format.class", "sequencefile")
    fmt = output_format(conf)
    w = fmt.open_writer(conf, f"file://{tmp_path}/p1")
    w.write("a", 1.5)
    w.write("b", 2.5)
    w.close()
    with SequenceFileReader(str(tmp_path / "p1")) as r:
        assert (r.key_class, r.value_class) == (TEXT, "org.apache.hadoop.io.DoubleWritable")
        assert list(r) == [("a", 1.5), ("b", 2.5)]
    fmt.open_writer(conf, f"file://{tmp_path}/p2").close()
    with SequenceFileReader(str(tmp_path / "p2")) as r:
        assert r.key_class.endswith("NullWritable") and list(r) == []
    conf.set("bsp.output.key.class", "NoSuchWritable")
    with pytest.raises(ConfigError, match="bsp.output.key.class"):
        fmt.open_writer(conf, f"file://{tmp_path}/p3")


def test_text_output_compression(tmp_path):
    import gzip

    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.output.compress", "true")
    conf.set("bsp.output.compression.codec", "gzip")
    w = output_format(conf).open_writer(conf, f"file://{tmp_path}/part-00000")
    w.write("k", "v")
    w.write(None, "only")
    w.close()
    assert gzip.decompress((tmp_path / "part-00000.gz").read_bytes()) == b"k\tv\nonly\n"


# ------------------------------------------------------------------ filesystems
def test_qualify_against_default_fs(tmp_path, monkeypatch):
    site = tmp_path / "conf"
    site.mkdir()
    (site / "core-site.xml").write_text(
        "<configuration><property><name>fs.defaultFS</name><value>hdfs://nn.example:8020</value></property>"
        "</configuration>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(site))
    monkeypatch.setenv("HADOOP_USER_NAME", "alice")
    assert _fs.qualify("/data/x") == "hdfs://nn.example:8020/data/x"
    assert _fs.qualify("rel/x") == "hdfs://nn.example:8020/user/alice/rel/x"
    assert _fs.qualify("hdfs:///abs") == "hdfs://nn.example:8020/abs"
    assert _fs.qualify("file:/tmp/x") == "file:///tmp/x"
    assert _fs.qualify("webhdfs://h:9870/p") == "webhdfs://h:9870/p"
    conf = HamaConfiguration(load_defaults=True)
    conf.set("fs.defaultFS", "file:///")
    assert _fs.qualify("/data/x", conf) == "file:///data/x"
    monkeypatch.delenv("HADOOP_CONF_DIR")
    assert _fs.qualify("/data/x") == "file:///data/x"
    assert _fs.qualify("rel") == "file://" + str(Path("rel").resolve())


def test_other_fsspec_filesystem_memory():
    import fsspec

    mem = fsspec.filesystem("memory")
    with mem.open("/seqin/a.seq", "wb") as f, SequenceFileWriter(f, LONG, TEXT) as w:
        for i in range(100):
            w.append(i, str(i))
    got = [r for p in read_all_splits(conf_for("memory://seqin"), 3) for r in p]
    assert got == [(i, str(i)) for i in range(100)]


# ------------------------------------------------------------------ seqdumper
def test_seqdumper_cli(tmp_path):
    with SequenceFileWriter(str(tmp_path / "s.seq"), TEXT, "org.apache.hadoop.io.BytesWritable", "block",
                            metadata={"m": "1"}) as w:
        w.append("a", b"\x01\xff")
        w.append("b", b"")
    buf = io.StringIO()
    assert dump(str(tmp_path / "s.seq"), out=buf) == 0
    text = buf.getvalue()
    assert f"Input Path: {tmp_path / 's.seq'}\nKey class: {TEXT}\n" in text
    assert "Value Class: org.apache.hadoop.io.BytesWritable\nCompression type: BLOCK\n" in text
    assert "Codec: org.apache.hadoop.io.compress.DefaultCodec\nMetadata: {'m': '1'}\n" in text
    assert "Key: a Value: 01 ff\nKey: b Value: \nCount: 2\n" in text
    p = run_cli("seqdumper", "-file", str(tmp_path / "s.seq"), "-count")
    assert p.returncode == 0, p.stderr
    assert p.stdout.endswith("Count: 2\n") and "Key: a" not in p.stdout
    data = (tmp_path / "s.seq").read_bytes()
    (tmp_path / "t.seq").write_bytes(data[:-7])
    p = run_cli("seqdumper", "-file", str(tmp_path / "t.seq"))
    assert p.returncode != 0
    assert str(tmp_path / "t.seq") in p.stderr and "byte offset" in p.stderr
    p = run_cli("seqdumper", "-file", str(tmp_path / "nope.seq"))
    assert p.returncode != 0 and "does not exist" in p.stderr


# ------------------------------------------------------------------ jobs
def test_job_sequencefile_in_and_out(tmp_path):
    recs = write_seq(tmp_path / "in.seq", 3000)
    out = tmp_path / "out"
    p = run_hama(tmp_path, "run", f"{Path(__file__).parent / 'jobs' / 'records.py'}:Records", "-n", "3",
                 "-i", str(tmp_path / "in.seq"), "-o", str(out), "--input-format", "sequencefile",
                 "--output-format", "sequencefile", "-D", "test.echo=1", "-D", "bsp.output.compress=true",
                 "-D", "bsp.output.compression.type=BLOCK")
    assert p.returncode == 0, p.stderr
    assert list_dir(str(out)) == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    assert sorted(read_seq_parts(str(out))) == sorted(recs)


def test_runtime_partitioning_hash_three_peers(tmp_path):
    lines = [f"k{i}\t{i * i}" for i in range(2000)]
    (tmp_path / "kv.txt").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    p = run_records_job(tmp_path, str(tmp_path / "kv.txt"), str(out), 3, "--input-format", "keyvalue",
                        "-D", "bsp.input.partitioner.class=hash", "-D", "hama.partitioning.batch.records=100")
    assert p.returncode == 0, p.stderr
    rows = read_json_records(str(out))
    assert sorted((k, v) for _, k, v, _ in rows) == sorted(tuple(line.split("\t")) for line in lines)
    for peer, key, _value, setup_step in rows:
        assert peer == zlib.crc32(key.encode()) % 3, key
        assert setup_step == 0
    assert {peer for peer, *_ in rows} == {0, 1, 2}


def test_runtime_partitioning_off(tmp_path):
    (tmp_path / "kv.txt").write_text("".join(f"k{i}\t{i}\n" for i in range(300)))
    out = tmp_path / "out"
    p = run_records_job(tmp_path, str(tmp_path / "kv.txt"), str(out), 3, "--input-format", "keyvalue",
                        "-D", "bsp.input.partitioner.class=hash", "-D", "bsp.input.runtime.partitioning=false")
    assert p.returncode == 0, p.stderr
    rows = read_json_records(str(out))
    assert len(rows) == 300
    assert any(peer != zlib.crc32(k.encode()) % 3 for peer, k, _, _ in rows)


def _bad_files(tmp_path: Path) -> dict[str, tuple[bytes, list[str]]]:
    good = tmp_path / "good.seq"
    with SequenceFileWriter(str(good), LONG, TEXT, sync_interval=100, sync_marker=bytes(range(16))) as w:
        for i in range(400):
            w.append(i, f"value {i}")
    data = good.read_bytes()
    with SequenceFileReader(str(good)) as r:
        he = r.header_end
    bad_sync = bytearray(data)
    at = data.find(b"\xff\xff\xff\xff" + bytes(range(16)), he)
    bad_sync[at + 10] ^= 0x55
    return {
        "truncated": (data[: len(data) - 9], ["byte offset"]),
        "corrupt_header": (data[:5] + b"\x7f" + data[6:], ["byte offset"]),
        "wrong_magic": (b"XYZ" + data[3:], ["byte offset"]),
        "unknown_class": (data.replace(b"org.apache.hadoop.io.Text", b"com.example.UnknownClass1"),
                          ["com.example.UnknownClass1"]),
        "bad_sync": (bytes(bad_sync), [f"byte offset {at}"]),
    }


@pytest.mark.parametrize("case", ["truncated", "corrupt_header", "wrong_magic", "unknown_class", "bad_sync"])
def test_job_bad_sequencefile_fails_cleanly(tmp_path, case):
    data, needles = _bad_files(tmp_path)[case]
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bad.seq").write_bytes(data)
    out = tmp_path / "out"
    p = run_records_job(tmp_path, str(inp), str(out), 2, "--input-format", "sequencefile")
    assert p.returncode == 1, p.stderr
    assert "bad.seq" in p.stderr, p.stderr
    for needle in needles:
        assert needle in p.stderr, p.stderr
    assert not out.exists() or list_dir(str(out)) == []
    assert "Traceback (most recent call last)" not in p.stderr.splitlines()[-1]


def test_job_missing_input_path(tmp_path):
    out = tmp_path / "out"
    p = run_records_job(tmp_path, str(tmp_path / "nope" / "x.seq"), str(out), 2, "--input-format", "sequencefile")
    assert p.returncode == 2
    assert f"Input path does not exist: {tmp_path / 'nope' / 'x.seq'}" in p.stderr
    assert not out.exists()


def test_job_failure_leaves_no_output(tmp_path):
    write_seq(tmp_path / "in.seq", 100)
    out = tmp_path / "out"
    p = run_records_job(tmp_path, str(tmp_path / "in.seq"), str(out), 2, "--input-format", "sequencefile",
                        "-D", "test.fail=1")
    assert p.returncode == 1
    assert not out.exists()
    assert read_text_parts(str(out)) == []
