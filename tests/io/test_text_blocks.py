"""``text`` input read as raw blocks of whole lines (``_TextReader.text_blocks``, ``PeerImpl.text_blocks``):
the same lines, offsets and byte counts as reading record by record, for every split rule."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io.formats import input_format


def conf_for(inp: str, fmt: str = "text", **kv: Any) -> HamaConfiguration:
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", inp)
    conf.set("bsp.input.format.class", fmt)
    for k, v in kv.items():
        conf.set(k.replace("_", "."), v)
    return conf


def both_ways(conf: HamaConfiguration, n: int, size: int) -> None:
    """Every split: the records and the blocks hold the same lines at the same offsets and bytes."""
    fmt = input_format(conf)
    for split in fmt.get_splits(conf, n):
        split = json.loads(json.dumps(split))
        r = fmt.open_reader(conf, split)
        records = list(r)
        by_record = r.bytes_read
        r.close()
        b = fmt.open_reader(conf, split)
        got: list[tuple[int, str]] = []
        for _url, offset, block, lines in b.text_blocks(size):
            assert block.count(b"\n") + (not block.endswith(b"\n")) == lines
            pos = offset
            for line in block.split(b"\n")[:lines]:
                got.append((pos, line.rstrip(b"\r").decode()))
                pos += len(line) + 1
        b.close()
        assert got == records
        if not any(u.endswith(".gz") for u, _, _ in split["segments"]):
            assert b.bytes_read == by_record


@pytest.mark.parametrize("size", [1, 50, 4096])
@pytest.mark.parametrize("final_newline", [True, False])
def test_blocks_match_records_across_splits(tmp_path: Path, size: int, final_newline: bool) -> None:
    rnd = random.Random(size)
    lines = ["" if rnd.random() < 0.1 else f"{i}\t" + " ".join(str(rnd.randrange(10**6)) for _ in range(rnd.randrange(9)))
             for i in range(400)]
    text = "\r\n".join(lines[:50]) + "\n" + "\n".join(lines[50:]) + ("\n" if final_newline else "")
    (tmp_path / "a.txt").write_text(text)
    (tmp_path / "b.txt").write_text("1\t2\n3\n")
    for split_size in (61, 997, 1 << 30):
        both_ways(conf_for(str(tmp_path), bsp_input_split_by_block="true", bsp_max_split_size=split_size), 3, size)
        both_ways(conf_for(str(tmp_path), bsp_max_split_size=split_size), 2, size)


def test_compressed_blocks_are_grouped_lines(tmp_path: Path) -> None:
    (tmp_path / "t.gz").write_bytes(gzip.compress("".join(f"{i}\t{i + 1}\n" for i in range(500)).encode()))
    (tmp_path / "u.txt").write_bytes(b"7\t8")
    both_ways(conf_for(str(tmp_path)), 2, 100)


def test_keyvalue_reader_has_no_blocks(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("a\tb\n")
    conf = conf_for(str(tmp_path), "keyvalue")
    fmt = input_format(conf)
    r = fmt.open_reader(conf, fmt.get_splits(conf, 1)[0])
    assert not hasattr(r, "text_blocks")
    r.close()
