"""Collection of completed barriers by the ``zookeeper`` sync server (issue 11 item 4), on the real ZooKeeper.

ZooKeeper serves every request of every session through one pipeline, so what the server
sends while peers run decides how long a barrier may wait behind it.  The mean cost of an empty
superstep was 2.3-2.8 ms (p50 0.37 ms) because the collector sent one multi-op of up to 2000
deletes (tens of ms in ZooKeeper, and a barrier waits behind it), because the partitioning
barrier no peer entered made the first multi-op fail and the collector then deleted hundreds of
barriers one request at a time while the job ran, and because close() deleted what was left
with kazoo's recursive delete (one request at a time: seconds at the end of a long job).

These tests count requests, not time: the size of every multi-op the collector sends, that
nothing is deleted node by node, and how many requests close() needs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import pytest

from hama_yarn.sync import zkserver
from hama_yarn.sync.zookeeper import ZooKeeperSyncClient
from tests.sync.test_zookeeper_sync import ZKJob, in_thread, make_job, quorum  # noqa: F401 - fixtures
from tests.sync.zkutil import kazoo_client

pytestmark = pytest.mark.zookeeper


class Recorder:
    """Counts what a kazoo client sends: multi-op sizes, listings, node-by-node deletes."""

    def __init__(self, zk: Any) -> None:
        self.multi_sizes: list[int] = []
        self.listings = 0
        self.single_deletes = 0
        real_txn, real_list = zk.transaction, zk.get_children_async
        real_delete, real_delete_async = zk.delete, zk.delete_async

        def transaction() -> Any:
            txn = real_txn()
            commit = txn.commit_async

            def commit_async() -> Any:
                self.multi_sizes.append(len(txn.operations))
                return commit()

            txn.commit_async = commit_async
            return txn

        def get_children_async(*a: Any, **k: Any) -> Any:
            self.listings += 1
            return real_list(*a, **k)

        def delete(*a: Any, **k: Any) -> Any:
            self.single_deletes += 1
            return real_delete(*a, **k)

        def delete_async(*a: Any, **k: Any) -> Any:
            self.single_deletes += 1
            return real_delete_async(*a, **k)

        zk.transaction, zk.get_children_async = transaction, get_children_async
        zk.delete, zk.delete_async = delete, delete_async


def _run_barriers(clients: list[ZooKeeperSyncClient], steps: int) -> None:
    def peer(c: ZooKeeperSyncClient) -> None:
        for s in range(-1, steps):
            c.enter_barrier(s, 30)
            c.leave_barrier(s, 30)

    threads = [in_thread(functools.partial(peer, c)) for c in clients]
    for t, r in threads:
        t.join(120)
        assert r == [None]


def _stop_poller(job: ZKJob) -> None:
    """Stop the server's background poller, so the test decides when it collects."""
    job.server._stop.set()
    assert job.server._poller is not None
    job.server._poller.join(10)
    job.server._stop.clear()


@pytest.mark.parametrize("n", [2, 5])
def test_collection_sends_small_multi_ops_and_never_deletes_node_by_node(make_job: Callable[..., ZKJob],
                                                                         quorum: str, n: int) -> None:
    """A backlog of hundreds of completed barriers (about one poll interval at full speed) goes in
    multi-ops of at most COLLECT_OPS deletes; the never-entered partitioning barrier -2 costs one
    listing and does not turn the rest into per-node deletes."""
    steps = 300
    job = make_job(n)
    _stop_poller(job)
    rec = Recorder(job.server.zk)
    _run_barriers([job.client(i) for i in range(n)], steps)
    job.server.poll()
    assert job.barriers == list(range(-1, steps))
    # every barrier before the last completed one is gone, with its children
    with kazoo_client(quorum) as zk:
        remaining = sorted(int(c) for c in zk.get_children(f"{job.path}/sync"))
    assert remaining[0] == steps - 1, remaining[:5]
    assert rec.single_deletes == 0
    assert rec.listings == 1  # barrier -2: no peer entered it, its (no) children are listed once
    assert max(rec.multi_sizes) <= zkserver.COLLECT_OPS, rec.multi_sizes
    per = zkserver.COLLECT_OPS // (n + 1)
    collected = steps - 1 - (-2)  # barriers -2 .. steps - 2
    # one multi-op per block, plus: the block with -2 fails once, -2 goes alone
    assert len(rec.multi_sizes) <= math.ceil(collected / per) + 2, rec.multi_sizes


def test_an_irregular_barrier_is_deleted_alone(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """A barrier whose children are not arrival-0..P-1 costs one listing and one delete of its own;
    the barriers around it still go in full multi-ops."""
    n, steps = 2, 40
    job = make_job(n)
    _stop_poller(job)
    _run_barriers([job.client(i) for i in range(n)], steps)
    with kazoo_client(quorum) as zk:
        zk.create(f"{job.path}/sync/20/stray", b"")  # e.g. left by a restarted attempt
    rec = Recorder(job.server.zk)
    job.server._collect(job.server.zk, -2, steps - 2)
    with kazoo_client(quorum) as zk:
        remaining = sorted(int(c) for c in zk.get_children(f"{job.path}/sync"))
    assert remaining[0] == steps - 1
    assert rec.listings == 2 and rec.single_deletes == 0  # -2 (never entered) and 20, nothing else
    per = zkserver.COLLECT_OPS // (n + 1)
    full = [size for size in rec.multi_sizes if size == per * (n + 1)]
    assert full, rec.multi_sizes  # -1 .. 19 went together
    assert (n + 2) in rec.multi_sizes  # barrier 20: its arrivals, the stray node, itself


def test_close_deletes_a_long_job_with_few_requests(make_job: Callable[..., ZKJob], quorum: str) -> None:
    """close() collects the completed barriers in large multi-ops and lists the rest level by level:
    the number of requests does not grow with the number of barriers (kazoo's recursive delete
    sends about 2 per znode, one at a time)."""
    n, steps = 3, 500
    job = make_job(n)
    _stop_poller(job)
    clients = [job.client(i) for i in range(n)]
    _run_barriers(clients, steps)
    rec = Recorder(job.server.zk)
    for c in clients:
        c.close()
    job.clients.clear()
    job.server.close(True)
    with kazoo_client(quorum) as zk:
        assert zk.exists(job.path) is None
    nodes = (steps + 2) * (n + 1)  # barriers -2 .. steps - 1 and their arrivals
    assert rec.single_deletes == 0
    assert len(rec.multi_sizes) <= math.ceil(nodes / 1000) + 3, rec.multi_sizes
    # the job znode, its children and the few barriers pre-created ahead, listed level by level
    assert rec.listings <= 4 + 3 * zkserver.LOOKAHEAD, rec.listings
