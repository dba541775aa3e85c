"""The raw bundle channel: large bundles between real peer messengers (sockets, threads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn import BSP
from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import AuthenticationError, MessagingError
from hama_yarn.job import BSPJob
from hama_yarn.messaging.bundlechannel import CHANNEL_MIN_BYTES, BundleChannelClient
from hama_yarn.messaging.codec import encode
from hama_yarn.peer.messenger import Messenger

from .helpers import read_text_parts, run


@pytest.fixture(params=[0, 200], ids=["block", "spin"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Messenger, Messenger]]:
    """Two messengers; the sender blocks for the receiver's answer at once, or polls 200 us first
    (``hama.messenger.ack.spin.us``)."""
    a = Messenger(0, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=30, ack_spin_us=request.param)
    b = Messenger(1, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=30, ack_spin_us=request.param)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def big(seed: int, n: int = CHANNEL_MIN_BYTES // 8 + 1000) -> np.ndarray:
    return np.random.default_rng(seed).random(n)


def test_large_bundles_take_the_channel_and_arrive_intact(pair: tuple[Messenger, Messenger]) -> None:
    a, b = pair
    x, y = big(1), big(2)
    a.send_bundles(1, [(b.name, encode([x, y.reshape(-1, 4)]))])
    channel = a._channels[b.name]
    assert channel is not None  # the bundle went over the raw channel
    assert channel._spinner is not None and channel._spinner.budget_us == a._ack_spin_us
    got = b.incoming.take(1).to_list()
    assert np.array_equal(got[0], x) and np.array_equal(got[1], y.reshape(-1, 4))
    assert not got[0].flags.writeable  # zero-copy views of the received buffer, read-only
    a.send_bundles(2, [(b.name, encode([1, 2, 3]))])  # a small bundle: Thrift, same queue
    assert b.incoming.take(2).to_list() == [1, 2, 3]


def test_buffers_are_reused_only_when_no_message_refers_to_them(pair: tuple[Messenger, Messenger]) -> None:
    """Messages are views of the receive buffer: a buffer still viewed is never overwritten."""
    a, b = pair
    held = []
    for step in range(1, 7):
        a.send_bundles(step, [(b.name, encode([big(step)]))])
        msgs = b.incoming.take(step).to_list()
        if step % 2:
            held.append((step, msgs[0]))  # keep every other superstep's message alive
        del msgs
    for step, arr in held:
        assert np.array_equal(arr, big(step))  # later bundles did not land in a held buffer
    pool = b._channel._pool
    assert len(pool._bufs) <= 4


def test_tuples_and_record_batches_over_the_channel(pair: tuple[Messenger, Messenger]) -> None:
    pa = pytest.importorskip("pyarrow")
    a, b = pair
    x = big(5)
    a.send_bundles(1, [(b.name, encode([(7, x), {"k": x[:10]}]))])
    t, d = b.incoming.take(1).to_list()
    assert t[0] == 7 and np.array_equal(t[1], x) and np.array_equal(d["k"], x[:10])
    batch = pa.record_batch({"v": x})
    a.send_bundles(2, [(b.name, encode([batch]))])
    assert b.incoming.take(2).to_list()[0].equals(batch)


def test_malformed_bundle_error_reaches_the_sender(pair: tuple[Messenger, Messenger]) -> None:
    a, b = pair
    bad = b"\x09\x00\x04" + bytes(CHANNEL_MIN_BYTES)  # unknown bundle version
    with pytest.raises(MessagingError, match="from peer 0 for superstep 3"):
        a.send_bundles(3, [(b.name, bad)])
    a.send_bundles(4, [(b.name, encode([big(4)]))])  # the channel still works afterwards
    assert np.array_equal(b.incoming.take(4).to_list()[0], big(4))


def test_wrong_secret_is_refused(pair: tuple[Messenger, Messenger]) -> None:
    _, b = pair
    host = b.name.rpartition(":")[0]
    client = BundleChannelClient(f"{host}{b.bundle_channel()}", "not-the-secret", timeout=10)
    with pytest.raises(AuthenticationError):
        client.send(0, 1, encode([big(1)]))
    assert b.incoming.pending_supersteps() == []
    client.close()


def test_peer_without_a_channel_gets_thrift(pair: tuple[Messenger, Messenger], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    monkeypatch.setattr(b, "bundle_channel", lambda: "")  # as a peer that has none
    a.send_bundles(1, [(b.name, encode([big(9)]))])
    assert a._channels[b.name] is None
    assert np.array_equal(b.incoming.take(1).to_list()[0], big(9))


class BigSwap(BSP):
    """Every peer sends every peer a large array per superstep, keeps what it got, checks it all."""

    def bsp(self, peer: Any) -> None:
        me, n = peer.get_peer_index(), peer.get_num_peers()
        kept: list[tuple[int, np.ndarray]] = []
        for step in range(4):
            for name in peer.get_all_peer_names():
                peer.send(name, np.full(CHANNEL_MIN_BYTES // 8 + 10, 100.0 * me + step))
            peer.sync()
            msgs = list(peer.messages())
            assert sorted(float(m[0]) for m in msgs) == [100.0 * p + step for p in range(n)]
            kept.extend((step, m) for m in msgs)
        # messages kept from earlier supersteps were not overwritten by later bundles
        assert all(m.min() == m.max() and int(m[0]) % 100 == step for step, m in kept)
        peer.write(me, "ok")


@pytest.mark.parametrize("peers", [2, 3])
def test_large_array_messages_in_a_job(tmp_path: Path, peers: int) -> None:
    job = BSPJob(HamaConfiguration(), BigSwap)
    job.set_num_bsp_task(peers)
    job.set_output_path(str(tmp_path / "out"))
    run(job)
    assert sorted(read_text_parts(f"file://{tmp_path}/out")) == [f"{i}\tok" for i in range(peers)]


def test_encode_lazy_is_encode_without_the_join(pair: tuple[Messenger, Messenger],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Large raw-buffer bundles stay as parts (BundleParts) whose bytes are exactly encode()'s;
    the channel and the Thrift fallback deliver them the same."""
    from hama_yarn.messaging.codec import BundleParts, encode_lazy

    a, b = pair
    x = big(11)
    cases = [[x, x[:5].astype(np.int32)], [(1, x), {"k": x}], [b"small", 1.5]]
    for msgs in cases:
        lazy = encode_lazy(msgs)
        assert bytes(lazy) == encode(msgs)
        assert isinstance(lazy, BundleParts) == (msgs is not cases[-1])
    lazy = encode_lazy(cases[0])
    assert isinstance(lazy, BundleParts) and len(lazy) == len(encode(cases[0])) and lazy[1] == 0
    a.send_bundles(1, [(b.name, lazy)])
    got = b.incoming.take(1).to_list()
    assert np.array_equal(got[0], x) and np.array_equal(got[1], x[:5].astype(np.int32))
    monkeypatch.setattr(a, "_channel_to", lambda name: None)  # force the Thrift path
    a.send_bundles(2, [(b.name, encode_lazy(cases[1]))])
    t, d = b.incoming.take(2).to_list()
    assert np.array_equal(t[1], x) and np.array_equal(d["k"], x)
    # compression asked for: joined and compressed as encode() does
    from hama_yarn.messaging.codec import compressor_id, decode

    z = compressor_id("zlib")
    packed = encode_lazy(cases[0], z, 0)
    assert isinstance(packed, bytes) and packed[1] == z
    assert np.array_equal(decode(packed)[0], x)
