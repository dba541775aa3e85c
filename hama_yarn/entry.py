"""Bodies of the thin process entry points ``appmaster/`` and ``container/``."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .launcher.base import PeerExit, PeerLauncher
from .util import configure_logging, set_process_role, write_json_atomic

if TYPE_CHECKING:
    from .config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["master_main", "peer_main", "exit_process"]


def master_main(argv: list[str] | None = None) -> int:
    """``python appmaster --job-dir D [--launcher local|inline|yarn]``: run one job's master."""
    p = argparse.ArgumentParser(prog="appmaster", description="hama-yarn master process (BSPMaster + SyncServer)")
    p.add_argument("--job-dir", required=True)
    p.add_argument("--launcher", default="local", choices=["local", "inline", "yarn"],
                   help="yarn: inside a skein ApplicationMaster, peers are containers of the service 'peer'")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--linger", type=float, default=60.0, help="seconds to serve status after the job ends")
    p.add_argument("--remove-job-dir", action="store_true",
                   help="remove the staging directory when the master exits (detached jobs: no client does it)")
    p.add_argument("--ready-fd", type=int,
                   help="local mode: write 'host:port' and a newline to this file descriptor once listening")
    args = p.parse_args(argv)
    set_process_role("master")
    configure_logging(_level(), prefix="master")
    if args.launcher == "yarn":
        from .launcher.yarn.am import run_yarn_master

        _install_container_tls(args.job_dir)
        return run_yarn_master(args.job_dir, args.linger)
    from .master.server import Master
    from .rpc.auth import secret_from_env
    from .rpc.tls import install_for_job

    secret = secret_from_env()
    install_for_job(args.job_dir, secret)  # hama.rpc.tls.enabled: the job's certificate
    job_dir = args.job_dir
    ready_fd: int | None = args.ready_fd

    def publish(address: str) -> None:
        nonlocal ready_fd
        write_json_atomic(Path(job_dir) / "master.json", {"address": address, "pid": os.getpid()})
        if ready_fd is not None:
            fd, ready_fd = ready_fd, None
            try:
                os.write(fd, f"{address}\n".encode())
            except OSError as exc:  # the client is gone; the job still runs (and is in the registry)
                log.warning("cannot tell the client the master's address: %s", exc)
            finally:
                os.close(fd)

    factory: Callable[[Callable[[PeerExit], None]], PeerLauncher]
    listener = None
    forked: dict[int, Any] = {}
    if args.launcher == "inline":
        from .launcher.inline import InlinePeerLauncher

        factory = lambda on_exit: InlinePeerLauncher(on_exit, job_dir, secret)  # noqa: E731
    else:
        from .launcher.local import LocalPeerLauncher

        from .peer.main import load_job

        conf = load_job(job_dir)[1]
        python = conf.get("hama.peer.python") or None
        if _may_fork(conf, python):
            listener, forked = _fork_peers(conf, job_dir, args.host, secret, ready_fd)
        factory = lambda on_exit: LocalPeerLauncher(on_exit, job_dir, secret, python, prestarted=forked)  # noqa: E731

    try:
        master = Master(job_dir, secret, factory, host=args.host, publish=publish, listener=listener)
    except BaseException:
        _kill(forked)
        raise
    try:
        state = master.run(linger=args.linger)
    finally:
        if args.remove_job_dir:
            import shutil

            shutil.rmtree(job_dir, ignore_errors=True)
    return 0 if state.value == "SUCCEEDED" else 1


def warm_master() -> None:
    """Import what a local master and its forked peers run whatever the job (a master forked
    early, :func:`hama_yarn.launcher.local.fork_master_early`, does it while the client stages)."""
    from .master.server import Master  # noqa: F401
    from .peer.main import run_peer  # noqa: F401
    from .rpc.client import preload
    from .sync.rpc import RPCSyncClient  # noqa: F401 - the default sync (hama.sync.backend=rpc)
    from .web.logs import capture_peer_output  # noqa: F401 - local peers capture their output

    preload()
    import encodings.idna  # noqa: F401 - socket.getaddrinfo() loads this codec on a peer's first connect


def _may_fork(conf: HamaConfiguration, python: str | None) -> bool:
    """Fork local peers unless told not to, or they must run another interpreter."""
    if not conf.get_bool("hama.local.peer.fork", True) or not hasattr(os, "fork"):
        return False
    if python:
        import shutil

        return os.path.abspath(shutil.which(python) or python) == os.path.abspath(sys.executable)
    return True


