"""Exact byte counters (issue 22 item 10): IO_BYTES_READ and the compression counters.

* ``IO_BYTES_READ`` summed over the peers equals the input's size for text, keyvalue and
  SequenceFile input with any number of peers (split boundaries are not counted twice);
* with ``hama.messenger.runtime.compression=true``, ``TOTAL_DECOMPRESSED_BYTES`` is the size the
  compressed bundles have uncompressed (what ``TOTAL_MESSAGE_BYTES_TRANSFERED`` is without
  compression) and ``TOTAL_COMPRESSED_BYTES_TRANSFERED`` the size they had on the wire; bundles
  under ``hama.messenger.compression.threshold`` are sent plain and count in neither.

Expected values are computed independently here: file sizes from the filesystem, bundle sizes
by encoding the same message lists with :func:`hama_yarn.messaging.codec.encode`.
"""

from __future__ import annotations

import gzip
import json
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io.formats import input_format
from hama_yarn.io.sequencefile import SequenceFileWriter
from hama_yarn.messaging.codec import compressor_id, encode

from .conftest import PEER_GROUP, Hama, parse_counters

READ_ALL = """
    from hama_yarn import BSP

    class ReadAll(BSP):
        def bsp(self, peer):
            while peer.read_next() is not None:
                pass
            peer.sync()
"""


def _text_file(path: Path, nbytes: int, seed: int, crlf: bool = False) -> int:
    """Lines of random length (empty ones, long ones, a last line without newline); returns the line count."""
    rng = random.Random(seed)
    eol = "\r\n" if crlf else "\n"
    lines: list[str] = []
    size = 0
    while size < nbytes:
        n = rng.choice([0, 1, 5, 30, 80, 200, 1500])
        line = "".join(rng.choice("abcdef\tghij klm") for _ in range(n))
        lines.append(line)
        size += len(line) + len(eol)
    path.write_text(eol.join(lines), newline="")  # the last line has no newline
    return len(lines)


def _seq_file(path: Path, n: int, seed: int) -> int:
    rng = random.Random(seed)
    with SequenceFileWriter(str(path), "org.apache.hadoop.io.Text", "org.apache.hadoop.io.LongWritable",
                            "none", "default", sync_interval=2000) as w:
        for i in range(n):
            w.append("k" * rng.randint(0, 300), i)
    return n


def _read_splits(conf: HamaConfiguration, peers: int) -> tuple[int, int]:
    """(bytes_read summed over every split's reader, records) reading each split to its end in-process."""
    fmt = input_format(conf)
    total = records = 0
    for split in fmt.get_splits(conf, peers):
        reader = fmt.open_reader(conf, json.loads(json.dumps(split)))
        records += sum(1 for _ in reader)
        reader.close()
        total += int(reader.bytes_read)
    return total, records


@pytest.mark.parametrize("fmt", ["text", "keyvalue"])
@pytest.mark.parametrize("by_block", ["false", "true"])
@pytest.mark.parametrize("crlf", [False, True])
def test_text_splits_read_each_byte_once(tmp_path: Path, fmt: str, by_block: str, crlf: bool) -> None:
    d = tmp_path / "in"
    d.mkdir()
    lines = _text_file(d / "a.txt", 150_000, seed=1, crlf=crlf) + _text_file(d / "b.txt", 40_000, seed=2, crlf=crlf)
    (d / "empty.txt").write_text("")
    size = sum(p.stat().st_size for p in d.iterdir())
    for peers in (1, 2, 3, 5, 8, 13):
        conf = HamaConfiguration(load_defaults=True)
        conf.set("bsp.input.dir", str(d))
        conf.set("bsp.input.format.class", fmt)
        conf.set("bsp.input.split.by.block", by_block)
        conf.set("bsp.max.split.size", "7000")  # many block chunks: many boundaries inside lines
        assert _read_splits(conf, peers) == (size, lines), peers


def test_sequencefile_splits_read_each_byte_once(tmp_path: Path) -> None:
    path = tmp_path / "in.seq"
    n = _seq_file(path, 3000, seed=3)
    for peers in (1, 2, 3, 7):
        conf = HamaConfiguration(load_defaults=True)
        conf.set("bsp.input.dir", str(path))
        conf.set("bsp.input.format.class", "sequencefile")
        assert _read_splits(conf, peers) == (path.stat().st_size, n), peers


