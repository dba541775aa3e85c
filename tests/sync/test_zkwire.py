"""The barrier's own ZooKeeper session (:mod:`hama_yarn.sync.zkwire`) against the real ZooKeeper.

It holds nothing EPHEMERAL, so every failure is handled by a new session and an idempotent redo:
a reply lost after the server ran the create, a dropped connection while waiting, a session that
expired between barriers.  Waits longer than the session timeout keep it alive with pings.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hama_yarn.sync.zkwire import WireLost, ZkWire
from hama_yarn.sync.zookeeper import arrival_name
from tests.sync.test_zookeeper_sync import ZKJob, in_thread, wait_for
from tests.sync.zkutil import kazoo_client, zk_quorum

pytestmark = pytest.mark.zookeeper


@pytest.fixture
def quorum(request: pytest.FixtureRequest) -> str:
    return zk_quorum(request)


@pytest.fixture
def make_job(quorum: str) -> Iterator[Callable[..., ZKJob]]:
    jobs: list[ZKJob] = []

    def make(num_peers: int, session_ms: int = 6000, zk_quorum: str = "", **kwargs: Any) -> ZKJob:
        job = ZKJob(zk_quorum or quorum, num_peers, start=False, **kwargs)
        job.conf.set("hama.zookeeper.session.timeout", session_ms)
        job.server.ctx.conf.set("hama.zookeeper.session.timeout", session_ms)
        job.server.start()
        jobs.append(job)
        return job

    yield make
    for job in jobs:
        job.close()


def arrivals(quorum: str, job: ZKJob, superstep: int) -> list[bytes]:
    with kazoo_client(quorum) as zk:
        path = f"{job.path}/sync/{superstep}"
        return sorted(zk.get(f"{path}/{c}")[0] for c in zk.get_children(path))


def test_lost_reply_after_create_counts_the_peer_once(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """The create ran on the server but its reply never arrived: the redo finds the node by its data."""
    job = make_job(3)
    c0, c1, c2 = (job.client(i) for i in range(3))
    real = c0.wire.call
    calls = []

    def lose_first_reply(requests: list[Any], deadline: float, check: Callable[[], None]) -> list[Any]:
        calls.append([type(r).__name__ for r in requests])
        if len(calls) == 1:
            c0.wire.send(requests)  # the server runs them ...
            time.sleep(0.3)
            c0.wire._lost("test: reply lost")  # ... and the connection breaks before the replies are read
        return real(requests, deadline, check)

    c0.wire.call = lose_first_reply  # type: ignore[method-assign]
    t, result = in_thread(lambda: c0.enter_barrier(0, 30))
    wait_for(lambda: len(calls) >= 3)  # lost, then GetChildren + GetData on a new session, re-armed watch
    assert calls[1] == ["GetChildren"] and calls[2] == ["GetData"], calls
    assert not result  # still waiting for the others
    t1, result1 = in_thread(lambda: c1.enter_barrier(0, 30))
    c2.enter_barrier(0, 30)
    t.join(20)
    t1.join(20)
    assert result == [None] and result1 == [None]
    assert arrivals(quorum, job, 0) == sorted(job.attempt(i).encode() for i in range(3))  # nobody twice
    assert c0.wire.sessions == 2


def test_dropped_connection_while_waiting(make_job: Callable[..., ZKJob], quorum: str) -> None:
    job = make_job(2)
    c0, c1 = job.client(0), job.client(1)
    t, result = in_thread(lambda: c0.enter_barrier(0, 30))
    wait_for(lambda: len(arrivals(quorum, job, 0)) == 1)
    sock = c0.wire._sock
    assert sock is not None
    sessions = c0.wire.sessions
    sock.shutdown(2)  # the peer's barrier connection breaks under its wait
    wait_for(lambda: c0.wire.sessions == sessions + 1)  # it reconnected and re-armed its watch
    assert not result
    c1.enter_barrier(0, 30)
    t.join(20)
    assert result == [None]
    assert arrivals(quorum, job, 0) == sorted(job.attempt(i).encode() for i in range(2))
    watches = c0.wire.requests.get("SetWatches", 0)
    for s in (1, 2, 3):  # the watches registered ahead went with the old session: registered again
        t, result = in_thread(lambda s=s: c0.enter_barrier(s, 30))  # type: ignore[misc]
        c1.enter_barrier(s, 30)
        t.join(20)
        assert result == [None]
    assert c0.wire.requests.get("SetWatches", 0) == watches + 1


def test_session_idle_between_barriers_and_long_waits(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """A barrier session that idled past its timeout is replaced; a long wait pings to stay alive."""
    job = make_job(2, session_ms=2000)
    c0, c1 = job.client(0), job.client(1)
    t, result = in_thread(lambda: c0.enter_barrier(0, 30))
    time.sleep(5.0)  # 2.5 session timeouts inside the barrier: pings keep the session
    c1.enter_barrier(0, 30)
    t.join(10)
    assert result == [None]
    assert c0.wire.sessions == 1, "the waiting peer's barrier session should have survived its long wait"
    time.sleep(3.0)  # both idle between barriers longer than the session timeout: the server expires them
    t, result = in_thread(lambda: c0.enter_barrier(1, 30))
    c1.enter_barrier(1, 30)
    t.join(10)
    assert result == [None]
    assert c0.wire.sessions == 2 and c1.wire.sessions == 2  # replaced before use, nothing redone
    assert arrivals(quorum, job, 1) == sorted(job.attempt(i).encode() for i in range(2))


def test_chroot_quorum(make_job: Callable[..., ZKJob], quorum: str) -> None:
    chroot = f"/hama-chroot-{uuid.uuid4().hex[:8]}"
    with kazoo_client(quorum) as zk:
        zk.create(chroot)
    try:
        job = make_job(2, zk_quorum=f"{quorum}{chroot}")
        c0, c1 = job.client(0), job.client(1)
        for s in (-1, 0, 1):
            t, result = in_thread(lambda s=s: c0.enter_barrier(s, 20))  # type: ignore[misc]
            c1.enter_barrier(s, 20)
            t.join(10)
            assert result == [None]
        with kazoo_client(quorum) as zk:
            assert zk.exists(f"{chroot}{job.path}/sync/1/{arrival_name(1)}") is not None
            assert zk.exists(f"{job.path}") is None  # nothing outside the chroot
    finally:
        with kazoo_client(quorum) as zk:
            zk.delete(chroot, recursive=True)


def test_unreachable_server_is_wire_lost() -> None:
    wire = ZkWire("127.0.0.1:1", 2.0, "test")
    with pytest.raises(WireLost, match="127.0.0.1:1"):
        wire.connect(time.monotonic() + 2)
    assert not wire.connected

