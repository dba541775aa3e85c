"""A peer process from start to exit: Hama's ``BSPTask`` / ``BSPRunner``.

1. fetch the task (split, attempt id) from the master over the umbilical;
2. start the message server and register with the sync service;
3. wait for every peer, pass the initial barrier;
4. ``setup``, ``bsp``, and always ``cleanup``; the first exception fails the task;
5. close input and output, report done or failed with the counters.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bsp import BSP, Combiner
from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError, MessagingError, RPCError, SyncError
from ..plugins import load_object
from ..rpc.client import RPCClient
from ..rpc.idl import counters_to_thrift
from ..rpc.spin import spin_budget_us
from ..sync import INITIAL_BARRIER, SyncContext, client_class
from ..messaging.queues import ReceiveQueue, create_queue
from .memory import MemoryGuard, memory_limit
from .messenger import Messenger
from .runtime import PeerImpl
from .threads import limit_native_threads

if TYPE_CHECKING:
    from ..io.formats import RecordReader

log = logging.getLogger(__name__)

__all__ = ["run_peer", "load_job", "extend_sys_path"]


def load_job(job_dir: str | os.PathLike[str]) -> tuple[str, HamaConfiguration]:
    """Read ``job.json`` from a job's staging directory: ``(job_id, conf)``."""
    path = Path(job_dir) / "job.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(str(path), f"cannot read the job file: {exc}") from exc
    conf = HamaConfiguration.from_dict(data["conf"])
    extend_sys_path(conf)
    return str(data["job_id"]), conf


def extend_sys_path(conf: HamaConfiguration) -> None:
    """Put the directories of ``hama.job.python.path`` on ``sys.path`` (the user's local packages)."""
    import sys

    for d in reversed([p.strip() for p in (conf.get("hama.job.python.path") or "").split(",") if p.strip()]):
        if d not in sys.path:
            sys.path.insert(0, d)


class _Heartbeat(threading.Thread):
    """Reports superstep and counters to the master; ends the process if the master is gone."""

    def __init__(self, client: RPCClient, index: int, peer_ref: Callable[[], PeerImpl | None], interval: float,
                 exit_on_loss: bool) -> None:
        super().__init__(name=f"heartbeat-{index}", daemon=True)
        self._client = client
        self._index = index
        self._peer_ref = peer_ref
        self._interval = interval
        self._exit_on_loss = exit_on_loss
        self._stop_event = threading.Event()

    def run(self) -> None:
        failures = 0
        while not self._stop_event.wait(self._interval):
            peer = self._peer_ref()
            step, counters = (peer.get_superstep_count(), peer.counters_snapshot()) if peer else (0, {})
            if peer:
                counters.update(peer.timeline.take())  # private group, stripped by the master
            try:
                self._client.call("heartbeat", self._index, step, counters_to_thrift(counters))
                failures = 0
            except HamaError as exc:
                failures += 1
                if failures >= 3:
                    log.error("lost the master (%s); peer %d exits", exc, self._index)
                    if self._exit_on_loss:
                        os._exit(70)
                    return

    def stop(self) -> None:
        self._stop_event.set()


