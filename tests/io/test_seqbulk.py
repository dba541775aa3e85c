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
