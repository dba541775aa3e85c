"""``hama job -list [all] | -status ID | -kill ID`` (also ``hama job list|status|kill``)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..client import connect_job, list_jobs
from ..errors import HamaError, RPCError, UsageError
from .common import add_conf_args, conf_from_args

__all__ = ["add_parser"]

_STATES = {"RUNNING": 1, "SUCCEEDED": 2, "FAILED": 3, "PREP": 4, "KILLED": 5}
_LEGEND = "States are:\n\tRunning : 1\tSucceded : 2\tFailed : 3\tPrep : 4\tKilled : 5"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("job", help="list, inspect or kill jobs", description=__doc__)
    p.add_argument("action", nargs="?", choices=["list", "status", "kill"], help="what to do")
    p.add_argument("target", nargs="?", help="job id (status, kill) or 'all' (list)")
    p.add_argument("--list", dest="list_", nargs="?", const="running", metavar="all", help="list jobs")
    p.add_argument("--status", metavar="JOB_ID", help="show a job's status")
    p.add_argument("--kill", metavar="JOB_ID", help="kill a job")
    add_conf_args(p)
    p.set_defaults(handler=handle)


def _row(job_id: str, state: str, start: float, user: str) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(start)) if start else "-"
    return f"{job_id}\t{state}\t{started}\t{user}"


def _entry_state(conf: Any, entry: dict[str, Any]) -> tuple[str, Any]:
    if entry.get("final_state"):
        return str(entry["final_state"]), None
    try:
        job = connect_job(conf, entry["job_id"])
        status = job.status()
        job._rpc.close()
        if status.version == -1:
            return "LOST", None
        return str(status.state), status
    except (RPCError, HamaError):
        return "LOST", None


def handle(args: argparse.Namespace) -> int:
    conf = conf_from_args(args)
    if args.action == "list" or args.list_:
        show_all = (args.target or args.list_) == "all"
        rows = []
        for entry in list_jobs(conf):
            state, status = _entry_state(conf, entry)
            if show_all or state in ("RUNNING", "PREP"):
                user = status.user if status is not None else ""
                rows.append(_row(entry["job_id"], state, entry.get("submitted", 0), user))
        print(f"{len(rows)} jobs {'submitted' if show_all else 'currently running'}")
        if show_all:
            print(_LEGEND)
        print("JobId\tState\tStartTime\tUserName")
        for r in rows:
            print(r)
        return 0
    job_id = args.status or args.kill or args.target
    if not job_id:
        raise UsageError("hama job needs -list, -status JOB_ID or -kill JOB_ID")
    if args.status or args.action == "status":
        job = connect_job(conf, job_id)
        status = job.status()
        if status.version == -1:
            raise HamaError(f"Could not find job {job_id} (its master is gone)")
        print(f"Job name: {status.job_name}")
        print(f"Job state: {status.state}")
        print(f"Supersteps: {status.superstep}")
        print(f"Peers: {status.num_peers}")
        for peer in status.peers:
            print(f"  peer {peer.index}\t{peer.state}\tsuperstep {peer.superstep}\t{peer.name}")
        if status.diagnostics:
            print(f"Diagnostics: {status.diagnostics}")
        print(job.get_counters().format())
        return 0
    job = connect_job(conf, job_id)
    if job.kill("killed by hama job -kill"):
        print(f"Killed job {job_id}")
        return 0
    print(f"Job {job_id} is not running ({job.get_state()})")
    return 1