def run_peer(
    job_dir: str | os.PathLike[str],
    task_index: int,
    master_address: str,
    secret: str,
    exit_on_master_loss: bool = True,
) -> int:
    """Run one peer of a job to completion.

    Parameters
    ----------
    job_dir : path
        The job's staging directory (holds ``job.json``).
    task_index : int
        This peer's index.
    master_address : str
        ``host:port`` of the master.
    secret : str
        The job secret.
    exit_on_master_loss : bool
        End the process when the master stops answering (False for inline mode).

    Returns
    -------
    int
        Process exit code: 0 success, 1 the task failed.
    """
    job_id, conf = load_job(job_dir)
    if exit_on_master_loss:  # a process of its own (not an inline thread): size BLAS/OpenMP pools
        limit_native_threads(conf)
    if (conf.get("bsp.master.address") or "local").strip() == "local":
        from ..web.logs import capture_peer_output

        capture_peer_output(conf, job_id, task_index)  # hama logs, the web UI's logs page
    timeout = conf.get_seconds("hama.rpc.timeout.ms")
    host = socket.gethostname()
    umbilical = RPCClient(master_address, "PeerUmbilical", secret, timeout=timeout)
    try:
        task = umbilical.call("get_task", task_index, host, os.getpid())
    except HamaError as exc:  # e.g. a forked peer of a job whose setup failed
        log.log(logging.INFO if "job aborted" in str(exc) else logging.ERROR,
                "peer %d cannot get its task: %s", task_index, exc)
        umbilical.close()
        return 1
    attempt_id = task.attempt_id
    peer: PeerImpl | None = None
    heartbeat = _Heartbeat(
        RPCClient(master_address, "PeerUmbilical", secret, timeout=timeout),
        task_index,
        lambda: peer,
        conf.get_seconds("hama.peer.heartbeat.interval.ms"),
        exit_on_master_loss,
    )
    heartbeat.start()
    messenger: Messenger | None = None
    guard: MemoryGuard | None = None
    sync = None
    superstep = 0
    error: BaseException | None = None
    tb = ""
    names: list[str] = []
    try:
        bind = conf.get("bsp.peer.hostname") or "127.0.0.1"
        advertise = bind if bind not in ("0.0.0.0", "") else socket.getfqdn()
        incoming = create_queue(conf, job_id, task_index)  # hama.messenger.receive.queue.class
        if incoming.uses_disk:
            _delete_spill_on_sigterm(incoming)
        messenger = Messenger(task_index, secret, bind, conf.get_int("bsp.peer.port", 0), advertise, rpc_timeout=timeout,
                              incoming=incoming,
                              ack_spin_us=spin_budget_us(conf, "hama.messenger.ack.spin.us", task.num_peers))
        ctx = SyncContext(conf, job_id, task.num_peers, secret, master_address)
        sync = client_class(conf)(ctx, task_index)
        sync.register(messenger.name, attempt_id)
        umbilical.call("peer_registered", task_index, messenger.name)
        names = sync.get_peer_names(conf.get_seconds("hama.sync.register.timeout.ms"))
        barrier_timeout = conf.get_seconds("hama.sync.barrier.timeout.ms")
        split = json.loads(task.split_json) if task.split_json else None
        reader_factory: Callable[[], RecordReader] | None = None
        if split is not None:
            from ..io.formats import input_format  # lazy: jobs without I/O never load fsspec

            fmt = input_format(conf)
            reader_factory = lambda: fmt.open_reader(conf, split)  # noqa: E731
        if conf.get("bsp.input.dir"):
            from ..io.partitioning import partition_input, wants_partitioning

            if wants_partitioning(conf):
                # Hama's PartitioningRunner as a pre-superstep (barrier -2): not a user superstep.
                reader_factory = partition_input(conf, task_index, names, messenger, sync, reader_factory)
        sync.enter_barrier(INITIAL_BARRIER, barrier_timeout)
        sync.leave_barrier(INITIAL_BARRIER, barrier_timeout)

        bsp_cls = load_object(conf.get("bsp.work.class") or "", "bsp.work.class")
        if not (isinstance(bsp_cls, type) and issubclass(bsp_cls, BSP)):
            raise ConfigError("bsp.work.class", f"{conf.get('bsp.work.class')} is not a BSP subclass")
        combiner = _combiner(conf)
        writer = None
        if conf.get("bsp.output.dir"):
            from ..io.formats import output_format
            from ..io.output import OutputCommitter

            path = OutputCommitter(conf, job_id).task_path(attempt_id, task_index)
            writer = output_format(conf).open_writer(conf, path)
        ckpt = None
        if getattr(task, "checkpoint_dir", ""):  # fault tolerance (hama_yarn.ft); lazy: it loads numpy and fsspec
            from ..ft.peer import attach_checkpointer

            ckpt, writer = attach_checkpointer(conf, task, umbilical, writer)
        peer = PeerImpl(conf, task_index, attempt_id, names, messenger, sync, reader_factory, writer, combiner)
        guard = _start_memory_guard(conf, task_index, peer, messenger, master_address, secret, timeout,
                                    enforce=exit_on_master_loss)
        bsp = bsp_cls()
        after_setup = None
        if ckpt is not None:
            from ..ft.peer import prepare_restore

            after_setup = prepare_restore(ckpt, task, peer, bsp)
        error, tb = _run_user_code(bsp, peer, after_setup)
        superstep = peer.get_superstep_count()
        try:
            peer.close()
        except Exception as exc:  # noqa: BLE001 - closing output is part of the task
            if error is None:
                error, tb = exc, traceback.format_exc()
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the master
        error, tb = exc, traceback.format_exc()
    finally:
        heartbeat.stop()
        if guard is not None:
            guard.stop()

    counters = peer.counters_snapshot() if peer is not None else {}
    if peer is not None:
        counters.update(peer.timeline.take())
    code = 0
    try:
        if error is None:
            umbilical.call("task_done", task_index, superstep, counters_to_thrift(counters))
        else:
            code = 1
            summary = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
            aborted = isinstance(error, SyncError) and "job aborted" in str(error)
            log.log(logging.INFO if aborted else logging.ERROR, "peer %d failed at superstep %d: %s",
                    task_index, superstep, summary)
            umbilical.call("task_failed", task_index, superstep, summary, tb, counters_to_thrift(counters),
                           _suspect(error, names))
    except RPCError as exc:
        log.error("cannot report to the master: %s", exc)
        code = code or 1
    finally:
        if sync is not None:
            try:
                sync.close()
            except Exception:  # noqa: BLE001
                log.debug("closing the sync client failed", exc_info=True)
        if messenger is not None:
            messenger.close()
            messenger.incoming.close()  # spill files go now, whatever happened
        umbilical.close()
    if isinstance(error, KeyboardInterrupt):
        return 130
    return code


