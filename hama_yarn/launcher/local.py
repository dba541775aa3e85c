"""Local mode: the master is a subprocess of the client running ``appmaster/``, peers are
subprocesses of the master.

Peers are forked from the master before it starts any thread (:func:`fork_peers`): the
master has already imported everything a peer needs, so a peer starts in a few
milliseconds instead of paying an interpreter start and its imports, and it does so
while the master builds its servers.  They run the same peer code path as
``container/`` (which is still used when ``hama.local.peer.fork`` is false, when
``hama.peer.python`` names another interpreter, or where ``os.fork`` is missing).

The master itself is forked from the client when it can be (``hama.local.master.fork``,
:func:`start_local_master`): the client has already imported the configuration, Thrift and
the IDL, the formats and filesystems, so the master skips an interpreter start and most of
its imports.  It runs the same ``appmaster/`` code path (:func:`hama_yarn.entry.master_main`)
in a session of its own, and forgets the user's own modules first, so its peers import
them afresh as they do under a spawned master.

The master tells the client its address through a pipe (``--ready-fd``), so the client
wakes the moment the master listens instead of polling for ``master.json``.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, Protocol

from ..config import HamaConfiguration
from ..errors import JobSubmissionError
from ..resources import data_path
from ..rpc.auth import SECRET_ENV
from ..util import without_gc
from .base import MasterHandle, PeerExit, PeerLauncher, describe_returncode

log = logging.getLogger(__name__)

__all__ = ["LocalPeerLauncher", "LocalMasterHandle", "ForkedPeer", "ForkedMaster", "PendingMaster", "fork_master_early",
           "fork_peers", "start_local_master",
           "wait_for_master_file", "wait_for_master_pipe", "python_command", "exit_handlers_and_flush"]


#: Seconds a detached job's master serves status after the job ended (then the registry does).
DETACHED_LINGER = 5.0


def python_command(python: str | None, entry: str) -> list[str]:
    """Command line that runs the thin entry point *entry* (``appmaster`` or ``container``)."""
    return [python or sys.executable, str(data_path(entry))]


class _Process(Protocol):
    """What the launcher needs of a peer process (``subprocess.Popen`` or :class:`ForkedPeer`)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


class _Signalled:
    """``terminate``/``kill`` of a forked process while it runs (:meth:`_running`)."""

    pid: int

    def _running(self) -> bool:
        raise NotImplementedError

    def _signal(self, sig: int) -> None:
        if self._running():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)


