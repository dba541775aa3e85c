"""One contract for every sync backend (``hama_yarn.sync.base``): the same tests run against each.

Backends: ``rpc`` (RPCSyncServer hosted on a real authenticated RPCServer, RPCSyncClients over
Thrift, barriers over the lean barrier channel), ``rpc-thrift`` (the same with barriers as Thrift
``enter_barrier`` calls: ``hama.sync.rpc.channel=false``) and ``zookeeper`` (kazoo against the real ZooKeeper of ``tests/cluster``; marked
``zookeeper``).  Peers are threads, one SyncClient each, as in a real job where each peer
process holds its own client.
"""

from __future__ import annotations

import functools
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import BarrierTimeoutError, SyncError
from hama_yarn.sync import INITIAL_BARRIER, SyncClient, SyncContext, SyncServer, client_class, server_class
from tests.sync.zkutil import kazoo_client, zk_quorum

#: extra seconds allowed beyond a timeout (scheduling, ZooKeeper round trips, Thrift)
SLACK = 2.5
#: "promptly": how fast an abort or a lost session must release a waiter
PROMPT = 5.0

BACKENDS = ["rpc", "rpc-thrift", pytest.param("zookeeper", marks=pytest.mark.zookeeper)]


class Job:
    """One job's sync server plus a client factory for a backend."""

    def __init__(self, backend: Backend, num_peers: int) -> None:
        self.backend = backend
        self.num_peers = num_peers
        self.job_id = f"job_contract{uuid.uuid4().hex[:10]}_0001"
        self.secret = secrets.token_hex(16)
        self.conf = backend.conf()
        self.barriers: list[int] = []
        self.server: SyncServer = server_class(self.conf)(
            SyncContext(self.conf, self.job_id, num_peers, self.secret), self.barriers.append
        )
        self.server.start()
        self.master_address = backend.host(self)
        self.clients: list[SyncClient] = []
        self.closed = False

    def client(self, index: int) -> SyncClient:
        """A new SyncClient for peer *index*."""
        ctx = SyncContext(self.conf, self.job_id, self.num_peers, self.secret, self.master_address)
        c = client_class(self.conf)(ctx, index)
        self.clients.append(c)
        return c

    def attempt(self, index: int) -> str:
        return f"attempt_{self.job_id[4:]}_{index:06d}_0"

    def close(self, succeeded: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        for c in self.clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self.server.close(succeeded)
        self.backend.unhost(self)


class Backend:
    """How to configure and host one backend."""

    name = ""

    def conf(self) -> HamaConfiguration:
        conf = HamaConfiguration()
        conf.set("hama.sync.client.class", self.name)
        conf.set("hama.sync.server.class", self.name)
        return conf

    def host(self, job: Job) -> str:
        return ""

    def unhost(self, job: Job) -> None:
        pass

    def state_exists(self, job: Job) -> bool:
        """Whether the job's sync state still exists somewhere after close."""
        return False


class RPCBackend(Backend):
    name = "rpc"

    def __init__(self) -> None:
        self.servers: dict[str, Any] = {}

    def host(self, job: Job) -> str:
        from hama_yarn.rpc.server import RPCServer

        rpc = RPCServer("127.0.0.1", 0, job.secret, job.server.thrift_services(), name="contract-master").start()
        self.servers[job.job_id] = rpc
        return f"127.0.0.1:{rpc.port}"

    def unhost(self, job: Job) -> None:
        rpc = self.servers.pop(job.job_id, None)
        if rpc is not None:
            rpc.stop()

    def state_exists(self, job: Job) -> bool:
        return job.job_id in self.servers  # in-memory state lives as long as the master's server


class RPCThriftBackend(RPCBackend):
    """The rpc backend with the lean barrier channel off: barriers are Thrift enter_barrier calls."""

    def conf(self) -> HamaConfiguration:
        conf = super().conf()
        conf.set("hama.sync.rpc.channel", False)
        return conf


class ZooKeeperBackend(Backend):
    name = "zookeeper"

    def __init__(self, quorum: str) -> None:
        self.quorum = quorum

    def conf(self) -> HamaConfiguration:
        conf = super().conf()
        conf.set("hama.zookeeper.quorum", self.quorum)
        conf.set("hama.zookeeper.session.timeout", 10000)
        return conf

    def state_exists(self, job: Job) -> bool:
        with kazoo_client(self.quorum) as zk:
            return zk.exists(f"/bsp/{job.job_id}") is not None


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "rpc":
        return RPCBackend()
    if request.param == "rpc-thrift":
        return RPCThriftBackend()
    return ZooKeeperBackend(zk_quorum(request))


@pytest.fixture
def make_job(backend: Backend) -> Iterator[Callable[[int], Job]]:
    jobs: list[Job] = []

    def make(num_peers: int) -> Job:
        job = Job(backend, num_peers)
        jobs.append(job)
        return job

    yield make
    for job in jobs:
        job.close()


def run_threads(targets: list[Callable[[], Any]], timeout: float = 60.0) -> list[Any]:
    """Run callables in threads; return their results (exceptions are returned, not raised)."""
    results: list[Any] = [None] * len(targets)

    def wrap(i: int) -> None:
        try:
            results[i] = targets[i]()
        except BaseException as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=wrap, args=(i,), daemon=True) for i in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a peer thread hangs"
    return results


