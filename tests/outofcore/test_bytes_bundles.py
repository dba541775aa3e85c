"""Bundles of large ``bytes`` messages (codec kind 7) and the channel's receive-buffer pool."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import MessagingError
from hama_yarn.messaging import bundlechannel
from hama_yarn.messaging.codec import (
    KIND_BYTES,
    KIND_PICKLE,
    BundleParts,
    bundle_count,
    compressor_id,
    decode,
    encode,
    encode_lazy,
)
from hama_yarn.messaging.queues import create_queue


def _msgs(n: int, size: int) -> list[bytes]:
    return [os.urandom(size) for _ in range(n)]


def test_large_bytes_messages_round_trip_without_pickle() -> None:
    msgs = _msgs(12, 3000) + [b""]
    data = encode(msgs)
    assert data[2] == KIND_BYTES
    assert bundle_count(data) == len(msgs)
    assert decode(data) == msgs
    assert decode(memoryview(data)) == msgs
    assert all(type(m) is bytes for m in decode(memoryview(bytearray(data))))  # copies, not views


@pytest.mark.parametrize("one_copy_max", [1 << 30, 100])
def test_bytes_messages_decode_alike_by_one_copy_or_by_views(monkeypatch: pytest.MonkeyPatch,
                                                              one_copy_max: int) -> None:
    """Payloads up to _ONE_COPY_MAX are copied once and sliced; longer ones are sliced as views and copied
    message by message (no second copy of a huge bundle)."""
    from hama_yarn.messaging import codec

    monkeypatch.setattr(codec, "_ONE_COPY_MAX", one_copy_max)
    msgs = _msgs(40, 1500) + [b"", b"z"]
    data = encode(msgs)
    for form in (data, memoryview(bytearray(data)), memoryview(bytearray(data)).toreadonly()):
        out = decode(form)
        assert out == msgs and all(type(m) is bytes for m in out)


def test_lazy_bytes_bundle_refers_to_the_messages() -> None:
    msgs = _msgs(8, 64 << 10)
    parts = encode_lazy(msgs)
    assert isinstance(parts, BundleParts)
    assert any(p is msgs[0] for p in parts.parts)  # no copy before the wire
    assert len(parts) == len(encode(msgs))
    assert decode(bytes(parts)) == msgs


def test_small_or_mixed_bytes_messages_still_pickle() -> None:
    assert encode([b"ab", b"cd"])[2] == KIND_PICKLE
    assert encode([b"x" * 4096, bytearray(b"y")])[2] == KIND_PICKLE
    mixed = [b"x" * 4096, "text"]
    assert decode(encode(mixed)) == mixed


def test_compressed_bytes_bundle() -> None:
    msgs = [b"abc" * 1000] * 5
    data = encode(msgs, compressor_id("zlib"))
    assert data[1] != 0 and data[2] == KIND_BYTES
    assert bundle_count(data) is None  # compressed: only decoding tells
    assert decode(data) == msgs


@pytest.mark.parametrize("cut", [1, 100, 3 + 4 + 8 * 4])
def test_truncated_bytes_bundle_is_a_clear_error(cut: int) -> None:
    data = encode(_msgs(4, 2000))
    with pytest.raises(MessagingError, match="malformed bundle"):
        decode(data[:-cut])


@pytest.mark.parametrize("queue", ["disk", "spilling"])
def test_disk_queues_read_bytes_bundles_back(queue: str, tmp_path: Path) -> None:
    conf = HamaConfiguration()
    conf.set("bsp.local.dir", str(tmp_path))
    conf.set("hama.messenger.receive.queue.class", queue)
    conf.set("hama.messenger.spill.threshold.bytes", str(100 << 10))
    q = create_queue(conf, "job_bytes", 0)
    sent = []
    for i in range(6):
        msgs = _msgs(10, 4096 + i)
        data = encode(msgs)
        q.add_encoded(0, 1, memoryview(bytearray(data)), bundle_count(data) or -1)
        sent += msgs
    got = list(q.take(0))
    assert got == sent
    q.close()
    assert not any(tmp_path.rglob("*step*"))


def test_buffer_pool_reuses_free_bytearrays_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "numpy", raising=False)  # the bytearray pool
    pool = bundlechannel._BufferPool()
    n = bundlechannel.CHANNEL_MIN_BYTES
    a = pool.get(n)
    a[:4] = b"abcd"
    assert isinstance(a.obj, bytearray)
    base = id(a.obj)  # not a reference: that would keep the buffer busy
    kept = a[:4].toreadonly()  # a message still refers to the buffer
    del a
    b = pool.get(n)
    assert id(b.obj) != base
    del kept, b
    c = pool.get(n)
    assert id(c.obj) == base  # free again: the least recently used free buffer comes back


def test_lazy_bundle_of_small_messages_is_joined() -> None:
    """Many small messages (RandBench's 1 KiB) make one joined bundle, not hundreds of parts the
    channel would join again."""
    msgs = _msgs(500, 1024)
    data = encode_lazy(msgs)
    assert isinstance(data, bytes) and data == encode(msgs)