def test_compressed_text_counts_the_file_bytes(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    lines = _text_file(plain, 100_000, seed=4)
    gz = tmp_path / "in.txt.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    conf = HamaConfiguration(load_defaults=True)
    conf.set("bsp.input.dir", str(gz))
    conf.set("bsp.input.format.class", "text")
    assert _read_splits(conf, 3) == (gz.stat().st_size, lines)


@pytest.mark.parametrize("fmt", ["text", "keyvalue", "sequencefile"])
def test_job_io_bytes_read_is_the_input_size(hama: Hama, tmp_path: Path, fmt: str) -> None:
    """Through a real job: the job-level IO_BYTES_READ (summed over 3 peers) equals the file size."""
    job = tmp_path / "read_all.py"
    job.write_text(textwrap.dedent(READ_ALL))
    if fmt == "sequencefile":
        inp = tmp_path / "in.seq"
        records = _seq_file(inp, 4000, seed=5)
    else:
        inp = tmp_path / "in.txt"
        records = _text_file(inp, 300_000, seed=5)
    r = hama.run("run", f"{job}:ReadAll", "-n", "3", "-i", str(inp), "--input-format", fmt)
    assert r.returncode == 0, r.stderr
    counters = parse_counters(r.stderr)
    assert counters[(PEER_GROUP, "IO_BYTES_READ")] == inp.stat().st_size
    assert counters[(PEER_GROUP, "TASK_INPUT_RECORDS")] == records


# ------------------------------------------------------------------ compression counters
SENDER = """
    from hama_yarn import BSP

    def bundle(src, dst, step):
        # what peer src sends to peer dst in superstep step: sizes differ by pair (some under the threshold)
        n = 2 + (7 * src + 3 * dst + step) % 5 * {scale}
        return [f"superstep {{step}} from {{src}} to {{dst}} message {{k}} " + "abc" * (k % 9) for k in range(n)]

    class Sender(BSP):
        def bsp(self, peer):
            me, names = peer.get_peer_index(), peer.get_all_peer_names()
            for step in range(2):
                for dst, name in enumerate(names):
                    for msg in bundle(me, dst, step):
                        peer.send(name, msg)
                peer.sync()
                peer.messages()
"""


def _expected(peers: int, scale: int, compressor: int, threshold: int) -> tuple[int, int, int]:
    """(raw bytes of all remote bundles, raw bytes of those compressed, their compressed bytes)."""
    ns: dict[str, Any] = {}
    exec(textwrap.dedent(SENDER.format(scale=scale)).split("class Sender")[0], ns)
    raw = raw_compressed = wire_compressed = 0
    for step in range(2):
        for src in range(peers):
            for dst in range(peers):
                if src == dst:
                    continue  # a peer's messages to itself never go over the wire
                msgs = ns["bundle"](src, dst, step)
                plain = len(encode(msgs))
                raw += plain
                if plain - 3 >= threshold:  # the threshold applies to the payload
                    raw_compressed += plain
                    wire_compressed += len(encode(msgs, compressor, threshold))
    return raw, raw_compressed, wire_compressed


@pytest.mark.parametrize("codec,threshold", [("zlib", 0), ("zlib", 1024), ("bz2", 600)])
def test_compression_counters_are_exact(hama: Hama, tmp_path: Path, codec: str, threshold: int) -> None:
    peers, scale = 3, 9
    job = tmp_path / "sender.py"
    job.write_text(textwrap.dedent(SENDER.format(scale=scale)))
    raw, raw_compressed, wire_compressed = _expected(peers, scale, compressor_id(codec), threshold)
    assert 0 < raw_compressed and (threshold == 0) == (raw_compressed == raw)  # the test covers what it means to

    off = hama.run("run", f"{job}:Sender", "-n", str(peers))
    assert off.returncode == 0, off.stderr
    c_off = parse_counters(off.stderr)
    assert c_off[(PEER_GROUP, "TOTAL_MESSAGE_BYTES_TRANSFERED")] == raw
    assert c_off[(PEER_GROUP, "TOTAL_COMPRESSED_BYTES_TRANSFERED")] == 0
    assert c_off[(PEER_GROUP, "TOTAL_DECOMPRESSED_BYTES")] == 0

    on = hama.run("run", f"{job}:Sender", "-n", str(peers), "-D", "hama.messenger.runtime.compression=true",
                  "-D", f"hama.messenger.compression.class={codec}",
                  "-D", f"hama.messenger.compression.threshold={threshold}")
    assert on.returncode == 0, on.stderr
    c_on = parse_counters(on.stderr)
    assert c_on[(PEER_GROUP, "TOTAL_DECOMPRESSED_BYTES")] == raw_compressed
    assert c_on[(PEER_GROUP, "TOTAL_COMPRESSED_BYTES_TRANSFERED")] == wire_compressed < raw_compressed
    assert c_on[(PEER_GROUP, "TOTAL_MESSAGE_BYTES_TRANSFERED")] == raw - raw_compressed + wire_compressed
    assert c_on[(PEER_GROUP, "MESSAGE_BYTES_RECEIVED")] == c_on[(PEER_GROUP, "TOTAL_MESSAGE_BYTES_TRANSFERED")]
    assert c_on[(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED")] == c_off[(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED")]