def registered(job: Job, indexes: list[int] | None = None) -> list[SyncClient]:
    """Clients for every peer, each registered as 127.0.0.1:(20000 + index)."""
    clients = []
    for i in indexes if indexes is not None else range(job.num_peers):
        c = job.client(i)
        c.register(f"127.0.0.1:{20000 + i}", job.attempt(i))
        clients.append(c)
    return clients


# ------------------------------------------------------------------ registration


@pytest.mark.parametrize("num_peers", [3, 5])
def test_peer_names_ordered_by_task_index(make_job: Callable[[int], Job], num_peers: int) -> None:
    job = make_job(num_peers)
    order = list(range(num_peers))
    random.Random(num_peers).shuffle(order)
    if order == sorted(order):
        order.reverse()
    clients = {i: job.client(i) for i in range(num_peers)}
    ports = {i: 30000 + (7 * (num_peers - i)) for i in range(num_peers)}  # names sort opposite to indexes

    def peer(i: int) -> list[str]:
        time.sleep(0.05 * order.index(i))  # register out of order
        clients[i].register(f"127.0.0.1:{ports[i]}", job.attempt(i))
        return clients[i].get_peer_names(20.0)

    results = run_threads([functools.partial(peer, i) for i in range(num_peers)])
    expected = [f"127.0.0.1:{ports[i]}" for i in range(num_peers)]
    for r in results:
        assert r == expected


def test_peer_names_timeout(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job, [0, 1])
    start = time.monotonic()
    with pytest.raises(SyncError) as info:
        clients[0].get_peer_names(1.0)
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 1.0 + SLACK
    assert "2 of 3" in str(info.value)
    assert "[2]" in str(info.value)  # names the missing task index


def test_peer_names_wait_for_late_peer(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job, [0, 2])
    late = job.client(1)

    def register_late() -> None:
        time.sleep(0.7)
        late.register("127.0.0.1:20001", job.attempt(1))

    t = threading.Thread(target=register_late)
    t.start()
    start = time.monotonic()
    names = clients[0].get_peer_names(10.0)
    t.join()
    assert names == ["127.0.0.1:20000", "127.0.0.1:20001", "127.0.0.1:20002"]
    assert 0.5 <= time.monotonic() - start < 0.7 + SLACK  # woke up when the peer registered


# ------------------------------------------------------------------ barriers


def test_barrier_releases_only_when_all_arrived(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job)
    passed: dict[int, float] = {}
    last_arrival = threading.Event()
    arrival_time: list[float] = []

    def peer(i: int) -> None:
        if i == 2:
            time.sleep(1.0)
            arrival_time.append(time.monotonic())
            last_arrival.set()
        clients[i].enter_barrier(0, 20.0)
        passed[i] = time.monotonic()
        clients[i].leave_barrier(0, 20.0)

    results = run_threads([functools.partial(peer, i) for i in range(3)])
    assert results == [None, None, None]
    assert last_arrival.is_set()
    for i in range(3):
        assert passed[i] >= arrival_time[0], f"peer {i} passed the barrier before the last peer arrived"


def test_no_peer_runs_a_barrier_ahead(make_job: Callable[[int], Job]) -> None:
    """Whatever leave_barrier does (a no-op is allowed: bundles carry their superstep),
    no peer passes enter_barrier(s + 1) before every peer passed enter_barrier(s)."""
    job = make_job(4)
    clients = registered(job)
    steps = 6
    passed = [0] * steps
    lock = threading.Lock()
    violations: list[str] = []

    def peer(i: int) -> None:
        for s in range(steps):
            clients[i].enter_barrier(s, 20.0)
            with lock:
                if s > 0 and passed[s - 1] != 4:
                    violations.append(f"peer {i} passed {s} while only {passed[s - 1]} peers passed {s - 1}")
                passed[s] += 1
            time.sleep(random.random() * 0.01)
            clients[i].leave_barrier(s, 20.0)

    assert run_threads([functools.partial(peer, i) for i in range(4)]) == [None] * 4
    assert violations == []


@pytest.mark.parametrize("num_peers", [2, 4])
def test_sequential_barriers(make_job: Callable[[int], Job], num_peers: int) -> None:
    job = make_job(num_peers)
    clients = registered(job)
    steps = 40
    entered = [0] * (steps + 1)
    lock = threading.Lock()
    early: list[str] = []

    def peer(i: int) -> int:
        assert clients[i].get_peer_names(20.0) == [f"127.0.0.1:{20000 + k}" for k in range(num_peers)]
        for s in range(INITIAL_BARRIER, steps):
            with lock:
                entered[s + 1] += 1
            clients[i].enter_barrier(s, 20.0)
            with lock:
                if entered[s + 1] != num_peers:
                    early.append(f"peer {i} passed barrier {s} with {entered[s + 1]} arrived")
            clients[i].leave_barrier(s, 20.0)
        return steps

    results = run_threads([functools.partial(peer, i) for i in range(num_peers)], timeout=120)
    assert results == [steps] * num_peers
    assert early == []


