"""Whole-block decoding of BLOCK-compressed SequenceFiles (:mod:`hama_yarn.io.seqbulk`): the per-record values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hama_yarn.io.seqbulk import decode_column
from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter
from hama_yarn.io.writables import get_writable

ROWS: dict[str, list[Any]] = {
    "org.apache.hadoop.io.IntWritable": [0, -1, 2**31 - 1, -(2**31)],
    "org.apache.hadoop.io.LongWritable": [0, -5, 2**63 - 1, -(2**63)],
    "org.apache.hadoop.io.FloatWritable": [0.5, -1.25, float("inf")],
    "org.apache.hadoop.io.DoubleWritable": [0.1, -2.5e300, float("-inf")],
    "org.apache.hadoop.io.Text": ["", "a", "x" * 127, "tab\there"],
}


@pytest.mark.parametrize("cls", sorted(ROWS))
def test_column_equals_codec_decode(cls: str) -> None:
    codec = get_writable(cls)
    enc = [codec.encode(v) for v in ROWS[cls]]
    got = decode_column(codec, b"".join(enc), [len(e) for e in enc])
    assert got == [codec.decode(e, 0, len(e))[0] for e in enc]


@pytest.mark.parametrize("values", [["x" * 128], ["é"], ["ok", "ü"]])
def test_text_outside_the_fast_layout_is_left_to_the_codec(values: list[str]) -> None:
    codec = get_writable("org.apache.hadoop.io.Text")
    enc = [codec.encode(v) for v in values]
    assert decode_column(codec, b"".join(enc), [len(e) for e in enc]) is None


def test_wrong_width_is_left_to_the_codec() -> None:
    assert decode_column(get_writable("org.apache.hadoop.io.LongWritable"), b"\0" * 12, [4, 8]) is None


@pytest.mark.parametrize("key,value", [("org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text"),
                                       ("org.apache.hadoop.io.Text", "org.apache.hadoop.io.IntWritable")])
def test_block_file_reads_the_same_with_positions_and_resumption(tmp_path: Path, key: str, value: str) -> None:
    """Records, positions and record-at-a-time reads (read_record, seek to a block) of a block file."""
    def mk(i: int) -> Any:
        return i * 3 - 7 if key.endswith("LongWritable") else f"k{i}"

    def mv(i: int) -> Any:
        return f"v{i}" + "é" * (i == 77) if value.endswith("Text") else i

    path = tmp_path / "b.seq"
    with SequenceFileWriter(str(path), key, value, "block", block_size=300) as w:
        for i in range(500):
            w.append(mk(i), mv(i))
    with SequenceFileReader(str(path)) as r:
        got = list(r.iter_with_positions())
    assert [(k, v) for _, k, v in got] == [(mk(i), mv(i)) for i in range(500)]
    assert len({p for p, _, _ in got}) > 5
    with SequenceFileReader(str(path)) as r:
        one = [r.read_record() for _ in range(500)]
        assert r.read_record() is None
        assert one == [(mk(i), mv(i)) for i in range(500)]
        second_block = sorted({p for p, _, _ in got})[1]
        r.seek(second_block)
        first = next(p for p, (_, k, _) in enumerate(got) if got[p][0] == second_block)
        assert r.read_record() == (mk(first), mv(first))


# -- uncompressed files: runs of records decoded where they lie (SequenceFileReader._plain_run)

PLAIN: dict[str, tuple[str, str, Any, Any]] = {
    # name: key class, value class, key(i), value(i)
    "fixed": ("org.apache.hadoop.io.LongWritable", "org.apache.hadoop.io.Text",
              lambda i: i * 7 - 3, lambda i: f"value-{i:012d}"),
    "variable": ("org.apache.hadoop.io.Text", "org.apache.hadoop.io.DoubleWritable",
                 lambda i: "k" * (i % 40), lambda i: i / 3),
    "late-unicode": ("org.apache.hadoop.io.IntWritable", "org.apache.hadoop.io.Text",
                     lambda i: i, lambda i: "v" * (i % 9) + ("é" if i > 3000 and i % 11 == 0 else "")),
    "long-text": ("org.apache.hadoop.io.IntWritable", "org.apache.hadoop.io.Text",
                  lambda i: i, lambda i: "w" * (i % 200)),
}


def _plain_file(tmp_path: Path, name: str, n: int, sync_interval: int = 2000) -> tuple[Path, list[Any]]:
    kc, vc, mk, mv = PLAIN[name]
    path = tmp_path / f"{name}.seq"
    with SequenceFileWriter(str(path), kc, vc, "none", sync_interval) as w:
        for i in range(n):
            w.append(mk(i), mv(i))
    return path, [(mk(i), mv(i)) for i in range(n)]


@pytest.mark.parametrize("sync_interval", [2000, 100 * 1024])
@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_file_reads_the_same_in_bulk_and_record_by_record(tmp_path: Path, name: str, sync_interval: int) -> None:
    path, want = _plain_file(tmp_path, name, 6000, sync_interval)
    with SequenceFileReader(str(path), buffer_size=4096) as r:  # many buffer refills mid-run
        bulk = list(r.iter_with_positions())
        assert r.read_record() is None
    with SequenceFileReader(str(path)) as r:
        single = []
        while (rec := r.read_record()) is not None:
            single.append((r.last_record_position, *rec))
    assert [(k, v) for _, k, v in bulk] == want
    assert bulk == single  # positions too (sync markers: the marker's offset)
    n = 6000
    with SequenceFileReader(str(path)) as r:  # splits that tile the file yield every record once
        size = path.stat().st_size
        cut = [0, size // 3, size // 2 + 17, size]
        tiled = [rec for a, b in zip(cut, cut[1:]) for rec in r.iter_split(a, b - a)]
    assert tiled == want and len(tiled) == n


def test_tell_seek_and_last_position_stay_exact_while_iterating(tmp_path: Path) -> None:
    path, want = _plain_file(tmp_path, "fixed", 3000, 100 * 1024)
    with SequenceFileReader(str(path)) as r:
        it = iter(r)
        positions = []
        for i in range(1500):
            assert next(it) == want[i]
            positions.append(r.last_record_position)
            assert r.tell() > positions[-1]
        assert r.tell() == positions[-1] + (positions[-1] - positions[-2])  # same-size records, no sync between
        r.seek(positions[10])  # the caller moves the reader mid-run: iteration goes on from there
        assert next(it) == want[10]
        assert next(it) == want[11]


def test_a_bad_key_length_mid_run_is_reported_at_its_offset(tmp_path: Path) -> None:
    from hama_yarn.io.seqcommon import RecordLengthError

    path, want = _plain_file(tmp_path, "fixed", 500, 100 * 1024)
    with SequenceFileReader(str(path)) as r:
        recs = list(r.iter_with_positions())
    at = recs[300][0]
    data = bytearray(path.read_bytes())
    data[at + 4:at + 8] = (9).to_bytes(4, "big")  # a LongWritable key of 9 bytes
    path.write_bytes(bytes(data))
    got = []
    with SequenceFileReader(str(path)) as r, pytest.raises(RecordLengthError) as info:
        for rec in r:
            got.append(rec)
    assert got == want[:300]  # everything before it, nothing after
    assert info.value.offset == at