class ForkedPeer(_Signalled):
    """A peer process forked by :func:`fork_peers`: the part of ``Popen``'s API the launcher uses.

    Exactly one thread calls :meth:`reap` (it blocks in ``waitpid``); :meth:`wait`
    and :meth:`poll` read what it found.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done = threading.Event()

    def reap(self) -> int:
        """Block until the process ended; its exit code (negative: killed by that signal)."""
        try:
            _, status = os.waitpid(self.pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped elsewhere (should not happen): its code is lost
            code = 255
        self.returncode = code
        self._done.set()
        return code

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(f"peer pid {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def _running(self) -> bool:
        return self.returncode is None


def fork_peers(indexes: Iterable[int], body: Callable[[int], int],
               close_in_child: Iterable[socket.socket | int] = ()) -> dict[int, ForkedPeer]:
    """Fork one process per task index; each runs ``body(index)`` and exits with its result.

    Call it before the process starts any thread (a forked child gets only the
    calling thread; locks other threads held would stay locked).  Returns the
    processes forked; an empty or partial result (no ``os.fork``, a thread already
    running, fork failing) leaves the rest to be spawned.

    Parameters
    ----------
    indexes : iterable of int
        Task indexes.
    body : callable
        Runs the peer in the child; its return value is the exit code.
    close_in_child : iterable of socket or int
        The parent's sockets and file descriptors the child must not keep open
        (the master's listening socket, the client's readiness pipe).
    """
    if not hasattr(os, "fork"):
        return {}
    if threading.active_count() > 1:
        log.warning("not forking peers: %d threads already run in the master; spawning them", threading.active_count())
        return {}
    close = list(close_in_child)
    procs: dict[int, ForkedPeer] = {}
    import gc

    gc.freeze()  # objects of the parent stay out of the children's collections (fewer copied pages)
    for i in indexes:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            log.warning("fork of peer %d failed (%s); spawning the remaining peers", i, exc)
            break
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _child_main(i, body, close)
        procs[i] = ForkedPeer(pid)
    gc.unfreeze()
    return procs


def _child_main(index: int, body: Callable[[int], int], close: list[socket.socket | int]) -> None:  # pragma: no cover
    def run() -> int:
        for c in close:
            try:
                c.close() if isinstance(c, socket.socket) else os.close(c)
            except OSError:
                pass
        return body(index)

    _run_forked_child(run)


def _run_forked_child(run: Callable[[], int]) -> NoReturn:  # pragma: no cover - runs in a forked child
    """Run *run* in a forked child and end the process with its exit code.

    The parent's exit handlers are dropped first; ``SystemExit`` gives the code, any other
    exception is printed and gives 1. The child never returns into the parent's code.
    """
    code = 1
    try:
        import atexit

        atexit._clear()  # the parent's exit handlers are not this process's
        code = run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            exit_handlers_and_flush()
        finally:
            os._exit(code & 0xFF if code >= 0 else 1)


def exit_handlers_and_flush() -> None:
    """Run the ``atexit`` handlers, flush logging and the standard streams (before ``os._exit``)."""
    import atexit

    try:
        atexit._run_exitfuncs()
        logging.shutdown()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass


def _remove_spill(job_dir: str) -> None:
    """Delete the job's receive-queue spill files (peers killed with SIGKILL leave theirs)."""
    try:
        from ..messaging.queues.localdirs import remove_job_spill

        data = json.loads((Path(job_dir) / "job.json").read_text())
        remove_job_spill(HamaConfiguration.from_dict(data["conf"]), str(data["job_id"]))
    except (OSError, ValueError, KeyError) as exc:
        log.debug("cannot remove the spill files of %s: %s", job_dir, exc)


