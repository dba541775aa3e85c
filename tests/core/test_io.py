"""Text/keyvalue/null input splitting and reading; text output; commit-on-success output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import InputError, OutputError
from hama_yarn.io.formats import input_format, output_format
from hama_yarn.io.output import check_output_dir

from .conftest import Hama, job_script, read_records

# Unique line contents, so every (offset, line) pair identifies its line.
FILES = {
    "a.txt": b"a1\na2 longer line\na3\n",
    "b_crlf.txt": b"b1\r\nb2 crlf\r\n\r\nb4 after empty\r\n",
    "c_notrail.txt": "c1 ünïcödé\nc2 no newline at end".encode(),
    "d_empty.txt": b"",
    "e_single.txt": b"e1 one line only\n",
}
HIDDEN = {"_SUCCESS": b"h1 hidden\n", ".crc": b"h2 hidden\n", "_logs_x": b"h3 hidden\n"}


def lines_of(data: bytes) -> list[tuple[int, str]]:
    """Independent reference: (byte offset of line start, line without \\n / \\r\\n)."""
    out, pos = [], 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        raw = data[pos:end].rstrip(b"\n")
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        out.append((pos, raw.decode()))
        pos = end
    return out


def expected(files=FILES) -> list[tuple[int, str]]:
    return sorted(rec for data in files.values() for rec in lines_of(data))


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for name, data in {**FILES, **HIDDEN}.items():
        (d / name).write_bytes(data)
    return d


def conf_for(path: str, fmt: str = "text") -> HamaConfiguration:
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", path)
    conf.set("bsp.input.format.class", fmt)
    return conf


def read_splits(conf: HamaConfiguration, n: int) -> list[list[tuple]]:
    fmt = input_format(conf)
    splits = fmt.get_splits(conf, n)
    assert len(splits) == n
    json.loads(json.dumps(splits))  # splits travel as JSON
    out = []
    for s in splits:
        reader = fmt.open_reader(conf, s)
        out.append([tuple(r) for r in reader])
        reader.close()
    return out


def test_reference_helper():
    assert lines_of(b"x\r\n\r\ny") == [(0, "x"), (3, ""), (5, "y")]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 16, 60])
def test_text_directory_every_line_once(input_dir, n):
    parts = read_splits(conf_for(str(input_dir)), n)
    got = sorted(r for p in parts for r in p)
    assert got == expected()
    assert not any("hidden" in line for _, line in got)


def test_text_split_sizes_balanced(input_dir):
    parts = read_splits(conf_for(str(input_dir)), 3)
    assert all(parts), "each of 3 peers gets part of a ~100 byte input"


def test_text_glob_and_comma_list(input_dir):
    got = sorted(r for p in read_splits(conf_for(f"{input_dir}/*.txt"), 3) for r in p)
    assert got == expected()
    one = {k: FILES[k] for k in ("a.txt", "c_notrail.txt")}
    listed = f"{input_dir}/a.txt,{input_dir}/c_notrail.txt"
    got = sorted(r for p in read_splits(conf_for(listed), 2) for r in p)
    assert got == expected(one)
    got = sorted(r for p in read_splits(conf_for(f"{input_dir}/b_*"), 4) for r in p)
    assert got == expected({"b": FILES["b_crlf.txt"]})


def test_glob_star_skips_hidden_and_directories(input_dir):
    (input_dir / "subdir").mkdir()
    (input_dir / "subdir" / "nested.txt").write_bytes(b"nested line\n")
    # Hadoop: a glob match that is a directory contributes its files; hidden names never count
    got = sorted(r for p in read_splits(conf_for(f"{input_dir}/*"), 3) for r in p)
    assert got == sorted(expected() + [(0, "nested line")])
    # a listed directory is not read recursively
    got = sorted(r for p in read_splits(conf_for(str(input_dir)), 3) for r in p)
    assert got == expected()


def test_tiny_input_fewer_lines_than_peers(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_bytes(b"x\ny\n")
    parts = read_splits(conf_for(str(f)), 5)
    assert sorted(r for p in parts for r in p) == [(0, "x"), (2, "y")]
    assert sum(1 for p in parts if not p) == 3


def test_one_long_line_many_peers(tmp_path):
    f = tmp_path / "long.txt"
    f.write_bytes(b"z" * 1000 + b"\nshort\n")
    parts = read_splits(conf_for(str(f)), 8)
    assert sorted(r for p in parts for r in p) == [(0, "z" * 1000), (1001, "short")]


def test_keyvalue_split_at_first_tab(tmp_path):
    f = tmp_path / "kv.txt"
    f.write_bytes(b"k1\tv1\nk2\tv2\twith tab\nnotab\n\tempty key\nk5\t\n")
    got = sorted(r for p in read_splits(conf_for(str(f), "keyvalue"), 2) for r in p)
    assert got == sorted([("k1", "v1"), ("k2", "v2\twith tab"), ("notab", ""), ("", "empty key"), ("k5", "")])


def test_null_input_format(input_dir):
    parts = read_splits(conf_for(str(input_dir), "null"), 3)
    assert parts == [[], [], []]


def test_missing_input_path(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_splits(conf_for(str(tmp_path / "nope")), 2)
    with pytest.raises(InputError, match="nope"):
        read_splits(conf_for(str(tmp_path / "nope*.txt")), 2)


def test_invalid_utf8_names_file_and_offset(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"good\n\xff\xfe bad\n")
    with pytest.raises(InputError, match=r"bad.txt.*offset 5"):
        read_splits(conf_for(str(f)), 1)


def test_text_output_format_lines(tmp_path):
    conf = HamaConfiguration()
    path = tmp_path / "sub" / "part-00000"
    w = output_format(conf).open_writer(conf, str(path))
    w.write(1, "one")
    w.write("k", None)
    w.write(None, "v")
    w.write("t", "a\tb")
    w.write(b"raw", 2.5)
    w.close()
    assert path.read_bytes() == b"1\tone\nk\nv\nt\ta\tb\nraw\t2.5\n"


def test_text_output_both_none_writes_nothing(tmp_path):
    conf = HamaConfiguration()
    path = tmp_path / "part-00000"
    w = output_format(conf).open_writer(conf, str(path))
    w.write("a", None)
    w.write(None, None)
    w.write(None, "b")
    w.close()
    assert path.read_bytes() == b"a\nb\n"


def test_check_output_dir(tmp_path):
    conf = HamaConfiguration()
    conf.set("bsp.output.dir", str(tmp_path / "new"))
    check_output_dir(conf)
    assert conf.get("hama.output.dir.created") == "true"
    (tmp_path / "empty").mkdir()
    conf.set("bsp.output.dir", str(tmp_path / "empty"))
    check_output_dir(conf)
    assert conf.get("hama.output.dir.created") == "false"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    conf.set("bsp.output.dir", str(tmp_path / "full"))
    with pytest.raises(OutputError, match="already exists"):
        check_output_dir(conf)


# ----------------------------------------------------------------- end to end (3 peer processes)
def dump_records(out: Path) -> dict[int, list]:
    res = {}
    for idx, rows in read_records(out).items():
        recs = [json.loads(v) for k, v in rows if k == "rec"]
        counts = [json.loads(v) for k, v in rows if k == "n"]
        assert counts == [len(recs)]
        res[idx] = [tuple(r) for r in recs]
    return res


def test_job_reads_directory_every_line_once(hama: Hama, input_dir, tmp_path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_dump.py"), "-n", "3", "-i", str(input_dir), "-o", str(out))
    assert p.returncode == 0, p.stderr
    recs = dump_records(out)
    assert sorted(recs) == [0, 1, 2]
    assert sorted(r for rs in recs.values() for r in rs) == expected()
    assert all(recs.values())


def test_job_tiny_input_more_peers_than_lines(hama: Hama, tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_bytes(b"only\n")
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_dump.py"), "-n", "3", "-i", str(f), "-o", str(out))
    assert p.returncode == 0, p.stderr
    recs = dump_records(out)
    assert sorted(recs) == [0, 1, 2]
    assert sorted(r for rs in recs.values() for r in rs) == [(0, "only")]


def test_job_keyvalue_glob(hama: Hama, tmp_path):
    d = tmp_path / "kv"
    d.mkdir()
    (d / "p1.tsv").write_text("a\t1\nb\t2\n")
    (d / "p2.tsv").write_text("c\t3\td\n")
    (d / "skip.txt").write_text("z\t9\n")
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_dump.py"), "-n", "2", "-i", f"{d}/*.tsv", "--input-format", "keyvalue",
                 "-o", str(out))
    assert p.returncode == 0, p.stderr
    recs = dump_records(out)
    assert sorted(r for rs in recs.values() for r in rs) == [("a", "1"), ("b", "2"), ("c", "3\td")]


def test_job_without_input_reads_nothing(hama: Hama, tmp_path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_dump.py"), "-n", "3", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert dump_records(out) == {0: [], 1: [], 2: []}


def test_job_text_output_and_existing_empty_dir(hama: Hama, tmp_path):
    out = tmp_path / "out"
    out.mkdir()  # an existing empty output directory is accepted
    p = hama.run("run", job_script("core_writer.py"), "-n", "2", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir()) == ["_SUCCESS", "part-00000", "part-00001"]
    for i in range(2):
        lines = (out / f"part-{i:05d}").read_text().split("\n")
        assert lines[:6] == [f"{i}\tvalue", "key only", "value only", "tab\ta\tb", "ünï\t1.5", "raw\tbytes"]
        assert lines[-2:] == [f"last\t{i}", ""]


def test_existing_nonempty_output_rejected_at_submit(hama: Hama, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    p = hama.run("run", job_script("core_writer.py"), "-n", "2", "-o", str(out))
    assert p.returncode == 2
    assert str(out) in p.stderr and "already exists" in p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(f.name for f in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "precious"
    assert not (hama.tmp_dir / "staging").exists() or not any((hama.tmp_dir / "staging").iterdir())
