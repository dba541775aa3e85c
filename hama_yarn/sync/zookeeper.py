"""The ``zookeeper`` sync service: Hama's ``ZooKeeperSyncClientImpl`` over kazoo.

Selected with ``hama.sync.client.class=zookeeper`` and
``hama.sync.server.class=zookeeper``.  Peers talk to the ZooKeeper ensemble named
by ``hama.zookeeper.quorum`` (entries without a port get
``hama.zookeeper.property.clientPort``); the master only creates and removes the
job's znode and publishes aborts.

Znode layout (Hama's, under ``bsp.zookeeper.root``, default ``/bsp``)::

    /bsp/<jobId>                          PERSISTENT  created by the server's start()
    /bsp/<jobId>/peers/<host:port>        EPHEMERAL   data: {"task_index": i, "attempt_id": "..."}
    /bsp/<jobId>/sync/<superstep>         PERSISTENT  one per barrier ("-1" is the initial one)
    /bsp/<jobId>/sync/<superstep>/arrival-<n>  PERSISTENT_SEQUENTIAL  the n-th peer inside
                                          the barrier (data: its attempt id)
    /bsp/<jobId>/finished/<taskIndex>     PERSISTENT  the peer returned from bsp() (server's peer_finished())
    /bsp/<jobId>/abort                    PERSISTENT  data: the reason (server's abort())

Barrier (``enter_barrier``): a peer creates its own sequential
``sync/<s>/arrival-`` and, unless it was last, waits for an exists-watch on
``sync/<s>/arrival-<P-1>``.  ZooKeeper numbers a fresh node's sequential
children 0, 1, 2, ..., so the sequence number a peer gets back says whether it
was last, and the last peer's create *is* the release: the watches of all
others fire on it.  The watches are registered ahead, 32 barriers per
``setWatches`` request.  That is ONE ZooKeeper write (and about one request)
per peer per superstep and ONE write on the critical path (Hama's algorithm,
which the first version of this backend kept, watches ``ready``, lists the
children and has the last peer create ``ready``: three requests per peer and
two writes plus a round trip in sequence).  The barrier nodes are pre-created
in blocks, two blocks ahead, by the last arriver with one multi-op.  The
barrier's requests go over a lean single-threaded session of their own
(:mod:`hama_yarn.sync.zkwire`); kazoo's session holds the registration and the
watches on ``abort``, ``finished`` and the job znode.

``leave_barrier`` is a no-op: ``enter_barrier`` releases all peers together and
message bundles carry the superstep they were sent in
(:mod:`hama_yarn.sync.base`), so Hama's double-barrier *leave* (a delete and a
second wait per peer per superstep) buys nothing.

Garbage collection is lazy and off the critical path: when the server sees
barrier *s* complete (it watches its last arrival anyway, for progress), every
peer has returned from barrier *s - 1*, so it deletes ``sync/<s-1>`` and its
children with one asynchronous multi-op.

Every wait is driven by ZooKeeper watches and bounded by a deadline.  While the
connection is SUSPENDED peers keep waiting (kazoo reconnects within the session);
when the session is LOST, the job's znode disappears, the ``abort`` znode
appears, or the connection stays suspended longer than the session timeout,
the waiting thread fails at once with :class:`~hama_yarn.errors.SyncError`.

Differences from Hama: peers never create the job znode themselves (only
``start()`` on the server does), so a peer that outlives its job cannot
resurrect the job's state; the server deletes ``/bsp/<jobId>`` recursively at
the end of *every* job (Hama deletes it only on success, leaving failed jobs'
znodes behind forever — the job is over either way, its logs keep the story).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from kazoo.exceptions import (
    ConnectionClosedError,
    NodeExistsError,
    NoNodeError,
    KazooException,
    NotEmptyError,
    SessionExpiredError,
)
from kazoo.protocol.serialization import Create, Exists, GetChildren, GetData, Transaction
from kazoo.protocol.states import KazooState
from kazoo.recipe.watchers import ChildrenWatch, DataWatch
from kazoo.retry import KazooRetry, RetryFailedError

from ..errors import BarrierTimeoutError, SyncError
from .base import SyncClient, SyncContext
from .zkcommon import (
    ARRIVAL,
    FINISHED,
    LOOKAHEAD,
    arrival_name,
    barrier_name,
    connect,
    job_path,
    session_timeout,
    stop,
    zk_hosts,
)
from .zkacl import auth_data, job_acl
from .zkwire import SetWatches, WireLost, WireTimeout, ZkWire

log = logging.getLogger(__name__)

__all__ = [
    "ZooKeeperSyncClient", "ZooKeeperSyncServer", "zk_hosts", "job_path", "barrier_name", "arrival_name",
    "LOOKAHEAD", "WATCH_BLOCK",
]

#: Barriers whose last arrival one ``setWatches`` request watches.
WATCH_BLOCK = 32
#: ZooKeeper's CreateMode.PERSISTENT_SEQUENTIAL.
_SEQUENTIAL = 2
#: Longest single wait between re-checks of the state (watches do the real work).
_SLICE = 1.0


class _Deadline(Exception):
    """Internal: an operation ran into its deadline."""


class ZooKeeperSyncClient(SyncClient):
    """Peer side of the ``zookeeper`` sync service (Hama's ``ZooKeeperSyncClientImpl``).

    Parameters
    ----------
    ctx : SyncContext
        The job (conf, job id, number of peers).
    task_index : int
        This peer's task index.

    Raises
    ------
    SyncError
        If ZooKeeper cannot be reached.
    """

    def __init__(self, ctx: SyncContext, task_index: int) -> None:
        super().__init__(ctx, task_index)
        self.job_path = job_path(ctx.conf, ctx.job_id)
        self.peers_path = f"{self.job_path}/peers"
        self.sync_path = f"{self.job_path}/sync"
        self.abort_path = f"{self.job_path}/abort"
        self.finished_path = f"{self.job_path}/{FINISHED}"
        self.session_timeout = session_timeout(ctx.conf)
        self.peer_name = ""
        self.node_name = f"task_{task_index:06d}"  # the attempt id once registered
        self._names: list[str] | None = None
        self._cond = threading.Condition()
        self._gen = 0
        self._failure: SyncError | None = None
        self._suspended_since: float | None = None
        self._job_seen = False
        self._finished_peers: frozenset[int] = frozenset()
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._acl = job_acl(ctx.conf, ctx.secret)  # hama.zookeeper.acl: every znode this peer creates
        self.wire = ZkWire(zk_hosts(ctx.conf), self.session_timeout, f"peer {task_index}",
                           auth_data(ctx.conf, ctx.secret))
        self.wire.set_wake_fd(self._wake_r)
        self._watched_upto = -(1 << 62)  # barriers up to this one have an exists-watch on their last arrival
        self.zk = connect(ctx.conf, f"peer {task_index}", ctx.secret)
        self.zk.add_listener(self._on_state)
        try:
            DataWatch(self.zk, self.abort_path, self._on_abort)
            DataWatch(self.zk, self.job_path, self._on_job)
            ChildrenWatch(self.zk, self.finished_path, self._on_finished)
        except Exception as exc:
            stop(self.zk)
            raise SyncError(f"peer {task_index}: cannot watch {self.job_path}: {exc}") from exc

    # ------------------------------------------------------------ watchers
    def _on_state(self, state: Any) -> None:
        """kazoo connection listener (kazoo's thread: must not block)."""
        with self._cond:
            if state == KazooState.LOST:
                if not self._closed and self._failure is None:
                    self._failure = SyncError(
                        f"peer {self.task_index}: ZooKeeper session lost (expired or closed); "
                        f"its ephemeral znodes under {self.job_path} are gone"
                    )
                    log.error("%s", self._failure)
            elif state == KazooState.SUSPENDED:
                if self._suspended_since is None:
                    self._suspended_since = time.monotonic()
                log.warning("peer %d: ZooKeeper connection suspended; waiting for reconnect", self.task_index)
            else:
                if self._suspended_since is not None:
                    log.info("peer %d: ZooKeeper connection restored", self.task_index)
                self._suspended_since = None
            self._gen += 1
            self._cond.notify_all()
        self._poke()

    def _on_abort(self, data: bytes | None, stat: Any, *_: Any) -> bool | None:
        if stat is None:
            return None
        reason = (data or b"").decode("utf-8", "replace") or "aborted by the master"
        with self._cond:
            if self._failure is None:
                self._failure = SyncError(f"job aborted: {reason}")
            self._gen += 1
            self._cond.notify_all()
        self._poke()
        return False  # stop watching

    def _on_job(self, data: bytes | None, stat: Any, *_: Any) -> bool | None:
        with self._cond:
            if stat is not None:
                self._job_seen = True
                return None
            if not self._job_seen:
                return None
            if self._failure is None and not self._closed:
                self._failure = SyncError(f"job state removed: {self.job_path} was deleted (the job is over)")
            self._gen += 1
            self._cond.notify_all()
        self._poke()
        return False

    def _on_finished(self, children: list[str]) -> None:
        """``finished`` children changed: peers that returned from bsp() (the server's peer_finished)."""
        done = frozenset(int(c) for c in children if c.isdigit() and int(c) != self.task_index)
        with self._cond:
            self._finished_peers = done
            self._gen += 1
            self._cond.notify_all()
        self._poke()

    def _poke(self) -> None:
        """Wake a barrier waiting in :class:`ZkWire` (watch callbacks run on kazoo's threads)."""
        try:
            os.write(self._wake_w, b"!")
        except (BlockingIOError, OSError):
            pass  # already poked, or closed

    def _wake(self, event: Any = None) -> None:
        """Watch callback: something changed, re-check."""
        with self._cond:
            self._gen += 1
            self._cond.notify_all()
        self._poke()

    # ------------------------------------------------------------ helpers
    def _check(self) -> None:
        failure = self._failure
        if failure is not None:
            raise failure
        since = self._suspended_since
        if since is not None and time.monotonic() - since > self.session_timeout:
            raise SyncError(
                f"peer {self.task_index}: no connection to ZooKeeper for more than the session timeout "
                f"({self.session_timeout:g}s): the session is gone"
            )

    def _generation(self) -> int:
        with self._cond:
            return self._gen

    def _wait(self, gen: int, deadline: float) -> bool:
        """Wait until a watch fires after generation *gen*; False at the deadline."""
        with self._cond:
            while self._gen == gen:
                self._check()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, _SLICE))
        self._check()
        return True

    def _get(self, result: Any, deadline: float) -> Any:
        """The value of kazoo async *result*, waiting in slices.

        A request sent while the connection is down waits in kazoo's queue; the
        slices let :meth:`_check` end the wait once the connection has been gone for
        longer than the session timeout (or the job was aborted) instead of at the
        (possibly much later) deadline.
        """
        while True:
            self._check()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline()
            try:
                return result.get(timeout=min(remaining, _SLICE))
            except self.zk.handler.timeout_exception:
                continue

    def _op(self, deadline: float, fn: Callable[..., Any], *args: Any, _sync: bool = False, **kwargs: Any) -> Any:
        """Run the kazoo ``*_async`` call *fn* with KazooRetry until *deadline*.

        Connection loss is retried (the session survives a SUSPENDED connection);
        session loss, an abort or the deadline end the call.
        """
        def attempt() -> Any:
            self._check()
            if deadline - time.monotonic() <= 0:
                raise _Deadline()
            if _sync:
                return fn(*args, **kwargs)
            return self._get(fn(*args, **kwargs), deadline)

        retry = KazooRetry(max_tries=-1, delay=0.01, backoff=2, max_delay=0.5,
                           deadline=max(0.001, deadline - time.monotonic()), ignore_expire=False,
                           interrupt=lambda: self._failure is not None)
        try:
            return retry(attempt)
        except (RetryFailedError, _Deadline, self.zk.handler.timeout_exception) as exc:
            self._check()
            raise _Deadline() from exc
        except InterruptedError:
            self._check()
            raise
        except (SessionExpiredError, ConnectionClosedError) as exc:
            self._check()
            raise SyncError(f"peer {self.task_index}: ZooKeeper session lost: {type(exc).__name__}") from exc
        except (NoNodeError, NodeExistsError, NotEmptyError):
            raise  # callers handle these
        except KazooException as exc:
            raise SyncError(f"peer {self.task_index}: ZooKeeper error {type(exc).__name__}: {exc}") from exc

    def _ensure(self, path: str, deadline: float) -> None:
        """Create persistent *path* below the job znode (which must exist)."""
        missing = [path]
        while missing:
            try:
                self._op(deadline, self.zk.create_async, missing[-1], b"")
                missing.pop()
            except NodeExistsError:
                missing.pop()
            except NoNodeError:
                parent = missing[-1].rsplit("/", 1)[0]
                if len(parent) <= len(self.job_path):
                    raise SyncError(
                        f"job znode {self.job_path} does not exist: the sync server was not started "
                        f"or the job is over"
                    ) from None
                missing.append(parent)

    # ------------------------------------------------------------ registration
    def register(self, peer_name: str, attempt_id: str) -> None:
        """Create ``peers/<host:port>`` (EPHEMERAL, data: task index and attempt id).

        Parameters
        ----------
        peer_name : str
            This peer's ``host:port``.
        attempt_id : str
            The task attempt id (also names this peer's barrier znodes).

        Raises
        ------
        SyncError
            If another live peer holds the same name, or ZooKeeper fails.
        """
        self.peer_name = peer_name
        if attempt_id:
            self.node_name = attempt_id.replace("/", "_")
        data = json.dumps({"task_index": self.task_index, "attempt_id": attempt_id}).encode()
        path = f"{self.peers_path}/{peer_name}"
        deadline = time.monotonic() + max(60.0, self.session_timeout)
        try:
            self._ensure(self.peers_path, deadline)
            for _ in range(5):
                try:
                    self._op(deadline, self.zk.create_async, path, data, ephemeral=True)
                    return
                except NodeExistsError:
                    pass
                try:
                    old, stat = self._op(deadline, self.zk.get_async, path)
                except NoNodeError:
                    continue
                if stat.ephemeralOwner == self.zk.client_id[0]:
                    if old != data:
                        self._op(deadline, self.zk.set_async, path, data)
                    return
                other = _peer_info(old)
                if other[0] != self.task_index:
                    raise SyncError(
                        f"peer {self.task_index}: name {peer_name} is already registered by task {other[0]} "
                        f"({other[1]})"
                    )
                # an earlier attempt of this task whose session has not expired yet: replace it
                log.warning("peer %d: replacing stale registration of %s (%s)", self.task_index, peer_name, other[1])
                try:
                    self._op(deadline, self.zk.delete_async, path, stat.version)
                except NoNodeError:
                    pass
            raise SyncError(f"peer {self.task_index}: could not register {peer_name}: the znode keeps changing")
        except _Deadline:
            raise SyncError(f"peer {self.task_index}: registering {peer_name} in ZooKeeper timed out") from None

    def get_peer_names(self, timeout: float) -> list[str]:
        """Wait (watching ``peers``) until every peer registered.

        Parameters
        ----------
        timeout : float
            Seconds to wait.

        Returns
        -------
        list of str
            ``host:port`` of every peer, ordered by task index (cached after the first call).

        Raises
        ------
        SyncError
            On timeout (naming the missing task indexes), abort or session loss.
        """
        if self._names is not None:
            return list(self._names)
        n = self.ctx.num_peers
        deadline = time.monotonic() + timeout
        by_index: dict[int, tuple[str, str]] = {}
        data_cache: dict[str, tuple[int, str]] = {}
        try:
            self._ensure(self.peers_path, deadline)
            while True:
                gen = self._generation()
                children = self._op(deadline, self.zk.get_children_async, self.peers_path, self._wake)
                by_index = {}
                pending = [(c, self.zk.get_async(f"{self.peers_path}/{c}")) for c in children if c not in data_cache]
                for child, result in pending:
                    try:
                        raw, _stat = result.get(timeout=max(0.001, deadline - time.monotonic()))
                    except NoNodeError:
                        continue
                    except Exception:  # noqa: BLE001 - retried through _op below
                        try:
                            raw, _stat = self._op(deadline, self.zk.get_async, f"{self.peers_path}/{child}")
                        except NoNodeError:
                            continue
                    data_cache[child] = _peer_info(raw)
                for child in children:
                    info = data_cache.get(child)
                    if info is None or not 0 <= info[0] < n:
                        continue
                    known = by_index.get(info[0])
                    if known is None or info[1] > known[1]:  # Hama: the later attempt wins
                        by_index[info[0]] = (child, info[1])
                if len(by_index) == n:
                    self._names = [by_index[i][0] for i in range(n)]
                    return list(self._names)
                if not self._wait(gen, deadline):
                    raise _Deadline()
        except _Deadline:
            missing = sorted(set(range(n)) - set(by_index))
            raise SyncError(
                f"only {len(by_index)} of {n} peers registered within {timeout:g}s; "
                f"missing task indexes {missing[:10]}"
            ) from None

    # ------------------------------------------------------------ barrier
    def _count(self, path: str) -> int:
        """Peers inside the barrier at *path* (for error messages; -1 if unknown)."""
        try:
            children = self._op(time.monotonic() + 2.0, self.zk.get_children_async, path)
        except Exception:  # noqa: BLE001 - best effort, for the error message only
            return -1
        return len([c for c in children if c.startswith(ARRIVAL)])

    def _wire_call(self, requests: list[Any], deadline: float) -> list[Any]:
        try:
            return self.wire.call(requests, deadline, self._check)
        except WireTimeout:
            raise _Deadline() from None

    def _reconnect(self, deadline: float) -> None:
        """Open a new barrier session (retrying while ZooKeeper is away, within the session rules)."""
        delay = 0.05
        while True:
            self._check()
            if time.monotonic() >= deadline:
                raise _Deadline()
            try:
                self.wire.connect(deadline)
                return
            except WireLost as exc:
                log.debug("%s", exc)
            with self._cond:  # sleep, but wake for an abort or a state change
                self._cond.wait(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)

    def _find_own(self, path: str, deadline: float) -> int | None:
        """After a lost connection: the sequence number of this peer's node in *path*, if it was created."""
        children = self._wire_call([GetChildren(path, False)], deadline)[0]
        if isinstance(children, NoNodeError):
            return None
        _raise(children, f"peer {self.task_index}: listing {path}")
        names = sorted(c for c in children if c.startswith(ARRIVAL))
        datas = self._wire_call([GetData(f"{path}/{c}", False) for c in names], deadline) if names else []
        own = self.node_name.encode()
        for name, got in zip(names, datas):
            if not isinstance(got, BaseException) and got[0] == own:
                return int(name[-10:])
        return None

    def _create_dir(self, path: str, deadline: float) -> None:
        """Create the barrier node *path* (normally pre-created; see :meth:`_lookahead`)."""
        (got,) = self._wire_call([Create(path, b"", self._acl, 0)], deadline)
        if isinstance(got, NoNodeError):
            raise SyncError(f"job znode {self.job_path} does not exist: the sync server was not started "
                            f"or the job is over")
        if not isinstance(got, NodeExistsError):
            _raise(got, f"peer {self.task_index}: creating {path}")

    def _watches(self, superstep: int, n: int) -> list[Any]:
        """The request that watches the last arrivals of the next WATCH_BLOCK barriers, if due.

        One ``setWatches`` registers exists-watches on ``sync/<t>/arrival-<P-1>``
        for barriers *superstep* .. *superstep* + WATCH_BLOCK - 1, so a barrier
        normally costs a peer one request: its create.
        """
        if self._watched_upto >= superstep:
            return []
        upto = superstep + WATCH_BLOCK - 1
        paths = [f"{self.sync_path}/{barrier_name(t)}/{arrival_name(n - 1)}" for t in range(superstep, upto + 1)]
        self._watched_upto = upto
        return [SetWatches(self.wire.last_zxid, paths)]

    def _lookahead(self, superstep: int) -> None:
        """Last arriver of every LOOKAHEAD-th barrier: pre-create the barrier nodes a block ahead.

        Sent without waiting (one multi-op).  The block starts two blocks after
        *superstep*; the peer's own next create is queued behind it in its
        session, so the nodes exist before any peer can need them.  Should the
        multi-op fail, peers create a missing barrier node themselves.
        """
        if superstep < 0 or superstep % LOOKAHEAD:
            return
        first = superstep + 2 * LOOKAHEAD
        ops = [Create(f"{self.sync_path}/{barrier_name(s)}", b"", self._acl, 0)
               for s in range(first, first + LOOKAHEAD)]
        try:
            self.wire.send([Transaction(ops)], want=False)
        except WireLost:
            pass  # the next barrier reconnects; peers create missing nodes themselves

    def enter_barrier(self, superstep: int, timeout: float) -> None:
        """Enter the barrier of *superstep*; return when all peers entered.

        One ZooKeeper write per peer, and one write on the barrier's critical
        path.  The peer creates its own PERSISTENT_SEQUENTIAL
        ``sync/<s>/arrival-`` (data: its attempt id) on its barrier session
        (:class:`~hama_yarn.sync.zkwire.ZkWire`); the barrier node is fresh, so
        ZooKeeper numbers its children 0, 1, ..., and the sequence number that
        comes back tells whether the peer arrived last.  If not, it waits for
        the exists-watch on ``sync/<s>/arrival-<P-1>`` (the node the P-th
        arrival creates), which it registered ahead, for WATCH_BLOCK barriers at
        a time, with one ``setWatches`` request sent before its create.  So a
        barrier normally costs a peer one request.  Nothing is deleted here: the
        server collects completed barriers (see :class:`ZooKeeperSyncServer`).

        A lost connection (or an expired barrier session: it holds nothing
        EPHEMERAL) is redone on a new session: the peer looks its node up by
        its data before creating another one, so every peer is counted once.

        Parameters
        ----------
        superstep : int
            The barrier number (``-1`` for the initial barrier).
        timeout : float
            Seconds to wait.

        Raises
        ------
        BarrierTimeoutError
            If not every peer arrived in time.
        SyncError
            On abort, session loss, a missing job znode, or when a peer that never
            entered this barrier finished bsp() (it can never complete), or when
            this peer enters a barrier that already completed.
        """
        n = self.ctx.num_peers
        deadline = time.monotonic() + timeout
        path = f"{self.sync_path}/{barrier_name(superstep)}"
        last = f"{path}/{arrival_name(n - 1)}"
        data = self.node_name.encode()
        seq: int | None = None
        lost = False
        self.wire.events.clear()  # events of earlier barriers (barriers are sequential)
        try:
            self._check()
            while True:
                try:
                    if lost:
                        self._reconnect(deadline)
                        self._watched_upto = superstep - 1  # the watches went with the old session
                        lost = False
                        if seq is None:
                            seq = self._find_own(path, deadline)
                        if seq is not None:  # re-arm the watch that went with the old session
                            (stat,) = self._wire_call([Exists(last, True)], deadline)
                            if stat is not None and not isinstance(stat, BaseException):
                                return
                    if seq is None:
                        sessions = self.wire.sessions
                        self.wire.refresh(deadline)
                        if self.wire.sessions != sessions:
                            self._watched_upto = superstep - 1  # the watches went with the old session
                        requests = self._watches(superstep, n)
                        requests.append(Create(f"{path}/{ARRIVAL}", data, self._acl, _SEQUENTIAL))
                        *_, created = self._wire_call(requests, deadline)
                        if isinstance(created, NoNodeError):  # nobody pre-created this barrier
                            self._create_dir(path, deadline)
                            continue
                        what = f"peer {self.task_index}: entering barrier {superstep}"
                        _raise(created, what)
                        seq = int(created[-10:])
                        if seq >= n:
                            raise SyncError(
                                f"peer {self.task_index} entered barrier {superstep}, which already completed: "
                                "peers called sync() a different number of times"
                            )
                        if seq == n - 1:
                            self._lookahead(superstep)
                            log.debug("peer %d: barrier %s complete (last to arrive)", self.task_index, superstep)
                            return
                    if self.wire.wait_event(last, deadline):
                        return
                    self._check()
                    with self._cond:
                        finished = self._finished_peers
                    if finished:
                        # A finished peer entered this barrier only if it completed.
                        (stat,) = self._wire_call([Exists(last, True)], deadline)
                        if stat is not None and not isinstance(stat, BaseException):
                            return
                        raise SyncError(
                            f"peer {self.task_index} waits in the barrier of superstep {superstep}, but peer(s) "
                            f"{sorted(finished)} already finished bsp(): peers called sync() a different number "
                            "of times"
                        )
                except WireLost as exc:
                    log.warning("%s; reconnecting", exc)
                    lost = True
                except WireTimeout:
                    raise _Deadline() from None
        except _Deadline:
            count = self._count(path)
            raise BarrierTimeoutError(superstep, count if count >= 0 else (0 if seq is None else seq + 1),
                                      n, timeout) from None

    def leave_barrier(self, superstep: int, timeout: float) -> None:
        """No ZooKeeper request: :meth:`enter_barrier` already released all peers together.

        Safe because message bundles are tagged with the superstep they were sent in
        (see :mod:`hama_yarn.sync.base`): a peer that runs ahead into superstep
        *s + 1* cannot mix its messages into a slower peer's superstep *s*, and it
        cannot pass barrier *s + 1* before every peer entered it.  Only a failure
        already known (abort, session loss) is raised here.

        Parameters
        ----------
        superstep : int
            The barrier number.
        timeout : float
            Unused.

        Raises
        ------
        SyncError
            If the job was aborted or the session is lost.
        """
        self._check()

    def close(self) -> None:
        """Stop the kazoo client (its ephemeral znodes go with the session)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        self.wire.close()
        try:
            stop(self.zk)
        except Exception:  # noqa: BLE001
            log.debug("stopping the ZooKeeper client failed", exc_info=True)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass


def _raise(result: Any, what: str) -> None:
    """Raise *result* if a batched request failed (as SyncError unless it is one already)."""
    if isinstance(result, SyncError):
        raise result
    if isinstance(result, BaseException):
        raise SyncError(f"{what}: ZooKeeper error {type(result).__name__}: {result}") from result


def _peer_info(raw: bytes | None) -> tuple[int, str]:
    """Decode a ``peers/<name>`` znode's data: ``(task_index, attempt_id)``; ``(-1, "")`` if unreadable."""
    text = (raw or b"").decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        return int(data["task_index"]), str(data.get("attempt_id", ""))
    except (ValueError, KeyError, TypeError):
        pass
    parts = text.split()  # also accept "taskIndex attemptId"
    try:
        return int(parts[0]), parts[1] if len(parts) > 1 else ""
    except (ValueError, IndexError):
        return -1, ""


from .zkserver import ZooKeeperSyncServer  # noqa: E402  (re-exported: the registry's name)
