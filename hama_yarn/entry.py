"""Bodies of the thin process entry points ``appmaster/`` and ``container/``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from collections.abc import Callable

from .launcher.base import PeerExit, PeerLauncher
from .util import configure_logging, write_json_atomic

log = logging.getLogger(__name__)

__all__ = ["master_main", "peer_main"]


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
    args = p.parse_args(argv)
    configure_logging(_level(), prefix="master")
    if args.launcher == "yarn":
        from .launcher.yarn.am import run_yarn_master

        return run_yarn_master(args.job_dir, args.linger)
    from .master.server import Master
    from .rpc.auth import secret_from_env

    secret = secret_from_env()
    job_dir = args.job_dir

    def publish(address: str) -> None:
        write_json_atomic(Path(job_dir) / "master.json", {"address": address, "pid": os.getpid()})

    factory: Callable[[Callable[[PeerExit], None]], PeerLauncher]
    if args.launcher == "inline":
        from .launcher.inline import InlinePeerLauncher

        factory = lambda on_exit: InlinePeerLauncher(on_exit, job_dir, secret)  # noqa: E731
    else:
        from .launcher.local import LocalPeerLauncher

        from .peer.main import load_job

        python = load_job(job_dir)[1].get("hama.peer.python") or None
        factory = lambda on_exit: LocalPeerLauncher(on_exit, job_dir, secret, python)  # noqa: E731

    master = Master(job_dir, secret, factory, host=args.host, publish=publish)
    try:
        state = master.run(linger=args.linger)
    finally:
        if args.remove_job_dir:
            import shutil

            shutil.rmtree(job_dir, ignore_errors=True)
    return 0 if state.value == "SUCCEEDED" else 1


def peer_main(argv: list[str] | None = None) -> int:
    """``python container --job-dir D (--task-index I --master HOST:PORT | --yarn)``: run one peer."""
    p = argparse.ArgumentParser(prog="container", description="hama-yarn peer process (one BSP task)")
    p.add_argument("--job-dir", required=True)
    p.add_argument("--task-index", type=int)
    p.add_argument("--master")
    p.add_argument("--yarn", action="store_true",
                   help="in a skein container: task index from the container, master address from the key-value store")
    args = p.parse_args(argv)
    secret: str | None = None
    if args.yarn:
        from .launcher.yarn.container import yarn_peer_context

        args.job_dir, args.task_index, args.master, secret = yarn_peer_context(args.job_dir)
    elif args.task_index is None or args.master is None:
        p.error("--task-index and --master are required (unless --yarn)")
    configure_logging(_level(), prefix=f"peer-{args.task_index}")
    import signal

    def on_term(signum: int, frame: object) -> None:
        # Turn SIGTERM into an exception so cleanup() still runs and the peer reports.
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    from .peer.main import run_peer
    from .rpc.auth import secret_from_env

    return run_peer(args.job_dir, args.task_index, args.master, secret if secret is not None else secret_from_env())


def _level() -> int:
    return getattr(logging, os.environ.get("HAMA_LOG_LEVEL", "WARNING").upper(), logging.WARNING)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(master_main())