class LocalPeerLauncher(PeerLauncher):
    """Runs each peer as a local process: forked from the master, or ``python container/ ...``.

    Spawned peers run ``python container/ --job-dir D --task-index I --master A``, the
    job secret in the environment.  Each process is watched by a thread that reports
    its exit at once.

    Parameters
    ----------
    on_exit : callable
        See :class:`~hama_yarn.launcher.base.PeerLauncher`.
    job_dir : str
        The job's staging directory.
    secret : str
        The job secret.
    python : str, optional
        Interpreter of spawned peers (default: this one).
    prestarted : dict, optional
        Peers already forked (:func:`fork_peers`) by task index: :meth:`launch` adopts
        them instead of starting new ones.  An exit before that is reported by
        :meth:`launch`; :meth:`close` ends any that were never launched.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], job_dir: str, secret: str, python: str | None = None,
                 prestarted: dict[int, ForkedPeer] | None = None) -> None:
        super().__init__(on_exit)
        self.job_dir = job_dir
        self._secret = secret
        self._python = python
        self._procs: dict[int, _Process] = {}
        self._lock = threading.Lock()
        self._prestarted = dict(prestarted or {})
        self._launched: set[int] = set()
        self._early_exits: dict[int, PeerExit] = {}
        for i, proc in self._prestarted.items():
            self._procs[i] = proc
            threading.Thread(target=self._watch, args=(i, proc), name=f"watch-peer-{i}", daemon=True).start()

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        spawn = []
        early = []
        with self._lock:
            for i in indexes:
                self._launched.add(i)
                if i in self._prestarted:
                    if i in self._early_exits:
                        early.append(self._early_exits.pop(i))
                else:
                    spawn.append(i)
        for ex in early:
            self.on_exit(ex)
        if spawn:
            self._spawn(spawn, master_address)
        forked = len(indexes) - len(spawn)
        log.info("launched %d local peer processes%s", len(indexes), f" ({forked} forked)" if forked else "")

    def _spawn(self, indexes: list[int], master_address: str) -> None:
        env = dict(os.environ)
        env[SECRET_ENV] = self._secret
        env.setdefault("PYTHONUNBUFFERED", "1")
        for i in indexes:
            cmd = python_command(self._python, "container") + [
                "--job-dir", self.job_dir, "--task-index", str(i), "--master", master_address,
            ]
            proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
            with self._lock:
                self._procs[i] = proc
            threading.Thread(target=self._watch, args=(i, proc), name=f"watch-peer-{i}", daemon=True).start()

    def _watch(self, index: int, proc: _Process) -> None:
        code = proc.reap() if isinstance(proc, ForkedPeer) else proc.wait()
        ex = PeerExit(index, code, f"pid {proc.pid} {describe_returncode(code)}")
        with self._lock:
            if index not in self._launched:
                self._early_exits[index] = ex  # the master does not know this peer yet
                return
        self.on_exit(ex)

    def stop(self, grace: float) -> None:
        """Wait up to *grace* seconds for live peers, then terminate (5 s later: kill) them."""
        # Peers blocked in a barrier were released with an error by the master: give
        # them *grace* seconds to run cleanup() and report, then terminate, then kill.
        with self._lock:
            live = [p for p in self._procs.values() if p.poll() is None]
        deadline = time.monotonic() + grace
        for p in live:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        live = [p for p in live if p.poll() is None]
        for p in live:
            try:
                p.terminate()
            except OSError:
                pass
        deadline = time.monotonic() + 5.0
        for p in live:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("peer pid %d did not stop within %.1fs; killing it", p.pid, grace)
                p.kill()
                p.wait(5)

    def close(self) -> None:
        """Make sure no peer outlives the master: peers are exiting by now (or were never launched)."""
        with self._lock:
            live = any(p.poll() is None for p in self._procs.values())
        if live:
            self.stop(2.0)
        _remove_spill(self.job_dir)

    def pids(self) -> dict[int, int]:
        """Task index -> pid of the peer processes started so far."""
        with self._lock:
            return {i: p.pid for i, p in self._procs.items()}

    # -- fault tolerance: replacement peers (always spawned, never forked) ------
    supports_replace = True

    def replace(self, indexes: tuple[int, ...], master_address: str, attempt: int,
                prepare: Callable[[], None] | None = None) -> None:
        """Kill these peers' processes (SIGKILL), run *prepare*, spawn new ones for *attempt*."""
        with self._lock:
            old: list[Any] = [self._procs[i] for i in indexes if i in self._procs]
        for p in old:
            if p.poll() is None:
                try:
                    p.kill()
                except OSError:
                    pass
        for p in old:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                log.warning("peer pid %d did not end within 10s of SIGKILL", p.pid)
        if prepare is not None:
            prepare()
        env = dict(os.environ)
        env[SECRET_ENV] = self._secret
        env.setdefault("PYTHONUNBUFFERED", "1")
        for i in indexes:
            cmd = python_command(self._python, "container") + [
                "--job-dir", self.job_dir, "--task-index", str(i), "--master", master_address,
            ]
            proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
            with self._lock:
                self._procs[i] = proc
            threading.Thread(target=self._watch_attempt, args=(i, proc, attempt), name=f"watch-peer-{i}-a{attempt}",
                             daemon=True).start()
        log.info("replaced %d local peer processes (attempt %d)", len(indexes), attempt)

    def _watch_attempt(self, index: int, proc: subprocess.Popen[bytes], attempt: int) -> None:
        code = proc.wait()
        self.on_exit(PeerExit(index, code, f"pid {proc.pid} {describe_returncode(code)}", attempt))


