"""The lean barrier channel of the rpc sync service (hama_yarn.sync.channel).

Its semantics are covered by tests/contract/test_sync_contract.py (backend ``rpc``); here:
the frames are the IDL's structs byte for byte, the job secret is required, bad input
closes one connection without hurting the master, and the channel and the Thrift call
take part in one barrier.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from thriftpy2.protocol import TBinaryProtocolFactory
from thriftpy2.utils import deserialize, serialize

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import AuthenticationError, RPCError, SyncError
from hama_yarn.rpc.auth import client_handshake
from hama_yarn.rpc.idl import idl
from hama_yarn.rpc.server import RPCServer
from hama_yarn.sync import SyncContext
from hama_yarn.sync.channel import BarrierChannelClient, decode_reply, encode_enter, encode_reply
from hama_yarn.sync.rpc import RPCSyncClient, RPCSyncServer


class Master:
    def __init__(self, num_peers: int, channel: bool = True) -> None:
        self.conf = HamaConfiguration()
        self.conf.set("hama.sync.rpc.channel", channel)
        self.secret = secrets.token_hex(16)
        self.barriers: list[int] = []
        self.server = RPCSyncServer(SyncContext(self.conf, "job_chan_0001", num_peers, self.secret,
                                                extras={"bind_host": "127.0.0.1"}), self.barriers.append)
        self.server.start()
        self.rpc = RPCServer("127.0.0.1", 0, self.secret, self.server.thrift_services(), name="chan-master").start()
        self.address = f"127.0.0.1:{self.rpc.port}"

    def channel_address(self) -> str:
        assert self.server.channel is not None
        return f"127.0.0.1:{self.server.channel.port}"

    def client(self, index: int, channel: bool = True) -> RPCSyncClient:
        conf = HamaConfiguration()
        conf.set("hama.sync.rpc.channel", channel)
        c = RPCSyncClient(SyncContext(conf, "job_chan_0001", self.server.ctx.num_peers, self.secret, self.address),
                          index)
        c.register(f"127.0.0.1:{30000 + index}", f"attempt_chan_0001_{index:06d}_0")
        return c

    def close(self) -> None:
        self.server.close(True)
        self.rpc.stop()


@pytest.fixture
def master() -> Iterator[Master]:
    m = Master(2)
    yield m
    m.close()


def _closed_without_reply(sock: socket.socket) -> bool:
    try:
        return sock.recv(64) == b""
    except ConnectionResetError:
        return True


def _proto() -> Any:
    return TBinaryProtocolFactory()


def test_frames_are_the_idl_structs() -> None:
    module = idl()
    frame = encode_enter(3, 2**40 + 7, 1500)
    assert frame[4:] == serialize(module.BarrierEnter(task_index=3, superstep=2**40 + 7, timeout_ms=1500), _proto())
    assert int.from_bytes(frame[:4], "big") == len(frame) - 4
    for kind, message in (("", ""), ("BarrierTimeoutError", "barrier 5 timed out: 1 of 2 peers, naïve ü")):
        reply = encode_reply(-1, kind, message)
        body = reply[4:]
        assert int.from_bytes(reply[:4], "big") == len(body)
        got = deserialize(module.BarrierReply(), body, _proto())
        assert (got.superstep, got.kind or "", got.message or "") == (-1, kind, message)
        assert decode_reply(body) == (-1, kind, message)
        assert body == serialize(module.BarrierReply(superstep=-1, kind=kind, message=message), _proto())


def test_barrier_over_the_channel_and_thrift_together(master: Master) -> None:
    a = master.client(0)
    b = master.client(1, channel=False)
    assert a._channel is not None and b._channel is None
    for step in range(-1, 20):
        t = threading.Thread(target=b.enter_barrier, args=(step, 10.0))
        t.start()
        a.enter_barrier(step, 10.0)
        t.join(10)
        assert not t.is_alive()
    assert master.barriers == list(range(-1, 20))
    a.close()
    b.close()


def test_wrong_secret_is_refused(master: Master) -> None:
    with pytest.raises(AuthenticationError):
        BarrierChannelClient(master.channel_address(), secrets.token_hex(16))
    # and an unauthenticated peer cannot enter a barrier by skipping the handshake
    sock = socket.create_connection(("127.0.0.1", master.server.channel.port), timeout=5)  # type: ignore[union-attr]
    try:
        sock.recv(16)  # the nonce
        sock.sendall(encode_enter(0, 0, 1000) + b"\0" * 6)  # 32 bytes where the MAC belongs
        assert _closed_without_reply(sock)
    finally:
        sock.close()
    assert master.barriers == []


def test_bad_frame_closes_only_that_connection(master: Master) -> None:
    sock = socket.create_connection(("127.0.0.1", master.server.channel.port), timeout=5)  # type: ignore[union-attr]
    try:
        client_handshake(sock, master.secret)
        sock.sendall(b"\x00\x00\x00\x1a" + b"\xff" * 26)  # right length, not a BarrierEnter
        assert _closed_without_reply(sock)
    finally:
        sock.close()
    a, b = master.client(0), master.client(1)
    t = threading.Thread(target=b.enter_barrier, args=(0, 10.0))
    t.start()
    a.enter_barrier(0, 10.0)
    t.join(10)
    assert master.barriers == [0]


def test_peer_that_disconnects_while_waiting_is_forgotten(master: Master) -> None:
    raw = BarrierChannelClient(master.channel_address(), master.secret)
    sock = raw._sock
    assert sock is not None
    sock.sendall(encode_enter(0, 0, 60_000))
    time.sleep(0.3)
    raw.close()
    time.sleep(0.3)
    # the waiter is gone: aborting releases nobody, and the state is clean for a new attempt
    assert master.server.state._waiters == {}


def test_dead_master_ends_the_wait(master: Master) -> None:
    a = master.client(0)
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            a.enter_barrier(0, 60.0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    master.close()
    t.join(10)
    assert not t.is_alive(), "a peer waits on a closed master"
    assert len(errors) == 1 and isinstance(errors[0], (SyncError, RPCError))


def test_channel_off_on_the_master() -> None:
    m = Master(1, channel=False)
    try:
        c = m.client(0)
        assert c._channel is None
        c.enter_barrier(0, 5.0)
        assert m.barriers == [0]
    finally:
        m.close()


def test_spinning_peer_gets_a_release_within_and_after_its_window(master: Master, monkeypatch: Any) -> None:
    """``hama.sync.rpc.spin.us``: a peer polls for up to 100 µs, then blocks; a release that comes
    while it polls and one that comes long after both end the barrier."""
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    a, b = master.client(0), master.client(1)
    assert a._channel is not None and a._channel._spinner.budget_us == 100
    for step, late in ((0, 0.0), (1, 0.05), (2, 0.0)):
        t = threading.Thread(target=a.enter_barrier, args=(step, 5.0))
        t.start()
        time.sleep(late)  # 50 ms: the spinning peer has long gone back to a blocking read
        b.enter_barrier(step, 5.0)
        t.join(5.0)
        assert not t.is_alive()
    assert master.barriers == [0, 1, 2]
    a.close()
    b.close()


def test_no_spinning_with_more_peers_than_cpus(monkeypatch: Any) -> None:
    m = Master(3)
    try:
        monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1}, raising=False)
        c = m.client(0)
        assert c._channel is not None and c._channel._spinner.budget_us == 0
        c.close()
    finally:
        m.close()


def test_spin_budget_is_the_key_only_when_every_peer_has_a_cpu(monkeypatch: Any) -> None:
    from hama_yarn.config import HamaConfiguration
    from hama_yarn.rpc.spin import spin_budget_us

    conf = HamaConfiguration()
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    assert spin_budget_us(conf, "hama.messenger.ack.spin.us", 4) == 200  # the default
    assert spin_budget_us(conf, "hama.sync.rpc.spin.us", 2) == 100
    assert spin_budget_us(conf, "hama.messenger.ack.spin.us", 5) == 0
    conf.set("hama.messenger.ack.spin.us", "0")
    assert spin_budget_us(conf, "hama.messenger.ack.spin.us", 1) == 0
