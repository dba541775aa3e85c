"""Raw record blocks of SequenceFile splits (:mod:`hama_yarn.io.seqraw`): the records iter_split yields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io.seqcommon import BadSyncMarkerError, SYNC_SIZE, TruncatedFileError
from hama_yarn.io.seqformat import SequenceFileInputFormat
from hama_yarn.io.seqraw import record_blocks
from hama_yarn.io.sequencefile import SequenceFileReader
from hama_yarn.io.seqwriter import SequenceFileWriter

TEXT = "org.apache.hadoop.io.Text"
TEXT_ARRAY = "org.apache.hama.commons.io.TextArrayWritable"
MARKER = bytes(range(16))


def write(path: Path, n: int, compression: str = "none", sync_interval: int = 300) -> list[tuple[str, list[str]]]:
    records = [(str(i), [str(j * 7 % (n + 3)) for j in range(i % 9)] + (["x" * 200] if i % 50 == 7 else []))
               for i in range(n)]
    with open(path, "wb") as f:
        w = SequenceFileWriter(f, TEXT, TEXT_ARRAY, compression, sync_interval=sync_interval, sync_marker=MARKER)
        for k, v in records:
            w.append(k, v)
        w.close()
    return records


def raw_split(path: Path, start: int, length: int, size: int) -> list[tuple[object, object]]:
    with SequenceFileReader(str(path)) as r:
        blocks = record_blocks(r, start, length, size=size)
        assert blocks is not None
        out = []
        for b in blocks:
            assert b.data is not None and b.starts is not None and len(b) == len(b.starts)
            assert b.starts[0] == 0 and np.all(np.diff(b.starts) > 0)
            out += b.records()
        return out


@pytest.mark.parametrize("size", [64, 500, 1 << 20])
def test_blocks_hold_the_records_of_each_split(tmp_path: Path, size: int) -> None:
    """Every split of a file with many sync markers: the same records as iter_split; together: all records once."""
    path = tmp_path / "g.seq"
    records = write(path, 400)
    total = path.stat().st_size
    cuts = [0, 1, 117, 1000, 1023, total // 2, total - 40, total]
    together = []
    for a, b in zip(cuts, cuts[1:]):
        with SequenceFileReader(str(path)) as r:
            want = list(r.iter_split(a, b - a))
        got = raw_split(path, a, b - a, size)
        assert got == want, (a, b)
        together += got
    assert together == [(k, v) for k, v in records]


def test_compressed_files_are_not_raw_but_the_format_decodes_them(tmp_path: Path) -> None:
    path = tmp_path / "c.seq"
    records = write(path, 300, "block")
    with SequenceFileReader(str(path)) as r:
        assert record_blocks(r, 0, path.stat().st_size) is None
    conf = HamaConfiguration()
    conf.set("bsp.input.dir", str(tmp_path))
    fmt = SequenceFileInputFormat()
    got = []
    for split in fmt.get_splits(conf, 2):
        reader = fmt.open_reader(conf, split)
        for b in reader.record_blocks(1000):  # type: ignore[attr-defined]
            assert b.data is None
            got += b.records()
    assert got == [(k, v) for k, v in records]


def test_input_format_raw_blocks_cover_the_splits(tmp_path: Path) -> None:
    records = write(tmp_path / "part-0", 500)
    conf = HamaConfiguration()
    conf.set("bsp.input.dir", str(tmp_path))
    fmt = SequenceFileInputFormat()
    got = []
    for split in fmt.get_splits(conf, 3):
        reader = fmt.open_reader(conf, split)
        for b in reader.record_blocks(700):  # type: ignore[attr-defined]
            assert b.data is not None
            got += b.records()
        assert reader.bytes_read == sum(int(s[2]) for s in split["segments"])
    assert got == [(k, v) for k, v in records]


def test_bad_sync_marker_and_truncation_name_file_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "g.seq"
    write(path, 200)
    data = path.read_bytes()
    at = data.index(b"\xff\xff\xff\xff" + MARKER, 100)
    bad = tmp_path / "bad.seq"
    bad.write_bytes(data[:at + 4] + b"\x55" + data[at + 5:])
    with SequenceFileReader(str(bad)) as r, pytest.raises(BadSyncMarkerError) as info:
        list(record_blocks(r, 0, len(data), size=64) or ())
    assert info.value.offset == at and "bad.seq" in str(info.value)
    cut = tmp_path / "cut.seq"
    cut.write_bytes(data[:at + SYNC_SIZE + 11])
    with SequenceFileReader(str(cut)) as r, pytest.raises(TruncatedFileError) as tinfo:
        list(record_blocks(r, 0, len(data)) or ())
    assert tinfo.value.offset == at + SYNC_SIZE and "cut.seq" in str(tinfo.value)