def _fork_peers(conf: HamaConfiguration, job_dir: str, host: str, secret: str,
                ready_fd: int | None) -> tuple[socket.socket, dict[int, Any]]:
    """Bind the master's port and fork the peers, which connect to it while the master starts.

    Everything a peer imports is imported here first, so the children start warm.
    """
    from .launcher.local import fork_peers
    from .peer.main import run_peer  # noqa: F401 - imported before forking: the peers inherit it
    from .rpc.client import preload
    from .rpc.server import listen
    from .sync import client_class

    preload()
    client_class(conf)
    import encodings.idna  # noqa: F401 - socket.getaddrinfo() loads this codec on a peer's first connect

    if (conf.get("bsp.master.address") or "local").strip() == "local":
        import hama_yarn.web.logs  # noqa: F401 - a local peer captures its output for the web UI's logs page
    if conf.get("bsp.input.dir") or conf.get("bsp.output.dir"):
        import hama_yarn.io.formats  # noqa: F401
        import hama_yarn.io.output  # noqa: F401
    if conf.get_bool("bsp.checkpoint.enabled", False) or conf.get_bool("bsp.ft.enabled", False):
        import hama_yarn.ft.peer  # noqa: F401
    listener = listen(host, 0)
    advertise = host if host not in ("0.0.0.0", "") else socket.getfqdn()
    address = f"{advertise}:{listener.getsockname()[1]}"
    close: list[socket.socket | int] = [listener] if ready_fd is None else [listener, ready_fd]
    forked = fork_peers(range(conf.get_int("bsp.peers.num")),
                        lambda index: _peer_process(job_dir, index, address, secret), close)
    return listener, forked


def _kill(procs: dict[int, Any]) -> None:
    for proc in procs.values():
        proc.kill()
        try:
            os.waitpid(proc.pid, 0)
        except ChildProcessError:
            pass


def peer_main(argv: list[str] | None = None) -> int:
    """``python container --job-dir D (--task-index I --master HOST:PORT | --yarn)``: run one peer."""
    p = argparse.ArgumentParser(prog="container", description="hama-yarn peer process (one BSP task)")
    p.add_argument("--job-dir", required=True)
    p.add_argument("--task-index", type=int)
    p.add_argument("--master")
    p.add_argument("--yarn", action="store_true",
                   help="in a skein container: task index from the container, master address from the key-value store")
    args = p.parse_args(argv)
    set_process_role("peer")
    secret: str | None = None
    if args.yarn:
        from .launcher.yarn.container import yarn_peer_context

        _install_container_tls(args.job_dir)
        args.job_dir, args.task_index, args.master, secret = yarn_peer_context(args.job_dir)
    elif args.task_index is None or args.master is None:
        p.error("--task-index and --master are required (unless --yarn)")
    return _peer_process(args.job_dir, args.task_index, args.master,
                         secret if secret is not None else _secret_from_env())


def _install_container_tls(job_dir: str) -> None:
    """In a YARN container: use the TLS files localized with the job secret, if the job shipped them."""
    from .launcher.yarn.common import SECRET_FILE
    from .rpc.tls import install_for_job

    secret_file = Path(job_dir) / SECRET_FILE
    if secret_file.is_file():
        install_for_job(job_dir, secret_file.read_text().strip())


def _secret_from_env() -> str:
    from .rpc.auth import secret_from_env

    return secret_from_env()


def _peer_process(job_dir: str, task_index: int, master: str, secret: str) -> int:
    """The body of a peer process (spawned ``container/``, or forked by the local master)."""
    set_process_role("peer")
    configure_logging(_level(), prefix=f"peer-{task_index}")
    import signal

    def on_term(signum: int, frame: object) -> None:
        # Turn SIGTERM into an exception so cleanup() still runs and the peer reports.
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    from .peer.main import run_peer
    from .rpc.tls import install_for_job

    install_for_job(job_dir, secret)  # hama.rpc.tls.enabled: the job's certificate (once per process)
    return run_peer(job_dir, task_index, master, secret)


def exit_process(code: int) -> None:
    """End an entry-point process with *code* now: exit handlers run and output is flushed,
    but the interpreter's teardown of every module (tens of ms) is skipped."""
    from .launcher.local import exit_handlers_and_flush

    try:
        exit_handlers_and_flush()
    finally:
        os._exit(code)


def _level() -> int:
    return getattr(logging, os.environ.get("HAMA_LOG_LEVEL", "WARNING").upper(), logging.WARNING)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(master_main())
