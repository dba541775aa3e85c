"""Shared CLI pieces: ``-D`` definitions, building a configuration, running a job."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..config import HamaConfiguration, parse_define
from ..job import BSPJob

__all__ = ["add_conf_args", "conf_from_args", "run_job", "terminate_kills_job", "Terminated", "EXIT_OK",
           "EXIT_FAILED", "EXIT_TERMINATED"]

EXIT_OK, EXIT_FAILED = 0, 1
#: Exit code after SIGTERM (128 + 15), as a shell reports a process killed by it.
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The client received SIGTERM: handled like Ctrl-C (the job is killed), exit 143."""


@contextmanager
def terminate_kills_job(enabled: bool = True) -> Iterator[None]:
    """While active, SIGTERM raises :class:`Terminated` in the main thread, so the job is killed as on Ctrl-C.

    ``timeout``, CI cancellation and ``kill PID`` send SIGTERM; without this the
    client would die and leave its YARN application running.
    """
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_conf_args(p: argparse.ArgumentParser) -> None:
    """``-D key=value`` (repeatable) and ``-r/--runner``."""
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="KEY=VALUE",
                   help="set a configuration key (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only errors")
    p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more logging")
    p.add_argument("-r", "--runner", choices=["local", "inline", "yarn", "cluster"], default=None,
                   help="where to run (bsp.master.address; cluster: the bspmaster at bsp.master.hostname:port); "
                        "default local")
    p.add_argument("--principal", default=None, metavar="PRINCIPAL",
                   help="Kerberos principal for a secured YARN/HDFS (hama.yarn.kerberos.principal; default: the "
                        "keytab's first)")
    p.add_argument("--keytab", default=None, metavar="FILE",
                   help="Kerberos keytab to log in with instead of the ticket cache (hama.yarn.kerberos.keytab)")


def conf_from_args(args: argparse.Namespace) -> HamaConfiguration:
    """Defaults -> hama-site.xml -> ``-D`` -> explicit options."""
    conf = HamaConfiguration()
    for d in args.defines:
        key, value = parse_define(d)
        conf.set(key, value, layer="command line")
    if getattr(args, "runner", None):
        conf.set("bsp.master.address", args.runner, layer="command line")
    for option, key in (("principal", "hama.yarn.kerberos.principal"), ("keytab", "hama.yarn.kerberos.keytab")):
        if getattr(args, option, None):
            conf.set(key, getattr(args, option), layer="command line")
    if (conf.get("bsp.master.address") or "").strip() == "yarn":
        from ..launcher.yarn.kerberos import login

        login(conf)  # a Kerberos cluster: a ticket or --keytab, else exit 2 before any HDFS or YARN call
    return conf


def run_job(job: BSPJob, quiet: bool = False, detach: bool = False) -> int:
    """Submit *job*, follow it, print counters; return the exit code.

    On YARN the application id and tracking URL are printed the moment it is submitted.
    SIGTERM (unless *detach*) kills the job like Ctrl-C and returns 143.
    """
    try:
        with terminate_kills_job(not detach):
            return _run_announced(job, quiet, detach)
    except Terminated:
        print(f"hama: terminated (SIGTERM); job {_job_id(job)} killed", file=sys.stderr)
        return EXIT_TERMINATED


def _job_id(job: BSPJob) -> str:
    try:
        return job.get_job_id()
    except Exception:  # noqa: BLE001 - not submitted yet
        return "(not submitted)"


def _run_announced(job: BSPJob, quiet: bool, detach: bool) -> int:
    if (job.get("bsp.master.address") or "").strip() == "yarn":
        from ..launcher.yarn.submit import announce

        def submitted(app_id: str, tracking_url: str) -> None:
            if not quiet:
                print(f"Submitted application {app_id}", file=sys.stderr, flush=True)
                print(f"Tracking URL: {tracking_url or '-'}", file=sys.stderr, flush=True)

        with announce(submitted):
            return _run(job, quiet, detach)
    return _run(job, quiet, detach)


def _run(job: BSPJob, quiet: bool, detach: bool) -> int:
    if detach:
        job.submit(detach=True)
        print(job.get_job_id())
        return EXIT_OK
    ok = job.wait_for_completion(verbose=not quiet, stream=sys.stderr)
    if not ok and quiet:
        print(job.get_diagnostics(), file=sys.stderr)
    return EXIT_OK if ok else EXIT_FAILED


def set_io(job: BSPJob, args: Any) -> None:
    """Apply ``-n -i -o --input-format --output-format`` options to *job*."""
    if getattr(args, "num_tasks", None) is not None:
        job.set_num_bsp_task(args.num_tasks)
    if getattr(args, "input", None):
        job.set_input_path(args.input)
    if getattr(args, "output", None):
        job.set_output_path(args.output)
    if getattr(args, "input_format", None):
        job.set_input_format(args.input_format)
    if getattr(args, "output_format", None):
        job.set_output_format(args.output_format)
