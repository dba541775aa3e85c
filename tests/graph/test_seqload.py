"""Bulk decoding of graph SequenceFile record blocks (:mod:`hama_yarn.graph.seqload`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hama_yarn.graph.fastload import Unsupported, parse_text
from hama_yarn.graph.seqload import adjacency_arrays, adjacency_text, block_text
from hama_yarn.io.seqraw import RecordBlock, record_blocks
from hama_yarn.io.sequencefile import SequenceFileReader
from hama_yarn.io.seqwriter import SequenceFileWriter

TEXT = "org.apache.hadoop.io.Text"
TEXT_ARRAY = "org.apache.hama.commons.io.TextArrayWritable"


def blocks_of(tmp_path: Path, records: list[tuple[str, list[str]]], key: str = TEXT,
              value: str = TEXT_ARRAY) -> list[RecordBlock]:
    path = tmp_path / "g.seq"
    with open(path, "wb") as f:
        w = SequenceFileWriter(f, key, value, "none", sync_interval=200)
        for k, v in records:
            w.append(k, v)
        w.close()
    with SequenceFileReader(str(path)) as r:
        return list(record_blocks(r, 0, path.stat().st_size, size=256) or ())


def lines_text(records: list[tuple[str, list[str]]]) -> bytes:
    return "".join(" ".join([k] + v) + "\n" for k, v in records).encode()


def test_integer_graph_arrays_equal_the_text_parse(tmp_path: Path) -> None:
    records = [(str(i), [str((i * 31 + j * 17) % 1000003) for j in range(i % 7)]) for i in range(600)]
    records += [("1000000000000000", ["0", "9999999999999999", "123456789"]), ("5", [])]
    blocks = blocks_of(tmp_path, records)
    assert len(blocks) > 3
    text = b""
    for b in blocks:
        g = adjacency_arrays(b)
        assert g is not None
        t, n, e = block_text(b)
        h = parse_text(t, "adjacency")
        for name in ("vertices", "src", "dst"):
            assert np.array_equal(getattr(g, name), getattr(h, name)), name
        assert g.weight is None and n == len(b) and e == len(g.src)
        text += t
    assert text == lines_text(records)


@pytest.mark.parametrize("records,arrays", [
    ([("1", ["2:0.5", "3"])], False),          # weights: text, then the parser
    ([("-1", ["2"])], False),                  # a sign
    ([("01", ["2"])], False),                  # a leading zero
    ([("1", ["12345678901234567"])], False),   # 17 digits
    ([("1", ["x" * 60])], False),              # a token too long for a one-byte length
    ([("1", ["a b"]), ("2", [])], False),      # whitespace inside a token
    ([("1", [""])], False),                    # an empty destination
])
def test_other_records_leave_the_integer_path(tmp_path: Path, records: list[tuple[str, list[str]]],
                                              arrays: bool) -> None:
    """Records outside the integer layout give None, and their text is the record-by-record text."""
    (b,) = blocks_of(tmp_path, records)
    assert (adjacency_arrays(b) is not None) == arrays
    decoded = RecordBlock(b.url, b.offset, b.key_class, b.value_class, decoded=b.records())
    fast = adjacency_text(b)
    try:
        slow = block_text(decoded)
    except Unsupported:
        slow = None
    if fast is not None:
        assert slow is not None and fast[0] == slow[0].replace(b"\t", b" ") and fast[1] == slow[2]
        assert block_text(b)[0] == fast[0]
    elif slow is not None:
        assert block_text(b) == slow
    else:
        with pytest.raises(Unsupported):
            block_text(b)


def test_other_classes_are_not_graph_records(tmp_path: Path) -> None:
    (b,) = blocks_of(tmp_path, [("1", "2")], TEXT, TEXT)  # type: ignore[list-item]
    assert adjacency_arrays(b) is None and adjacency_text(b) is None
    with pytest.raises(Unsupported):
        block_text(b)
