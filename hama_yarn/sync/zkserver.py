"""Master side of the ``zookeeper`` sync service (Hama's ``ZKSyncBSPMasterClient``).

See :mod:`hama_yarn.sync.zookeeper` for the znode layout and the barrier.  The
server creates and removes the job's znode, publishes aborts and finished
peers, and runs one background thread that, a few times a second, finds how far
the barriers got (for ``on_barrier``, the master's progress) and deletes the
completed barriers' znodes.  Polling keeps the server off the barrier's path: no
watch, notification or request of its own per superstep.

Collection is paced so that it never stalls the barrier: ZooKeeper runs every
request of every session through one pipeline, so a multi-op of a few thousand
deletes (about 20 µs each) holds up the peers' creates queued behind it for tens
of milliseconds.  Deletes go out in multi-ops of at most :data:`COLLECT_OPS`
operations, one at a time, so a barrier waits behind at most one small multi-op.
A barrier whose children are not the expected ``arrival-0 .. arrival-<P-1>``
(the partitioning barrier no peer entered, a failed job's last barrier) is
listed and deleted on its own; the rest of the block still goes in one multi-op.

At :meth:`ZooKeeperSyncServer.close` the last barriers are collected the same
way and what is left of the job's tree is listed and deleted with pipelined
requests (kazoo's ``delete(recursive=True)`` sends one request at a time: a
second or more for a job with a few hundred uncollected barriers).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kazoo.exceptions import (NoAuthError, NodeExistsError, NoNodeError, NotEmptyError, RolledBackError,
                              RuntimeInconsistency)
from kazoo.security import OPEN_ACL_UNSAFE

from ..errors import SyncError
from ..config import HamaConfiguration
from .base import INITIAL_BARRIER, SyncContext, SyncServer
from .zkcommon import (
    FINISHED,
    LOOKAHEAD,
    arrival_name,
    barrier_name,
    check_reachable,
    connect,
    job_path,
    session_timeout,
    stop,
    zk_hosts,
)

log = logging.getLogger(__name__)

__all__ = ["ZooKeeperSyncServer"]

#: Seconds between two looks at the barriers' progress.
POLL_INTERVAL = 0.2
#: Most deletes in one multi-op while the job runs: about the time of one barrier in ZooKeeper.
COLLECT_OPS = 64
#: Most deletes in one multi-op at close (a request must stay below ZooKeeper's jute.maxbuffer).
_MAX_OPS = 1000
#: Results of a failed multi-op's other ops.
_NOT_THE_CAUSE = (RolledBackError, RuntimeInconsistency)
#: The runtime partitioning barrier (hama_yarn.io.partitioning), which precedes the initial one.
_FIRST = INITIAL_BARRIER - 1


class ZooKeeperSyncServer(SyncServer):
    """Master side of the ``zookeeper`` sync service (Hama's ``ZKSyncBSPMasterClient``).

    Creates ``/bsp/<jobId>`` (with ``sync``, the first barrier nodes and
    ``finished``) at :meth:`start`, publishes aborts as the
    ``/bsp/<jobId>/abort`` znode and finished peers as
    ``/bsp/<jobId>/finished/<taskIndex>``, and removes ``/bsp/<jobId>`` at
    :meth:`close`.  A background thread polls the barriers' progress to call
    ``on_barrier`` and collects completed barriers.  It hosts no Thrift services.

    Parameters
    ----------
    ctx : SyncContext
        The job.
    on_barrier : callable, optional
        Called with each completed superstep, in order, from the polling thread
        (within about :data:`POLL_INTERVAL` seconds of its completion).
    """

    def __init__(self, ctx: SyncContext, on_barrier: Callable[[int], None] | None = None) -> None:
        super().__init__(ctx, on_barrier)
        self.job_path = job_path(ctx.conf, ctx.job_id)
        self.sync_path = f"{self.job_path}/sync"
        self.abort_path = f"{self.job_path}/abort"
        self.finished_path = f"{self.job_path}/{FINISHED}"
        self.zk: Any = None
        self._unreachable: SyncError | None = None  # the first connection failed: do not wait again
        self._owned = False  # start() created the job znode: close() deletes it
        self._lock = threading.Lock()
        self._next = INITIAL_BARRIER  # the first barrier not yet known complete
        self._collected = _FIRST - 1  # every barrier up to this one is deleted
        #: Requests the collector sent (multi-ops and listings): for tests and benchmarks.
        self.collect_requests = 0
        self._closed = False
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    @classmethod
    def preflight(cls, conf: HamaConfiguration) -> None:
        """Check that ``hama.zookeeper.quorum`` accepts connections (within ``hama.client.connect.timeout.ms``).

        Raises
        ------
        ConfigError
            Naming ``hama.zookeeper.quorum``, its address and the timeout key.
        """
        check_reachable(conf)

    def _client(self) -> Any:
        with self._lock:
            if self.zk is None:
                if self._unreachable is not None:
                    raise self._unreachable
                try:
                    self.zk = connect(self.ctx.conf, f"sync server of {self.ctx.job_id}", self.ctx.secret)
                except SyncError as exc:
                    self._unreachable = exc
                    raise
            return self.zk

    def _claim(self, zk: Any) -> None:
        """Create the job znode, tagged with a digest of the job secret.

        Job ids are unique per registry (``hama.tmp.dir``), not per ZooKeeper: two
        local jobs started in the same minute from two registries get the same id.
        Sharing ``/bsp/<jobId>`` would mix their barriers (both fail with a
        misleading "called sync() a different number of times"), and the first to
        end would delete the other's znodes.  A job znode of this job (same
        secret: an earlier attempt whose close could not delete it) is deleted
        and created afresh; another job's is left alone and this job fails.
        """
        tag = b"hama-job " + hashlib.sha256(self.ctx.secret.encode("utf-8")).hexdigest()[:32].encode()
        parent = self.job_path.rsplit("/", 1)[0]
        if parent:  # bsp.zookeeper.root stays open: every job creates its own (ACL'd) znode there
            zk.retry(zk.ensure_path, parent, acl=OPEN_ACL_UNSAFE)
        for _attempt in range(3):
            try:
                zk.retry(zk.create, self.job_path, tag)
                self._owned = True
                return
            except NodeExistsError:
                pass
            try:
                data, _stat = zk.retry(zk.get, self.job_path)
            except NoNodeError:
                continue
            except NoAuthError:  # another job's znode, under its own ACL
                data = None
            if data != tag:
                raise SyncError(
                    f"{self.job_path} on ZooKeeper at {zk_hosts(self.ctx.conf)} belongs to another job with the id "
                    f"{self.ctx.job_id} (job ids are unique per hama.tmp.dir, not per ZooKeeper; that job runs, or "
                    "its master died without removing it): submit again, or give each user or registry its own "
                    "bsp.zookeeper.root"
                )
            try:
                _delete_tree(zk, self.job_path)
            except (NoNodeError, NotEmptyError):
                pass
        raise SyncError(f"cannot create {self.job_path} on ZooKeeper at {zk_hosts(self.ctx.conf)}: "
                        "it keeps reappearing")

    def start(self) -> None:
        """Connect, create ``/bsp/<jobId>`` and its first barrier nodes, start the progress poller.

        Raises
        ------
        SyncError
            If ZooKeeper cannot be reached, or another job with the same id uses its znode.
        """
        zk = self._client()
        try:
            self._claim(zk)
            try:
                zk.retry(zk.create, self.sync_path, b"")
            except NodeExistsError:
                pass
            # the barrier nodes of the first two LOOKAHEAD blocks (the partitioning
            # barrier -2, the initial -1, then 0 ...); peers pre-create the rest
            first = [self.finished_path] + [f"{self.sync_path}/{barrier_name(s)}"
                                            for s in range(_FIRST, 2 * LOOKAHEAD)]
            for path in first:
                try:
                    zk.retry(zk.create, path, b"")
                except NodeExistsError:
                    pass
            if zk.retry(zk.exists, self.abort_path) is not None:
                zk.retry(zk.delete, self.abort_path)
        except SyncError:
            raise
        except Exception as exc:
            raise SyncError(f"cannot create {self.job_path} in ZooKeeper at {zk_hosts(self.ctx.conf)}: {exc}") from exc
        log.info("zookeeper sync: job znode %s on %s", self.job_path, zk_hosts(self.ctx.conf))
        self._poller = threading.Thread(target=self._poll_loop, name=f"zk-progress-{self.ctx.job_id}", daemon=True)
        self._poller.start()

    # ------------------------------------------------------------ progress and collection
    def _complete(self, zk: Any, superstep: int) -> bool:
        """Whether barrier *superstep* completed (its last arrival exists)."""
        path = f"{self.sync_path}/{barrier_name(superstep)}/{arrival_name(self.ctx.num_peers - 1)}"
        return zk.exists_async(path).get(timeout=10.0) is not None

    def _frontier(self, zk: Any) -> int:
        """The last completed barrier (>= ``self._next - 1``): gallop, then bisect; O(log) requests."""
        lo = self._next - 1  # known complete (or nothing yet)
        if not self._complete(zk, self._next):
            return lo
        lo, step = self._next, 1
        while self._complete(zk, lo + step):
            lo, step = lo + step, step * 2
        hi = lo + step  # not complete
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._complete(zk, mid):
                lo = mid
            else:
                hi = mid
        return lo

    def poll(self) -> None:
        """Report newly completed barriers and collect the old ones (called by the poller thread).

        Barrier *s* complete means every peer entered *s*, so every peer returned
        from every barrier before *s*: those are deleted, with their known
        children, in multi-ops of at most :data:`COLLECT_OPS` deletes.
        """
        zk = self.zk
        if zk is None or self._closed or not zk.connected:
            return
        last = self._frontier(zk)
        while self._next <= last:
            superstep, self._next = self._next, self._next + 1
            try:
                self.on_barrier(superstep)
            except Exception:  # noqa: BLE001
                log.exception("on_barrier(%d) failed", superstep)
        if last - 1 > self._collected:
            self._collect(zk, self._collected + 1, last - 1, stop=self._stop)

    def _collect(self, zk: Any, first: int, last: int, max_ops: int | None = None,
                 stop: threading.Event | None = None) -> None:
        """Delete the barrier nodes *first* .. *last* and their P children.

        One multi-op of at most *max_ops* deletes at a time (see the module
        notes); a barrier that makes a multi-op fail is deleted on its own and
        the others are retried.  Returns early once *stop* is set.
        """
        n = self.ctx.num_peers
        per = max(1, (COLLECT_OPS if max_ops is None else max_ops) // (n + 1))
        limit = last
        while first <= last:
            if stop is not None and stop.is_set():
                return
            upto = min(limit, first + per - 1)
            txn = zk.transaction()
            for s in range(first, upto + 1):
                path = f"{self.sync_path}/{barrier_name(s)}"
                for i in range(n):
                    txn.delete(f"{path}/{arrival_name(i)}")
                txn.delete(path)
            results = txn.commit_async().get(timeout=30.0)
            self.collect_requests += 1
            # The failing op has its own error; ZooKeeper rolls back the ops before it
            # (RolledBackError) and skips those after it (RuntimeInconsistency).
            bad = next((i for i, r in enumerate(results)
                        if isinstance(r, Exception) and not isinstance(r, _NOT_THE_CAUSE)), None)
            if bad is None:
                self._collected, first, limit = upto, upto + 1, last
                continue
            irregular = first + bad // (n + 1)
            if irregular > first:
                limit = irregular - 1  # the barriers before it go in one multi-op, then it fails first
                continue
            self._delete_barrier(zk, irregular)
            self._collected, first, limit = irregular, irregular + 1, last

    def _delete_barrier(self, zk: Any, superstep: int) -> None:
        """Delete barrier *superstep* whatever its children are (listed first)."""
        path = f"{self.sync_path}/{barrier_name(superstep)}"
        try:
            children = zk.get_children_async(path).get(timeout=10.0)
        except NoNodeError:
            return
        self.collect_requests += 1
        _delete_paths(zk, [f"{path}/{c}" for c in children] + [path])

    def _poll_loop(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - progress reporting and collection only; retried next time
                log.debug("polling the barriers of %s failed", self.ctx.job_id, exc_info=True)

    def _connected(self, zk: Any) -> bool:
        """Wait (at most the session timeout) for a connection; False if there is none.

        kazoo's synchronous calls wait without limit for a reconnect, so the server
        only issues requests while connected, and with bounded waits.
        """
        deadline = time.monotonic() + session_timeout(self.ctx.conf)
        while not zk.connected:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def abort(self, reason: str) -> None:
        """Create ``/bsp/<jobId>/abort`` (data: *reason*); waiting peers fail at once."""
        if self._closed:
            return
        if not self._owned:  # start() failed (unreachable, or another job's znode): no peer of ours waits there
            log.debug("not publishing the abort of %s: the job znode is not this job's", self.ctx.job_id)
            return
        try:
            zk = self._client()
            if not self._connected(zk):
                log.warning("cannot publish the abort of %s: no connection to ZooKeeper at %s",
                            self.ctx.job_id, zk_hosts(self.ctx.conf))
                return
            zk.create_async(self.abort_path, reason.encode("utf-8")).get(timeout=session_timeout(self.ctx.conf))
        except NodeExistsError:
            pass
        except Exception:  # noqa: BLE001 - the master also stops the peers
            log.warning("cannot publish the abort of %s in ZooKeeper", self.ctx.job_id, exc_info=True)

    def peer_finished(self, task_index: int) -> None:
        """Create ``/bsp/<jobId>/finished/<task_index>``.

        Peers watch ``finished``: a peer waiting (or later waiting) in a barrier
        that has not completed fails at once, naming the finished peer(s), like
        the ``rpc`` backend (a finished peer could only have entered a barrier
        that completed, and its nodes stay until the barrier is collected).
        """
        if self._closed or not self._owned:
            return
        try:
            zk = self._client()
            if not zk.connected:
                raise SyncError("no connection to ZooKeeper")
            zk.create_async(f"{self.finished_path}/{task_index}", b"").get(timeout=10.0)
        except NodeExistsError:
            pass
        except Exception:  # noqa: BLE001 - a missed notice only delays the failure to the barrier timeout
            log.warning("cannot publish that peer %d of %s finished", task_index, self.ctx.job_id, exc_info=True)

    def close(self, succeeded: bool) -> None:
        """Delete ``/bsp/<jobId>`` recursively (after success *and* failure, if :meth:`start` created it)
        and disconnect."""
        self._closed = True
        self._stop.set()
        poller = self._poller
        if poller is not None and poller is not threading.current_thread():
            poller.join(5.0)
        with self._lock:
            zk, self.zk = self.zk, None
        if zk is None:
            return
        if not self._owned:  # another job's znode (or none): not ours to delete
            try:
                stop(zk)
            except Exception:  # noqa: BLE001
                log.debug("stopping the ZooKeeper client failed", exc_info=True)
            return
        try:
            if not self._connected(zk):
                log.warning("cannot delete %s: no connection to ZooKeeper at %s within the session timeout",
                            self.job_path, zk_hosts(self.ctx.conf))
                return
            try:  # the completed barriers in large multi-ops (no peer waits any more)
                last = self._frontier(zk)
                if last > self._collected:
                    self._collect(zk, self._collected + 1, last, _MAX_OPS)
            except Exception:  # noqa: BLE001 - the tree delete below removes them anyway
                log.debug("collecting the last barriers of %s failed", self.ctx.job_id, exc_info=True)
            for attempt in range(5):
                try:
                    _delete_tree(zk, self.job_path)
                    break
                except NoNodeError:
                    break
                except NotEmptyError:  # a peer created a node meanwhile
                    time.sleep(0.05 * (attempt + 1))
            else:
                log.warning("could not delete %s: peers keep creating nodes", self.job_path)
        except Exception:  # noqa: BLE001
            log.warning("cannot delete %s from ZooKeeper", self.job_path, exc_info=True)
        finally:
            try:
                stop(zk)
            except Exception:  # noqa: BLE001
                log.debug("stopping the ZooKeeper client failed", exc_info=True)


def _delete_paths(zk: Any, paths: list[str], timeout: float = 30.0) -> None:
    """Delete *paths* in this order with multi-ops of up to ``_MAX_OPS``; missing nodes are skipped.

    A multi-op that fails (a node vanished or gained a child meanwhile) is
    redone as pipelined single deletes; NoNodeError is ignored there and
    NotEmptyError raised.
    """
    for start in range(0, len(paths), _MAX_OPS):
        chunk = paths[start:start + _MAX_OPS]
        txn = zk.transaction()
        for path in chunk:
            txn.delete(path)
        results = txn.commit_async().get(timeout=timeout)
        if not any(isinstance(r, Exception) for r in results):
            continue
        for result in [zk.delete_async(path) for path in chunk]:
            try:
                result.get(timeout=timeout)
            except NoNodeError:
                pass


def _delete_tree(zk: Any, root: str, timeout: float = 30.0) -> None:
    """Delete *root* and everything below it: the tree is listed level by level with
    pipelined requests, then deleted deepest first (see :func:`_delete_paths`).

    Raises
    ------
    NoNodeError
        If *root* does not exist.
    NotEmptyError
        If a node gained a child while the tree was deleted (call again).
    """
    levels = [[root]]
    while levels[-1]:
        pending = [(path, zk.get_children_async(path)) for path in levels[-1]]
        below: list[str] = []
        for path, result in pending:
            try:
                below.extend(f"{path}/{child}" for child in result.get(timeout=timeout))
            except NoNodeError:
                if path == root:
                    raise
        levels.append(below)
    _delete_paths(zk, [path for level in reversed(levels) for path in level], timeout)
