"""One contract for every receive queue (``hama_yarn.messaging.queues``): the same tests run against each.

Bundles arrive from several threads (as on the message server); a queue must keep
each sender's order, count exactly, hand a superstep over once, carry unread messages
(``hama.queue.behaviour.persistent``), hold at most its threshold in memory, and leave
no file behind after the messages are read, after ``close()``, or when a set is closed unread.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError, MessagingError
from hama_yarn.messaging.codec import bundle_count, compressor_id, decode, encode
from hama_yarn.messaging.queues import QUEUES, ReceiveQueue, SpillDir, create_queue, queue_class, remove_job_spill

NAMES = ["memory", "sorted", "disk", "spilling"]


def _conf(tmp_path: Path, name: str, **extra: Any) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.local.dir", str(tmp_path / "local"))
    conf.set("hama.messenger.receive.queue.class", name)
    conf.set("hama.messenger.spill.threshold.bytes", str(extra.pop("threshold", 4096)))
    for k, v in extra.items():
        conf.set(k, str(v))
    return conf


def _files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "local"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(params=NAMES)
def queue(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("LOCAL_DIRS", raising=False)
    q = create_queue(_conf(tmp_path, request.param), "job_contract_0001", 3)
    yield q
    q.close()


def _bundle(q: ReceiveQueue, step: int, src: int, msgs: list[Any], encoded: bool = True) -> None:
    """Hand *msgs* over as the receiver does: undecoded (in a buffer scribbled over right
    after, like the bundle channel's reused receive buffers) when the queue does not decode
    on arrival and the bundle's header tells its count; else decoded."""
    data = encode(msgs)
    count = bundle_count(data)
    if encoded and not q.decodes_on_arrival and count is not None:
        assert count == len(msgs)
        buf = bytearray(data)
        q.add_encoded(step, src, memoryview(buf).toreadonly(), count)
        buf[:] = bytes(len(buf))  # the receive buffer is reused for the next bundle
    else:
        q.add_bundle(step, src, data, decode(data))


def _check_order(q: ReceiveQueue, got: list[Any]) -> None:
    if q.name == "sorted":
        assert got == sorted(got)


def test_names_resolve(tmp_path: Path) -> None:
    for name in NAMES:
        assert queue_class(_conf(tmp_path, name)).name == name
    assert queue_class(_conf(tmp_path, "org.apache.hama.bsp.message.queue.SpillingQueue")).name == "spilling"
    assert queue_class(_conf(tmp_path, "DiskQueue")).name == "disk"
    assert queue_class(_conf(tmp_path, "SortedMemoryQueue")).name == "sorted"
    assert queue_class(HamaConfiguration()).name == "memory"
    with pytest.raises(ConfigError, match="hama.messenger.receive.queue.class"):
        queue_class(_conf(tmp_path, "bogus"))
    assert set(QUEUES.values()) >= {queue_class(_conf(tmp_path, n)) for n in NAMES}


def test_concurrent_senders_keep_order_and_count(queue: ReceiveQueue, tmp_path: Path) -> None:
    senders, bundles, per = 4, 30, 50

    def send(src: int) -> None:
        for b in range(bundles):  # both hand-over paths, interleaved
            _bundle(queue, 0, src, [(src, b, i, os.urandom(40)) for i in range(per)], encoded=b % 3 != 1)

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.add(0, [(99, 0, i, b"self") for i in range(7)])  # the peer's own messages
    assert queue.pending_supersteps() == [0]
    ms = queue.take(0)
    assert len(ms) == senders * bundles * per + 7
    got = list(ms)
    assert len(ms) == 0
    assert len(got) == senders * bundles * per + 7
    _check_order(queue, got)
    if queue.name != "sorted":
        for s in list(range(senders)) + [99]:
            seq = [(m[1], m[2]) for m in got if m[0] == s]
            assert seq == sorted(seq), f"sender {s}'s messages out of order"
    assert sorted(m[:3] for m in got) == sorted(
        [(s, b, i) for s in range(senders) for b in range(bundles) for i in range(per)] + [(99, 0, i) for i in range(7)])
    assert queue.take(0).next() is None  # handed over once
    assert _files(tmp_path) == []  # read to the end: files gone


def test_supersteps_are_separate(queue: ReceiveQueue) -> None:
    _bundle(queue, 1, 0, [10, 11])
    _bundle(queue, 0, 0, [1, 2, 3])
    _bundle(queue, 1, 2, [12])
    assert queue.pending_supersteps() == [0, 1]
    assert list(queue.take(0)) == [1, 2, 3]
    ms = queue.take(1)
    assert sorted(ms) == [10, 11, 12]
    assert len(queue.take(2)) == 0


def test_next_and_len(queue: ReceiveQueue) -> None:
    for b in range(20):
        _bundle(queue, 0, 1, [f"m{b:02d}-{i}" for i in range(25)])
    ms = queue.take(0)
    seen = []
    while (m := ms.next()) is not None:
        seen.append(m)
        assert len(ms) == 500 - len(seen)
    assert len(seen) == 500 and sorted(seen) == sorted(f"m{b:02d}-{i}" for b in range(20) for i in range(25))
    _check_order(queue, seen)


def test_persistent_carry(queue: ReceiveQueue, tmp_path: Path) -> None:
    for b in range(10):
        _bundle(queue, 0, 0, list(range(b * 100, b * 100 + 100)))
    first = queue.take(0)
    read = [first.next() for _ in range(250)]
    for b in range(10):
        _bundle(queue, 1, 1, list(range(5000 + b * 100, 5000 + b * 100 + 100)))
    both = queue.take(1, carry=first)
    assert len(both) == 750 + 1000
    rest = list(both)
    assert sorted(read + rest) == list(range(1000)) + list(range(5000, 6000))
    if queue.name != "sorted":
        assert rest[:750] == list(range(250, 1000))  # carried messages first
    _check_order(queue, rest)
    assert _files(tmp_path) == []


def test_unread_set_closed_and_queue_closed_leave_no_files(queue: ReceiveQueue, tmp_path: Path) -> None:
    for b in range(50):
        _bundle(queue, 0, 0, [os.urandom(1000) for _ in range(10)])
        _bundle(queue, 1, 0, [os.urandom(1000) for _ in range(10)])
    if queue.uses_disk:
        assert _files(tmp_path), "a disk queue over its threshold writes files"
    ms = queue.take(0)
    ms.next()
    ms.close()
    assert len(ms) == 0 and ms.next() is None
    queue.close()  # superstep 1 never taken
    assert _files(tmp_path) == []


def test_memory_bytes_bounded(queue: ReceiveQueue, tmp_path: Path) -> None:
    for b in range(320):
        _bundle(queue, 0, 0, [os.urandom(1024)])
    held = queue.memory_bytes()
    if queue.name == "disk":
        assert held == 0
    elif queue.name == "spilling":
        assert 0 < held <= 4096
    else:
        assert held >= 320 * 1024
    assert len(list(queue.take(0))) == 320
    assert queue.memory_bytes() == 0


def test_spill_round_robin_over_local_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = [tmp_path / "d1", tmp_path / "d2"]
    monkeypatch.setenv("LOCAL_DIRS", ",".join(map(str, dirs)))
    spill = SpillDir.for_peer(HamaConfiguration(), "job_rr_0001", 0)
    paths = [spill.new_path("x") for _ in range(4)]
    assert [p.parent.parent.parent.parent for p in paths] == dirs * 2
    for p in paths:
        p.write_bytes(b"x")
    remove_job_spill(HamaConfiguration(), "job_rr_0001")
    assert not any(d.joinpath("hama-spill", "job_rr_0001").exists() for d in dirs)


def test_bundle_count_from_header() -> None:
    np = pytest.importorskip("numpy")
    for msgs in ([1, 2, 3], [1.5], [(1, b"x")] * 5, [], [np.arange(4), np.ones(3)], [np.zeros(20_000)] * 2):
        data = encode(msgs)
        assert bundle_count(data) in (len(msgs), None)
        assert len(decode(data)) == len(msgs)
    assert bundle_count(encode([(1, b"x")] * 5)) == 5  # pickles carry a count trailer
    assert bundle_count(encode([np.arange(4), np.ones(3)])) == 2
    zlib = compressor_id("zlib")
    assert bundle_count(encode(list(range(9)), compressor=zlib)) is None  # compressed: only decoding tells
    assert bundle_count(b"\x07\x00\x00") is None and bundle_count(b"") is None
    bad = bytearray(encode([(1, 2)] * 3))
    bad[-12] = 4  # the trailer says 4 messages, the pickle holds 3
    with pytest.raises(MessagingError, match="trailer says 4"):
        decode(bytes(bad))


@pytest.mark.parametrize("name", ["disk", "spilling"])
def test_undecoded_bundles_read_back_intact(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raw-buffer bundles (messages are views of the buffer they were read into) and pickles
    read back through the disk queues' reused read buffer stay intact when all are held."""
    np = pytest.importorskip("numpy")
    monkeypatch.delenv("LOCAL_DIRS", raising=False)
    q = create_queue(_conf(tmp_path, name, threshold=0), "job_intact_0001", 0)
    expect: list[Any] = []
    for b in range(6):
        arrays = [np.full(50_000, b * 10 + i, dtype=np.int64) for i in range(3)]
        objs = [(b, i, os.urandom(300)) for i in range(40)]
        _bundle(q, 0, 1, arrays)
        _bundle(q, 0, 1, objs)
        expect += arrays + objs
    got = q.take(0).to_list()  # everything held at once
    assert len(got) == len(expect)
    for g, e in zip(got, expect):
        if isinstance(e, tuple):
            assert g == e
        else:
            assert np.array_equal(g, e)
    assert _files(tmp_path) == []
    q.close()


def test_corrupt_spill_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_DIRS", raising=False)
    q = create_queue(_conf(tmp_path, "disk"), "job_corrupt_0001", 0)
    for b in range(3):
        _bundle(q, 0, 1, [(b, i) for i in range(100)])
    ms = q.take(0)
    [spill] = _files(tmp_path)
    spill.write_bytes(spill.read_bytes()[:-5])
    with pytest.raises(MessagingError, match=f"spill file {spill}.*truncated"):
        list(ms)
    q.close()
    assert _files(tmp_path) == []
