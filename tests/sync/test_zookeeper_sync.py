"""ZooKeeper-specific behaviour of the ``zookeeper`` sync backend (the shared contract is in tests/contract).

Hama's znode layout, connection states (SUSPENDED keeps waiting, LOST fails at once), the job
znode's lifetime, ``bsp.zookeeper.root``, quorum strings, and the server's ``on_barrier``.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import BarrierTimeoutError, ConfigError, SyncError
from hama_yarn.sync import SyncContext, client_class, server_class
from hama_yarn.sync.zookeeper import (
    LOOKAHEAD,
    WATCH_BLOCK,
    ZooKeeperSyncClient,
    ZooKeeperSyncServer,
    arrival_name,
    job_path,
    zk_hosts,
)
from tests.sync.zkutil import kazoo_client, zk_quorum

PROMPT = 5.0


# ------------------------------------------------------------------ no ZooKeeper needed


@pytest.mark.parametrize(
    ("quorum", "port", "expected"),
    [
        ("localhost", 21810, "localhost:21810"),
        ("a,b:2182, c", 2181, "a:2181,b:2182,c:2181"),
        ("zk1:1,zk2:2/hama", 2181, "zk1:1,zk2:2/hama"),
        ("[::1],[::1]:7", 2181, "[::1]:2181,[::1]:7"),
    ],
)
def test_quorum_string(quorum: str, port: int, expected: str) -> None:
    conf = HamaConfiguration()
    conf.set("hama.zookeeper.quorum", quorum)
    conf.set("hama.zookeeper.property.clientPort", port)
    assert zk_hosts(conf) == expected


def test_empty_quorum_is_a_config_error() -> None:
    conf = HamaConfiguration()
    conf.set("hama.zookeeper.quorum", " , ")
    with pytest.raises(ConfigError, match="hama.zookeeper.quorum"):
        zk_hosts(conf)


def test_job_path_uses_root() -> None:
    conf = HamaConfiguration()
    assert job_path(conf, "job_1") == "/bsp/job_1"
    conf.set("bsp.zookeeper.root", "/hama/sync/")
    assert job_path(conf, "job_1") == "/hama/sync/job_1"


def test_registry_selects_zookeeper() -> None:
    conf = HamaConfiguration()
    conf.set("hama.sync.client.class", "zookeeper")
    conf.set("hama.sync.server.class", "org.apache.hama.bsp.sync.ZooKeeperSyncServerImpl")
    assert client_class(conf) is ZooKeeperSyncClient
    assert server_class(conf) is ZooKeeperSyncServer


def test_unreachable_zookeeper_fails_fast() -> None:
    """A peer waits hama.client.connect.timeout.ms for its first connection, and says so."""
    conf = HamaConfiguration()
    conf.set("hama.zookeeper.quorum", "127.0.0.1:1")
    conf.set("hama.client.connect.timeout.ms", 2000)
    start = time.monotonic()
    with pytest.raises(SyncError, match="cannot connect to ZooKeeper at 127.0.0.1:1 within 2s"):
        ZooKeeperSyncClient(SyncContext(conf, "job_x_0001", 2), 0)
    assert time.monotonic() - start < 15


# ------------------------------------------------------------------ real ZooKeeper


class ZKJob:
    """A job's ZooKeeperSyncServer and clients on the test ZooKeeper."""

    def __init__(self, quorum: str, num_peers: int, root: str = "/bsp", start: bool = True) -> None:
        self.quorum = quorum
        self.num_peers = num_peers
        self.job_id = f"job_zk{uuid.uuid4().hex[:10]}_0001"
        self.conf = HamaConfiguration()
        self.conf.set("hama.zookeeper.quorum", quorum)
        self.conf.set("hama.zookeeper.session.timeout", 6000)
        self.conf.set("bsp.zookeeper.root", root)
        self.path = f"{root.rstrip('/')}/{self.job_id}"
        self.barriers: list[int] = []
        self.server = ZooKeeperSyncServer(SyncContext(self.conf, self.job_id, num_peers), self.barriers.append)
        if start:
            self.server.start()
        self.clients: list[ZooKeeperSyncClient] = []

    def client(self, index: int, register: bool = True) -> ZooKeeperSyncClient:
        c = ZooKeeperSyncClient(SyncContext(self.conf, self.job_id, self.num_peers), index)
        self.clients.append(c)
        if register:
            c.register(f"127.0.0.1:{40000 + index}", self.attempt(index))
        return c

    def attempt(self, index: int) -> str:
        return f"attempt_{self.job_id[4:]}_{index:06d}_0"

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.server.close(True)


@pytest.fixture
def quorum(request: pytest.FixtureRequest) -> str:
    return zk_quorum(request)