def test_barrier_timeout(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job)  # every peer registered, only one ever enters barrier 3
    start = time.monotonic()
    with pytest.raises(BarrierTimeoutError) as info:
        clients[0].enter_barrier(3, 1.0)
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 1.0 + SLACK
    text = str(info.value)
    assert "superstep 3" in text
    assert "1 of 3" in text
    assert "timed out" in text


def test_barrier_timeout_counts_arrived(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job)
    start = time.monotonic()
    results = run_threads([lambda: clients[0].enter_barrier(7, 1.5), lambda: clients[1].enter_barrier(7, 1.5)])
    elapsed = time.monotonic() - start
    for err in results:
        assert isinstance(err, BarrierTimeoutError), err
        assert "superstep 7" in str(err)
        assert "2 of 3" in str(err)
    assert elapsed < 1.5 + SLACK


# ------------------------------------------------------------------ abort and close


def test_abort_releases_barrier_waiters(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job)
    released: dict[int, float] = {}

    def peer(i: int) -> None:
        try:
            clients[i].enter_barrier(0, 60.0)
        finally:
            released[i] = time.monotonic()

    threads_done: list[Any] = []
    runner = threading.Thread(target=lambda: threads_done.extend(run_threads([functools.partial(peer, i) for i in range(2)])))
    runner.start()
    time.sleep(0.8)
    assert not released, "peers passed a barrier that a third peer never entered"
    aborted_at = time.monotonic()
    job.server.abort("peer 2 failed: boom")
    runner.join(30)
    assert not runner.is_alive()
    for err in threads_done:
        assert isinstance(err, SyncError), err
        assert not isinstance(err, BarrierTimeoutError)
        assert "job aborted" in str(err)
        assert "boom" in str(err)
    assert max(released.values()) - aborted_at < PROMPT


def test_abort_releases_registration_waiters(make_job: Callable[[int], Job]) -> None:
    job = make_job(3)
    clients = registered(job, [0])
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.extend(run_threads([lambda: clients[0].get_peer_names(60.0)])))
    t.start()
    time.sleep(0.5)
    aborted_at = time.monotonic()
    job.server.abort("killed by user")
    t.join(30)
    assert isinstance(result[0], SyncError)
    assert "killed by user" in str(result[0])
    assert time.monotonic() - aborted_at < PROMPT


def test_abort_fails_later_barriers(make_job: Callable[[int], Job]) -> None:
    job = make_job(2)
    clients = registered(job)
    job.server.abort("stop now")
    time.sleep(0.3)
    start = time.monotonic()
    with pytest.raises(SyncError, match="stop now"):
        clients[0].enter_barrier(1, 30.0)
    assert time.monotonic() - start < PROMPT


# ------------------------------------------------------------------ peer_finished


def test_finished_peer_fails_waiters_promptly(make_job: Callable[[int], Job]) -> None:
    """A peer that returned from bsp() never enters another barrier: waiters fail at once, naming it."""
    job = make_job(3)
    clients = registered(job)
    assert run_threads([functools.partial(enter_leave, c, 0) for c in clients]) == [(None, None)] * 3
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.extend(
        run_threads([lambda: clients[0].enter_barrier(1, 60.0), lambda: clients[1].enter_barrier(1, 60.0)])))
    runner.start()
    time.sleep(0.5)
    finished_at = time.monotonic()
    job.server.peer_finished(2)
    runner.join(30)
    assert not runner.is_alive()
    for err in results:
        assert isinstance(err, SyncError) and not isinstance(err, BarrierTimeoutError), err
        assert "different number of times" in str(err)
        assert "[2]" in str(err)
    assert time.monotonic() - finished_at < PROMPT
    start = time.monotonic()  # and a later barrier fails at once too
    with pytest.raises(SyncError, match="different number of times"):
        clients[0].enter_barrier(2, 60.0)
    assert time.monotonic() - start < PROMPT


def test_finished_peer_does_not_fail_a_completed_barrier(make_job: Callable[[int], Job]) -> None:
    """The usual end of a job: peers finish right after the last barrier, while others still wake up."""
    job = make_job(4)
    clients = registered(job)
    for step in range(3):
        def peer(i: int, step: int = step) -> None:
            clients[i].enter_barrier(step, 20.0)
            clients[i].leave_barrier(step, 20.0)
            if i % 2 == 0 and step == 2:
                job.server.peer_finished(i)

        assert run_threads([functools.partial(peer, i) for i in range(4)]) == [None] * 4


def enter_leave(client: SyncClient, superstep: int) -> tuple[None, None]:
    client.enter_barrier(superstep, 10.0)
    client.leave_barrier(superstep, 10.0)
    return None, None


@pytest.mark.parametrize("succeeded", [True, False])
def test_close_removes_state(backend: Backend, make_job: Callable[[int], Job], succeeded: bool) -> None:
    job = make_job(2)
    clients = registered(job)
    assert run_threads([functools.partial(enter_leave, c, -1) for c in clients]) \
        == [(None, None)] * 2
    job.close(succeeded)
    assert not backend.state_exists(job)
