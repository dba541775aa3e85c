"""The array loader on raw text blocks (``PeerImpl.text_blocks``): the same graphs as line by line.

The peers here hand their split over as blocks of whole lines (bytes), as the
``text`` input format does in a job; the resulting CSR arrays are checked against
the parsed text like the line-by-line loader's in test_vecload.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from hama_yarn.graph import vecload

from . import test_vecload as tv


class BlockPeer(tv.FakePeer):
    """A FakePeer that also hands its text over as raw blocks of about *size* bytes of whole lines."""

    size = 64

    def text_blocks(self, size: int) -> Iterator[tuple[str, int, bytes, int]]:
        data = self.text.encode()
        pos = 0
        while pos < len(data):
            cut = data.find(b"\n", pos + self.size)
            end = len(data) if cut < 0 else cut + 1
            block = data[pos:end]
            yield "mem://split", pos, block, block.count(b"\n") + (not block.endswith(b"\n"))
            pos = end


@pytest.fixture
def block_peers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tv, "FakePeer", BlockPeer)


@pytest.mark.parametrize("size", [1, 64, 1 << 20])
@pytest.mark.parametrize("seed", [1, 2])
def test_raw_blocks_make_the_same_graph(block_peers: None, size: int, seed: int,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BlockPeer, "size", size)
    text = tv.random_adjacency(seed, weights=True) + "5"  # a last line without a line break
    graphs, _ = tv.load_all(tv.split_lines(text, 3), algorithm="sssp")
    tv.check(graphs, text)


def test_raw_blocks_edgelist(block_peers: None) -> None:
    text = "1 2\n3\n2 3 0.5\n\n# 1 9\n4 1\n"
    graphs, _ = tv.load_all(tv.split_lines(text, 2), fmt="edgelist", undirected=True)
    tv.check(graphs, text, "edgelist", undirected=True, weighted=False)


def test_raw_blocks_wide_id_names_its_line(block_peers: None, caplog: pytest.LogCaptureFixture) -> None:
    first = "1\t2 3\n2\t1\n"
    text = first + "3\t3000000001\n3000000001\t1\n"
    with caplog.at_level(logging.INFO, logger="hama_yarn.graph.vecload"):
        graphs, _ = tv.load_all([text, "4\t1\n"])
    tv.check(graphs, text + "4\t1\n")
    assert f"line at byte offset {len(first)} of the split" in caplog.text


@pytest.mark.parametrize("bad", ["a\tb\n", "007\t1\n", "1\t2\u00e9\n"])
def test_raw_blocks_fall_back_to_vertex_objects(block_peers: None, bad: str) -> None:
    graphs, peers = tv.load_all(["1\t2\n" + bad, "2\t1\n"])
    assert graphs == [None, None] and all(p.reopened == 1 for p in peers)


def test_raw_block_bytes_parse_like_text() -> None:
    text = "1\t2 3:0.5\n\n# 9\t9\n 4\t1\r\n7\t\n  \n2\t7:2 7 -3\n-3\t1\n5"
    a = vecload.parse_text(text, "adjacency")
    b = vecload.parse_text(text.encode(), "adjacency")
    for x, y in ((a.vertices, b.vertices), (a.src, b.src), (a.dst, b.dst), (a.weight, b.weight)):
        assert x is not None and y is not None and x.tolist() == y.tolist()