@pytest.fixture
def make_job(quorum: str) -> Iterator[Callable[..., ZKJob]]:
    jobs: list[ZKJob] = []

    def make(num_peers: int, **kwargs: Any) -> ZKJob:
        job = ZKJob(quorum, num_peers, **kwargs)
        jobs.append(job)
        return job

    yield make
    for job in jobs:
        job.close()


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start *fn* in a thread; the list gets its result or exception."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # noqa: BLE001
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@pytest.mark.zookeeper
def test_znode_layout_matches_hama(make_job: Callable[..., ZKJob], quorum: str) -> None:
    job = make_job(3)
    c0, c1, c2 = (job.client(i) for i in range(3))
    with kazoo_client(quorum) as zk:
        assert zk.exists(job.path) is not None  # server start(): PERSISTENT job znode
        peers = sorted(zk.get_children(f"{job.path}/peers"))
        assert peers == ["127.0.0.1:40000", "127.0.0.1:40001", "127.0.0.1:40002"]
        data, stat = zk.get(f"{job.path}/peers/127.0.0.1:40001")
        assert stat.ephemeralOwner == c1.zk.client_id[0]  # EPHEMERAL, owned by the peer's session
        assert json.loads(data) == {"task_index": 1, "attempt_id": job.attempt(1)}

        # the server pre-created the first two blocks of barrier nodes, PERSISTENT
        assert {str(b) for b in range(-2, 2 * LOOKAHEAD)} <= set(zk.get_children(f"{job.path}/sync"))
        barrier = f"{job.path}/sync/-1"
        assert zk.exists(barrier).ephemeralOwner == 0

        t0, r0 = in_thread(lambda: c0.enter_barrier(-1, 20))
        t1, r1 = in_thread(lambda: c1.enter_barrier(-1, 20))
        wait_for(lambda: len(zk.get_children(barrier)) == 2)
        assert sorted(zk.get_children(barrier)) == [arrival_name(0), arrival_name(1)]  # numbered by ZooKeeper
        owners = {zk.get(f"{barrier}/{arrival_name(i)}")[0].decode() for i in range(2)}
        assert owners == {job.attempt(0), job.attempt(1)}  # data: the attempt ids
        assert zk.exists(f"{barrier}/{arrival_name(0)}").ephemeralOwner == 0  # PERSISTENT
        time.sleep(0.2)
        assert not r0 and not r1  # both wait for the third arrival
        c2.enter_barrier(-1, 20)  # the last arriver's own create releases the others
        t0.join(10)
        t1.join(10)
        assert r0 == [None] and r1 == [None]
        assert zk.get(f"{barrier}/{arrival_name(2)}")[0].decode() == job.attempt(2)
        assert sorted(zk.get_children(barrier)) == [arrival_name(i) for i in range(3)]  # nothing else

        for c in (c0, c1, c2):
            c.leave_barrier(-1, 20)  # a no-op: bundles carry their superstep
        assert len(zk.get_children(barrier)) == 3

        results = [in_thread(functools.partial(c.enter_barrier, 0, 20)) for c in (c0, c1, c2)]
        for t, r in results:
            t.join(10)
            assert r == [None]
        wait_for(lambda: zk.exists(barrier) is None, 5)  # the server collected barrier -1 once 0 completed
        assert zk.exists(f"{job.path}/sync/0/{arrival_name(2)}") is not None
        # the last arriver of barrier 0 pre-created the block two blocks ahead
        wait_for(lambda: zk.exists(f"{job.path}/sync/{3 * LOOKAHEAD - 1}") is not None, 5)

        job.server.peer_finished(1)
        assert zk.get_children(f"{job.path}/finished") == ["1"]
        job.server.abort("peer 1 failed")
        data, stat = zk.get(f"{job.path}/abort")
        assert data == b"peer 1 failed"
        assert stat.ephemeralOwner == 0
    wait_for(lambda: job.barriers == [-1, 0], 5)  # the server saw the last arrivals and reported the barriers


@pytest.mark.zookeeper
def test_session_expiry_fails_waiting_peer_promptly(make_job: Callable[..., ZKJob], quorum: str) -> None:
    from kazoo.client import KazooClient

    job = make_job(2)
    c0 = job.client(0)
    job.client(1)
    t, result = in_thread(lambda: c0.enter_barrier(0, 60))
    time.sleep(0.5)
    # expire c0's session on the server: join it with its id and password, then close it
    session_id, password = c0.zk.client_id
    twin = KazooClient(hosts=quorum, client_id=(session_id, password), timeout=6)
    twin.start(timeout=15)
    expired_at = time.monotonic()
    twin.stop()
    twin.close()
    t.join(30)
    assert not t.is_alive()
    err = result[0]
    assert isinstance(err, SyncError) and not isinstance(err, BarrierTimeoutError), err
    assert "session" in str(err).lower()
    assert time.monotonic() - expired_at < PROMPT
    with pytest.raises(SyncError):  # and it stays failed
        c0.enter_barrier(1, 5)


