"""``hama bspmaster``, ``hama groom`` and ``hama daemon start|stop bspmaster|groom`` (classic cluster mode)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

from ..errors import HamaError
from .common import add_conf_args, conf_from_args

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bspmaster", help="run the cluster master (classic mode, no YARN)",
                       description="Run a bspmaster: job queue, grooms, one job master per job. Stops on SIGTERM.")
    p.add_argument("--pid-file", help="write the pid here (removed at exit)")
    add_conf_args(p)
    p.set_defaults(handler=_bspmaster)
    p = sub.add_parser("groom", help="run a groom server (classic mode): starts peers for the bspmaster",
                       description="Run a groom: registers with the bspmaster at bsp.master.address "
                                   "(or bsp.master.hostname:bsp.master.port) and runs its tasks. Stops on SIGTERM.")
    p.add_argument("--pid-file", help="write the pid here (removed at exit)")
    add_conf_args(p)
    p.set_defaults(handler=_groom)
    p = sub.add_parser("daemon", help="start or stop a bspmaster or groom in the background (hama-daemon.sh)")
    p.add_argument("verb", choices=["start", "stop", "status"])
    p.add_argument("daemon", choices=["bspmaster", "groom"])
    add_conf_args(p)
    p.set_defaults(handler=_daemon)


def _daemon_logging() -> None:
    import logging

    root = logging.getLogger()
    if root.level > logging.INFO and root.level < logging.ERROR:  # not -q: daemons log their work
        root.setLevel(logging.INFO)


def _bspmaster(args: argparse.Namespace) -> int:
    _daemon_logging()
    from ..daemons.bspmaster import run_bspmaster
    from pathlib import Path

    return run_bspmaster(conf_from_args(args), Path(args.pid_file) if args.pid_file else None)


def _groom(args: argparse.Namespace) -> int:
    _daemon_logging()
    from ..daemons.groom import run_groom
    from pathlib import Path

    return run_groom(conf_from_args(args), Path(args.pid_file) if args.pid_file else None)


def _daemon(args: argparse.Namespace) -> int:
    from ..daemons.common import pid_file, read_pid

    conf = conf_from_args(args)
    name = (conf.get("bsp.groom.name") or "").strip() if args.daemon == "groom" else ""
    path = pid_file(conf, args.daemon, name)
    pid = read_pid(path)
    if args.verb == "status":
        print(f"{args.daemon} running as process {pid}" if pid else f"{args.daemon} not running")
        return 0 if pid else 1
    if args.verb == "stop":
        if pid is None:
            print(f"no {args.daemon} to stop")
            return 1
        print(f"stopping {args.daemon}")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while (read_pid(path) == pid or _running(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)  # the pid file goes first, then the process ends: wait for both
        if read_pid(path) == pid or _running(pid):
            raise HamaError(f"{args.daemon} (pid {pid}) did not stop within 60s")
        return 0
    if pid is not None:
        print(f"{args.daemon} running as process {pid}. Stop it first.")
        return 1
    from ..registry import current_user

    log_dir = conf.get("hama.log.dir") or "."
    os.makedirs(log_dir, exist_ok=True)
    suffix = f"-{name}" if name else ""
    out = os.path.join(log_dir, f"hama-{current_user()}-{args.daemon}{suffix}-{os.uname().nodename}.out")
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", args.daemon, "--pid-file", str(path)]
    for d in args.defines:
        cmd += ["-D", d]
    if getattr(args, "runner", None):
        cmd += ["-r", args.runner]
    print(f"starting {args.daemon}, logging to {out}")
    with open(out, "ab") as f:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if read_pid(path) == proc.pid:
            return 0
        if proc.poll() is not None:
            raise HamaError(f"{args.daemon} exited with code {proc.returncode}; see {out}")
        time.sleep(0.05)
    raise HamaError(f"{args.daemon} did not write its pid file {path} within 30s; see {out}")


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        from ..registry import pid_alive

        return pid_alive(pid)