class ForkedMaster(_Signalled):
    """A master process forked by :func:`start_local_master`: the part of ``Popen``'s API its handle uses.

    Any thread may call :meth:`poll` and :meth:`wait`; the first to see the exit reaps it.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:  # reaped elsewhere (should not happen): its code is lost
                    self.returncode = 255
                else:
                    if pid == self.pid:
                        self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        pidfd = -1
        if hasattr(os, "pidfd_open"):
            try:
                pidfd = os.pidfd_open(self.pid)  # readable once the process ended: no polling
            except OSError:
                pidfd = -1
        try:
            delay = 0.001
            while True:
                code = self.poll()
                if code is not None:
                    return code
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise subprocess.TimeoutExpired(f"master pid {self.pid}", timeout or 0.0)
                if pidfd >= 0:
                    select.select([pidfd], [], [], 1.0 if remaining is None else min(remaining, 1.0))
                else:
                    time.sleep(delay if remaining is None else min(delay, remaining))
                    delay = min(0.05, delay * 2)
        finally:
            if pidfd >= 0:
                os.close(pidfd)

    def _running(self) -> bool:
        return self.poll() is None


class LocalMasterHandle(MasterHandle):
    """A master running as a subprocess of this client (spawned, or forked: :class:`ForkedMaster`)."""

    def __init__(self, job_id: str, address: str, secret: str, job_dir: str, process: _Process) -> None:
        super().__init__(job_id, address, secret, job_dir)
        self.process = process

    def registry_fields(self) -> dict[str, object]:
        return {"pid": self.process.pid}

    def exit_description(self) -> str:
        code = self.process.poll()
        return f"master process exit code {code}" if code is not None else ""

    def force_kill(self) -> bool:
        if self.process.poll() is not None:
            return False
        self.process.terminate()
        return True

    def release(self, timeout: float = 30.0) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.remove_staging()


def start_local_master(conf: HamaConfiguration, job_id: str, job_dir: Path, secret: str,
                       log_path: Path | None = None,
                       fork_main: Callable[[list[str]], int] | None = None,
                       early: PendingMaster | None = None) -> LocalMasterHandle:
    """Start ``appmaster/`` for a staged job and wait until it listens.

    With *fork_main* (``appmaster/``'s body, :func:`hama_yarn.entry.master_main`) the
    master is forked from this process and runs ``fork_main(argv)`` when
    :func:`may_fork_master` allows it; otherwise it is spawned as a new interpreter.

    Parameters
    ----------
    conf : HamaConfiguration
        The job's configuration (``hama.peer.python``, ``hama.master.start.timeout.ms``).
    job_id : str
        The job's id.
    job_dir : Path
        The staging directory holding ``job.json``.
    secret : str
        The job secret (passed in the environment, never on the command line).
    log_path : Path, optional
        Detached jobs: the master and its peers log there, so the client's output
        closes as soon as it prints the job id.
    fork_main : callable, optional
        The master's body, run in a forked child with the ``appmaster/`` arguments.
    early : PendingMaster, optional
        A master forked when the submission began (:func:`fork_master_early`): it is
        given the job instead of forking or spawning one.

    Raises
    ------
    JobSubmissionError
        The master exited, or did not listen within ``hama.master.start.timeout.ms``.
    """
    args = ["--job-dir", str(job_dir)]
    if log_path is not None:
        # Detached: no client will release the master, and the registry answers for the job
        # once it ended, so the master lingers briefly (not the default 60 s) and cleans up.
        args += ["--remove-job-dir", "--linger", str(DETACHED_LINGER)]
    if early is not None:  # forked when the submission began; it has imported what it runs
        from ..rpc.client import preload

        preload()
        ready_r = early.ready_r
        forked_early = early.start([*args, "--ready-fd", str(early.ready_w)], secret, log_path)
        return _await_master(conf, job_id, job_dir, secret, forked_early, ready_r)
    # The master writes its address to this pipe once it listens (readiness without polling).
    ready_r, ready_w = os.pipe()
    args += ["--ready-fd", str(ready_w)]
    if fork_main is not None and may_fork_master(conf):
        # What talking to the master needs is loaded before the fork: the master uses it too.
        from ..rpc.client import preload

        preload()
        try:
            forked = _fork_master(args, fork_main, secret, ready_r, ready_w, log_path)
        except BaseException:
            os.close(ready_r)
            raise
        if forked is not None:
            return _await_master(conf, job_id, job_dir, secret, forked, ready_r)
    env = dict(os.environ)
    env[SECRET_ENV] = secret
    cmd = python_command(conf.get("hama.peer.python") or None, "appmaster") + args
    # A session of its own: Ctrl-C in the terminal reaches only the client, which kills the job.
    log_file = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                start_new_session=True, pass_fds=(ready_w,))
    except BaseException:
        os.close(ready_r)
        raise
    finally:
        os.close(ready_w)
        if log_file is not None:
            log_file.close()
    # While the master starts: load what talking to it needs (thriftpy2, the IDL).
    from ..rpc.client import preload

    return _await_master(conf, job_id, job_dir, secret, proc, ready_r, preload)


def _await_master(conf: HamaConfiguration, job_id: str, job_dir: Path, secret: str, proc: _Process, ready_r: int,
                  meanwhile: Callable[[], None] | None = None) -> LocalMasterHandle:
    """Wait for the master's address on the readiness pipe (closed here); kill the master on failure."""
    try:
        if meanwhile is not None:
            meanwhile()
        address = wait_for_master_pipe(conf, ready_r, proc.poll)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        raise
    finally:
        os.close(ready_r)
    return LocalMasterHandle(job_id, address, secret, str(job_dir), proc)


def may_fork_master(conf: HamaConfiguration) -> bool:
    """Whether :func:`start_local_master` may fork the master from this process.

    Not when ``hama.local.master.fork`` is false, where ``os.fork`` is missing, when
    ``hama.peer.python`` names another interpreter than this one, or when this process
    runs other threads, Python's or a native library's (a forked child gets only the
    calling thread; locks the others held stay locked, and a runtime whose worker
    threads are gone can hang the child: hdfs-native's tokio runtime after the client
    used HDFS, for one).  Then the master is spawned, as before.
    """
    if not conf.get_bool("hama.local.master.fork", True) or not hasattr(os, "fork"):
        return False
    python = conf.get("hama.peer.python")
    if python:
        import shutil

        if os.path.abspath(shutil.which(python) or python) != os.path.abspath(sys.executable):
            return False
    threads = max(threading.active_count(), _os_threads())
    if threads > 1:
        log.debug("not forking the master: %d threads run in this process", threads)
        return False
    return True


def _os_threads() -> int:
    """Threads of this process as the OS sees them (native libraries' included); 1 if unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


class PendingMaster:
    """A master forked at the start of a submission (:func:`fork_master_early`), waiting for its job.

    While the client validates and stages the job, the child imports what a master and
    its peers run (25-40 ms of a short job: the two processes do it at once, on two
    cores); :meth:`start` then hands it the ``appmaster/`` arguments and the secret over
    a pipe.  A child that is never started is killed by :meth:`cancel` (it would exit by
    itself once this process is gone: the pipe closes).

    Attributes
    ----------
    ready_r, ready_w : int
        The readiness pipe (:func:`wait_for_master_pipe`): this process reads *ready_r*;
        *ready_w* is the child's descriptor number for ``--ready-fd``.
    """

    def __init__(self, process: ForkedMaster, go_w: int, ready_r: int, ready_w: int) -> None:
        self.process = process
        self.ready_r = ready_r
        self.ready_w = ready_w
        self._go_w: int | None = go_w

    def start(self, args: list[str], secret: str, log_path: Path | None) -> ForkedMaster:
        """Run the master with *args* (``appmaster/``'s); its process.

        Raises
        ------
        JobSubmissionError
            The child is gone (it cannot be told its job).
        """
        go_w, self._go_w = self._go_w, None
        if go_w is None:
            raise JobSubmissionError("the forked master was already started or cancelled")
        message = json.dumps({"args": args, "secret": secret,
                              "log_path": str(log_path) if log_path is not None else None}).encode()
        try:
            view = memoryview(message)
            while view:
                view = view[os.write(go_w, view):]
        except OSError as exc:
            raise JobSubmissionError(f"the forked master (pid {self.process.pid}) is gone: {exc}") from exc
        finally:
            os.close(go_w)
        return self.process

    def cancel(self) -> None:
        """Kill the child unless :meth:`start` was called (then nothing happens)."""
        go_w, self._go_w = self._go_w, None
        if go_w is None:
            return
        os.close(go_w)
        try:
            os.close(self.ready_r)
        except OSError:
            pass
        self.process.kill()
        self.process.wait(5.0)


def fork_master_early(conf: HamaConfiguration, main: Callable[[list[str]], int],
                      warm: Callable[[], None]) -> PendingMaster | None:
    """Fork the local master now, before the job is staged; None when it cannot be forked.

    The child runs *warm* (imports), then waits for :meth:`PendingMaster.start` and runs
    ``main(args)`` as :func:`start_local_master` would.  Not when :func:`may_fork_master`
    says no (a malformed setting it reads, too: validation reports that).
    """
    try:
        if not may_fork_master(conf):
            return None
    except Exception:  # noqa: BLE001 - e.g. a malformed hama.local.master.fork: validate_conf names it
        return None
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    try:
        pid = _fork_client()
    except OSError as exc:
        for fd in (go_r, go_w, ready_r, ready_w):
            os.close(fd)
        log.debug("early fork of the master failed (%s)", exc)
        return None
    if pid == 0:  # pragma: no cover - the child, which never returns
        _early_master_child(main, warm, go_r, go_w, ready_r)
    os.close(go_r)
    os.close(ready_w)  # the child's copy stays open: its number is the --ready-fd it is given
    log.debug("master forked early (pid %d): it imports its modules while the job is staged", pid)
    return PendingMaster(ForkedMaster(pid), go_w, ready_r, ready_w)


def _early_master_child(main: Callable[[list[str]], int], warm: Callable[[], None], go_r: int, go_w: int,
                        ready_r: int) -> None:  # pragma: no cover - runs in the child, which never returns
    def run() -> int:
        os.setsid()  # a session of its own, as a spawned master: Ctrl-C in the terminal reaches only the client
        os.close(go_w)
        os.close(ready_r)
        _reset_signal_handlers()
        _reset_logging()
        _forget_user_modules()
        try:
            without_gc(warm)
        except Exception:  # noqa: BLE001 - the same import fails again in main(), which reports it
            pass
        chunks = []
        while True:
            chunk = os.read(go_r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(go_r)
        if not chunks:
            return 0  # cancelled, or the client is gone: there is no job
        job = json.loads(b"".join(chunks))
        log_path = job["log_path"]
        _enter_master(job["args"], main, job["secret"], Path(log_path) if log_path else None)
        return main(job["args"])

    _run_forked_child(run)


def _fork_client() -> int:
    """``os.fork()`` of the client, its output flushed first; 0 in the child.

    The client's objects are frozen for the fork (``gc.freeze``): the child's collections
    leave them alone, so fewer of the pages it shares with the client are copied.
    """
    import gc

    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        raise
    if pid:
        gc.unfreeze()
    return pid


def _fork_master(args: list[str], main: Callable[[list[str]], int], secret: str, ready_r: int, ready_w: int,
                 log_path: Path | None) -> ForkedMaster | None:
    """Fork the master (None when the fork failed: then it is spawned). Closes *ready_w* in this process."""
    try:
        pid = _fork_client()
    except OSError as exc:
        log.warning("fork of the master failed (%s); spawning it", exc)
        return None
    if pid == 0:  # pragma: no cover - the child, which never returns
        _master_child(args, main, secret, ready_r, log_path)
    os.close(ready_w)
    return ForkedMaster(pid)


def _master_child(args: list[str], main: Callable[[list[str]], int], secret: str, ready_r: int,
                  log_path: Path | None) -> None:  # pragma: no cover - runs in the child, which never returns
    def run() -> int:
        os.setsid()  # a session of its own, as a spawned master: Ctrl-C in the terminal reaches only the client
        os.close(ready_r)
        _reset_signal_handlers()
        _reset_logging()
        _forget_user_modules()
        _enter_master(args, main, secret, log_path)
        return main(args)

    _run_forked_child(run)


def _enter_master(args: list[str], main: Callable[[list[str]], int], secret: str,
                  log_path: Path | None) -> None:  # pragma: no cover - runs in a forked master
    """The forked master's standard streams, secret and ``sys.argv``, as a spawned master has them."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if log_path is not None:
        out = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
    os.environ[SECRET_ENV] = secret
    sys.argv = [str(data_path("appmaster")), *args]


def _reset_logging() -> None:  # pragma: no cover - runs in the forked master
    """The client program's logging set-up is not the master's: every logger as in a new interpreter
    (no handlers, level and propagation by default); the master configures the root logger itself."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET if logger.name != "root" else logging.WARNING)
            logger.propagate = True
            logger.disabled = False
    logging.disable(logging.NOTSET)


def _reset_signal_handlers() -> None:  # pragma: no cover - runs in the forked master
    """The client's Python signal handlers (e.g. SIGTERM kills the job) are not the master's."""
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if callable(handler) and handler is not signal.default_int_handler:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


def _forget_user_modules() -> None:  # pragma: no cover - runs in the forked master
    """Drop the modules of the user's code (scripts, local packages) that the client imported.

    The master and its peers then import them afresh, as under a spawned master: state the
    client's program gave them (class attributes, module globals) does not travel.  Kept:
    hama_yarn, the standard library and installed packages (under this interpreter's
    prefixes or site directories), and ``__main__``.
    """
    import site

    dirs = {os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(os.__file__),
            sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            *site.getsitepackages(), site.getusersitepackages()}
    roots = tuple({os.path.join(p, "") for d in dirs if d for p in (d, os.path.realpath(d))})
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name == "__main__" or not isinstance(file, str) or not file:
            continue  # built-in, frozen, a namespace package
        if not file.startswith(roots) and not os.path.realpath(file).startswith(roots):
            del sys.modules[name]
    from .. import plugins

    plugins._SCRIPTS.clear()  # noqa: SLF001 - the scripts just forgotten


def wait_for_master_pipe(conf: HamaConfiguration, fd: int, exited: Callable[[], int | None]) -> str:
    """Read the master's ``host:port`` line from the readiness pipe *fd*.

    *exited* returns the master's exit code once it ended (None while it runs).

    Raises
    ------
    JobSubmissionError
        The master exited (the pipe closed without an address), or did not listen
        within ``hama.master.start.timeout.ms``.
    """
    timeout = conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise JobSubmissionError(f"the master did not start within {timeout:g}s (hama.master.start.timeout.ms)")
        # The slice bounds how late a master that exited while a child holds the pipe is noticed.
        readable, _, _ = select.select([fd], [], [], min(remaining, 1.0))
        if readable:
            chunk = os.read(fd, 4096)
            data += chunk
            if b"\n" in data:
                return data.split(b"\n", 1)[0].decode()
            if chunk:
                continue
        code = exited()
        if readable or code is not None:  # EOF without an address: the master is gone (or going)
            deadline_exit = time.monotonic() + 5.0
            while code is None and time.monotonic() < deadline_exit:
                time.sleep(0.01)
                code = exited()
            raise JobSubmissionError(f"the master process exited with code {code} before it started")


def wait_for_master_file(conf: HamaConfiguration, job_dir: Path, exited: Callable[[], int | None]) -> str:
    """Wait for ``master.json`` in *job_dir*; return the master's address.

    *exited* returns the master's exit code once it ended (None while it runs).
    """
    timeout = conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    path = job_dir / "master.json"
    delay = 0.002
    while time.monotonic() < deadline:
        try:
            return str(json.loads(path.read_text())["address"])
        except (ValueError, KeyError, OSError):
            pass
        code = exited()
        if code is not None:
            raise JobSubmissionError(f"the master process exited with code {code} before it started")
        time.sleep(delay)
        delay = min(0.02, delay * 1.5)
    raise JobSubmissionError(f"the master did not start within {timeout:g}s (hama.master.start.timeout.ms)")