@pytest.mark.zookeeper
def test_connection_drop_keeps_waiting(make_job: Callable[..., ZKJob]) -> None:
    """SUSPENDED is not fatal: the peer reconnects within its session and passes the barrier."""
    from kazoo.protocol.connection import _CONNECTION_DROP  # kazoo's own test hook
    from kazoo.protocol.states import KazooState

    job = make_job(2)
    c0, c1 = job.client(0), job.client(1)
    states: list[str] = []
    c0.zk.add_listener(states.append)
    t, result = in_thread(lambda: c0.enter_barrier(0, 30))
    time.sleep(0.5)
    c0.zk._call(_CONNECTION_DROP, None)  # the socket breaks; kazoo reconnects in the same session
    wait_for(lambda: KazooState.SUSPENDED in states)
    time.sleep(0.3)
    c1.enter_barrier(0, 30)
    t.join(20)
    assert result == [None]
    assert KazooState.LOST not in states
    t, result = in_thread(lambda: c0.leave_barrier(0, 10))
    c1.leave_barrier(0, 10)
    t.join(10)
    assert result == [None]


@pytest.mark.zookeeper
def test_job_znode_deleted_while_waiting(make_job: Callable[..., ZKJob], quorum: str) -> None:
    job = make_job(2)
    c0 = job.client(0)
    t, result = in_thread(lambda: c0.enter_barrier(0, 60))
    time.sleep(0.5)
    start = time.monotonic()
    with kazoo_client(quorum) as zk:
        zk.delete(job.path, recursive=True)
    t.join(20)
    assert isinstance(result[0], SyncError)
    assert "deleted" in str(result[0])
    assert time.monotonic() - start < PROMPT


@pytest.mark.zookeeper
def test_peer_never_creates_the_job_znode(make_job: Callable[..., ZKJob], quorum: str) -> None:
    job = make_job(2, start=False)
    c0 = job.client(0, register=False)
    with pytest.raises(SyncError, match="does not exist"):
        c0.register("127.0.0.1:1", job.attempt(0))
    with pytest.raises(SyncError, match="does not exist"):
        c0.enter_barrier(0, 5)
    with kazoo_client(quorum) as zk:
        assert zk.exists(job.path) is None


@pytest.mark.zookeeper
def test_custom_root(make_job: Callable[..., ZKJob], quorum: str) -> None:
    root = f"/hama-test-{uuid.uuid4().hex[:8]}"
    job = make_job(2, root=root)
    c0, c1 = job.client(0), job.client(1)
    with kazoo_client(quorum) as zk:
        assert zk.get_children(f"{root}/{job.job_id}/peers") != []
    t, r = in_thread(lambda: c0.enter_barrier(0, 10))
    c1.enter_barrier(0, 10)
    t.join(10)
    assert r == [None]
    job.close()
    with kazoo_client(quorum) as zk:
        assert zk.exists(f"{root}/{job.job_id}") is None
        zk.delete(root, recursive=True)


@pytest.mark.zookeeper
def test_name_taken_by_another_task(make_job: Callable[..., ZKJob]) -> None:
    job = make_job(2)
    job.client(0)  # 127.0.0.1:40000
    c1 = job.client(1, register=False)
    with pytest.raises(SyncError, match="already registered by task 0"):
        c1.register("127.0.0.1:40000", job.attempt(1))


@pytest.mark.zookeeper
def test_restarted_attempt_replaces_stale_registration(make_job: Callable[..., ZKJob]) -> None:
    job = make_job(2)
    job.client(0)
    job.client(1)  # attempt 0 of task 1, still alive (its session has not expired)
    again = job.client(1, register=False)
    again.register("127.0.0.1:40001", job.attempt(1)[:-1] + "1")
    assert again.get_peer_names(5) == ["127.0.0.1:40000", "127.0.0.1:40001"]


@pytest.mark.zookeeper
def test_on_barrier_reports_every_superstep(make_job: Callable[..., ZKJob]) -> None:
    job = make_job(2)
    c0, c1 = job.client(0), job.client(1)

    def peer(c: ZooKeeperSyncClient) -> None:
        for s in range(-1, 5):
            c.enter_barrier(s, 10)
            c.leave_barrier(s, 10)

    t, r = in_thread(lambda: peer(c0))
    peer(c1)
    t.join(20)
    assert r == [None]
    wait_for(lambda: len(job.barriers) == 6, 5)
    assert job.barriers == list(range(-1, 5))  # in order, each once