def _suspect(error: BaseException, names: list[str]) -> int:
    """The index of the peer *error* lost its connection to (-1: none), however it was wrapped."""
    seen: set[int] = set()
    exc: BaseException | None = error
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MessagingError) and exc.peer_name in names:
            return names.index(exc.peer_name)
        exc = exc.__cause__ or exc.__context__
    return -1


def _delete_spill_on_sigterm(queue: ReceiveQueue) -> None:
    """On SIGTERM (a killed job), delete the spill files, then die of the signal as before."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return  # inline mode: the launcher's end removes the job's spill directory

    def handler(signum: int, frame: Any) -> None:
        try:
            queue.close()
        finally:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, handler)


def _start_memory_guard(conf: HamaConfiguration, task_index: int, peer: PeerImpl, messenger: Messenger,
                        master_address: str, secret: str, timeout: float, enforce: bool) -> MemoryGuard:
    """Peak-RSS counters, and (in a process of its own) failing at the memory limit.

    Passing the limit: new bundles are held, the master gets ``task_failed`` with the
    guard's message, the spill files are deleted and the process exits (status 1), before
    the kernel or YARN would kill it without a word.
    """
    on_yarn = bool(os.environ.get("CONTAINER_ID")) or (conf.get("bsp.master.address") or "").strip() == "yarn"
    limit, key = memory_limit(conf, on_yarn) if enforce else (0, "")

    def on_exceed(message: str) -> None:
        log.error("%s", message)
        messenger.hold_incoming.set()
        try:
            client = RPCClient(master_address, "PeerUmbilical", secret, timeout=timeout)
            client.call("task_failed", task_index, peer.get_superstep_count(), f"MemoryLimitError: {message}",
                        "", counters_to_thrift(peer.counters_snapshot()))
        except Exception:  # noqa: BLE001 - exiting anyway; the master sees the exit
            log.exception("cannot report the memory limit to the master")
        finally:
            try:
                messenger.incoming.close()
            finally:
                logging.shutdown()
                os._exit(1)

    guard = MemoryGuard(task_index, limit, key, conf.get_seconds("hama.peer.memory.check.interval.ms"),
                        peer.get_superstep_count, messenger.incoming.memory_bytes, on_exceed)
    peer.memory = guard
    guard.sample()
    guard.start()
    return guard


def _run_user_code(bsp: BSP, peer: PeerImpl, after_setup: Callable[[], None] | None = None
                   ) -> tuple[BaseException | None, str]:
    """setup + bsp, then cleanup no matter what; returns the first exception and its traceback.

    *after_setup* (a recovered attempt) puts the user's checkpointed state back.
    """
    error: BaseException | None = None
    tb = ""
    try:
        bsp.setup(peer)
        if after_setup is not None:
            after_setup()
        bsp.bsp(peer)
    except BaseException as exc:  # noqa: BLE001 - the task fails with the first exception
        error, tb = exc, traceback.format_exc()
    try:
        bsp.cleanup(peer)
    except BaseException as exc:  # noqa: BLE001
        if error is None:
            error, tb = exc, traceback.format_exc()
        else:
            log.warning("cleanup() also failed: %s", exc)
    return error, tb


def _combiner(conf: HamaConfiguration) -> Combiner | None:
    path = conf.get("bsp.combiner.class")
    if not path:
        return None
    cls: Any = load_object(path, "bsp.combiner.class")
    if not (isinstance(cls, type) and issubclass(cls, Combiner)):
        raise ConfigError("bsp.combiner.class", f"{path} is not a Combiner subclass")
    combiner: Combiner = cls()
    return combiner