@pytest.mark.zookeeper
def test_one_write_per_peer_per_superstep(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """Issue 3's budget: each peer writes once per barrier (plus a multi-op per block of barriers
    by one peer) and sends one more request per WATCH_BLOCK barriers; nothing goes over kazoo;
    znodes do not pile up."""
    n, steps = 4, 40
    job = make_job(n)
    clients = [job.client(i) for i in range(n)]
    kazoo_writes: list[int] = [0] * n
    for i, c in enumerate(clients):
        for name in ("create_async", "delete_async", "set_async", "transaction"):
            real = getattr(c.zk, name)

            def counted(*a: Any, _real: Any = real, _i: int = i, **k: Any) -> Any:
                kazoo_writes[_i] += 1
                return _real(*a, **k)

            setattr(c.zk, name, counted)

    def peer(c: ZooKeeperSyncClient) -> None:
        for s in range(-1, steps):
            c.enter_barrier(s, 20)
            c.leave_barrier(s, 20)

    threads = [in_thread(functools.partial(peer, c)) for c in clients]
    for t, r in threads:
        t.join(60)
        assert r == [None]
    barriers = steps + 1
    assert kazoo_writes == [0] * n  # the barrier does not go through kazoo
    for c in clients:
        sent = c.wire.requests
        assert sent.get("Create", 0) == barriers, sent  # its own arrival, nothing else
        # the watches on the last arrivals: one request per WATCH_BLOCK barriers
        assert sent.get("SetWatches", 0) == -(-barriers // WATCH_BLOCK), sent
        assert set(sent) <= {"Create", "SetWatches", "Transaction"}, sent  # leave sends nothing
    blocks = sum(c.wire.requests.get("Transaction", 0) for c in clients)
    assert blocks == len([s for s in range(0, steps) if s % LOOKAHEAD == 0])  # one per block, by one peer
    wait_for(lambda: len(job.barriers) == barriers, 5)
    with kazoo_client(quorum) as zk:
        def remaining() -> list[int]:
            return sorted(int(c) for c in zk.get_children(f"{job.path}/sync"))
        wait_for(lambda: remaining()[0] >= steps - 2, 5)  # completed barriers collected
        assert remaining()[-1] >= steps + LOOKAHEAD  # pre-created ahead
        assert len(zk.get_children(f"{job.path}/sync/{steps - 1}")) == n


@pytest.mark.zookeeper
def test_leave_barrier_is_local(make_job: Callable[..., ZKJob]) -> None:
    """leave_barrier sends nothing: it returns at once even if another peer never leaves."""
    job = make_job(2)
    c0, c1 = job.client(0), job.client(1)
    t, r = in_thread(lambda: c0.enter_barrier(2, 10))
    c1.enter_barrier(2, 10)
    t.join(10)
    start = time.monotonic()
    c0.leave_barrier(2, 1.0)
    assert time.monotonic() - start < 0.05
    job.server.abort("stop")
    wait_for(lambda: c0._failure is not None, 5)
    with pytest.raises(SyncError, match="stop"):  # but a known failure is reported
        c0.leave_barrier(3, 1.0)


@pytest.mark.zookeeper
def test_same_job_id_from_another_registry_is_refused(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """Job ids are unique per registry only: a second job with the same id (another secret) fails at
    start naming the znode, and neither its abort nor its close touches the running job's znodes."""
    job = make_job(2)
    c0, c1 = job.client(0), job.client(1)
    other = ZooKeeperSyncServer(SyncContext(job.conf, job.job_id, 2, "another job's secret"))
    with pytest.raises(SyncError, match=f"{job.path} .*belongs to another job.*bsp.zookeeper.root"):
        other.start()
    other.abort("the other job failed")
    other.close(False)
    with kazoo_client(quorum) as zk:
        assert zk.exists(job.path) is not None
        assert zk.exists(f"{job.path}/abort") is None
    t, r = in_thread(lambda: c0.enter_barrier(-1, 10))
    c1.enter_barrier(-1, 10)
    t.join(10)
    assert r == [None]


@pytest.mark.zookeeper
def test_leftover_of_the_same_job_is_replaced(quorum: str) -> None:
    """A job znode this job left (same secret: a recovery whose close could not delete it) is
    created afresh: no stale arrival is counted in the new attempt's barriers."""
    first = ZKJob(quorum, 2)
    first.server._owned = False  # its close() leaves everything behind, like a failed delete
    c0, c1 = first.client(0), first.client(1)
    t, _ = in_thread(lambda: c0.enter_barrier(-1, 10))
    c1.enter_barrier(-1, 10)
    t.join(10)
    first.close()
    again = ZooKeeperSyncServer(SyncContext(first.conf, first.job_id, 2))  # same (empty) secret
    try:
        again.start()
        with kazoo_client(quorum) as zk:
            assert zk.get_children(f"{first.path}/sync/-1") == []
    finally:
        again.close(True)
    with kazoo_client(quorum) as zk:
        assert zk.exists(first.path) is None
