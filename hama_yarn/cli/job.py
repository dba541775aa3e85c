"""``hama job -list [all] | -status ID | -kill ID`` (also ``hama job list|status|kill``)."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from ..client import Counters, RunningJob, connect_job, list_jobs
from ..rpc.idl import counters_from_thrift
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


# ---------------------------------------------------------------- YARN jobs
def _yarn_configured() -> bool:
    """Only ask YARN when a Hadoop client configuration is visible (starting skein's driver costs seconds)."""
    return bool(os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR"))


def _yarn_report(ident: str) -> Any:
    """The YARN report of the hama application with this job id or application id, or None."""
    if not _yarn_configured():
        return None
    from ..launcher.yarn import find_application

    return find_application(ident)


def _yarn_state(report: Any) -> str:
    state, final = str(report.state), str(report.final_status)
    if state == "FINISHED":
        return final if final in ("SUCCEEDED", "FAILED", "KILLED") else "FAILED"
    return {"RUNNING": "RUNNING", "FAILED": "FAILED", "KILLED": "KILLED"}.get(state, "PREP")


def _print_yarn_status(report: Any) -> None:
    from ..launcher.yarn import job_id_of

    print(f"Job: {job_id_of(report)}")
    print(f"Job name: {report.name}")
    print(f"Job state: {_yarn_state(report)}")
    print(f"Application: {report.id} ({report.state}/{report.final_status}, progress {report.progress:.0%})")
    print(f"Tracking URL: {report.tracking_url}")
    if report.diagnostics:
        print(f"Diagnostics: {report.diagnostics.strip()}")


def _yarn_rows(known: set[str]) -> list[str]:
    if not _yarn_configured():
        return []
    from ..launcher.yarn import hama_applications, job_id_of

    rows = []
    for r in hama_applications():
        job_id = job_id_of(r)
        if job_id not in known and r.id not in known:
            start = r.start_time.timestamp() if hasattr(r.start_time, "timestamp") else 0
            rows.append(_row(job_id, _yarn_state(r), start, r.user))
    return rows


def handle(args: argparse.Namespace) -> int:
    conf = conf_from_args(args)
    if args.action == "list" or args.list_:
        show_all = (args.target or args.list_) == "all"
        rows = []
        entries = list_jobs(conf)
        for entry in entries:
            state, status = _entry_state(conf, entry)
            if state == "LOST" and entry.get("app_id"):
                report = _yarn_report(entry["app_id"])
                state = _yarn_state(report) if report is not None else state
            if show_all or state in ("RUNNING", "PREP"):
                user = status.user if status is not None else ""
                rows.append(_row(entry["job_id"], state, entry.get("submitted", 0), user))
        rows.extend(_yarn_rows({e["job_id"] for e in entries} | {e.get("app_id", "") for e in entries}))
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
    if job_id.startswith("application_"):
        job_id = "job_" + job_id.split("_", 1)[1]  # a YARN job's id mirrors its application id
    job: RunningJob | None
    if args.status or args.action == "status":
        try:
            job = connect_job(conf, job_id)
            status = job.status()
        except HamaError:
            status = None
        if status is None or status.version == -1:
            report = _yarn_report(job_id)
            if report is None:
                gone = " (its master is gone)" if status is not None else ""
                raise HamaError(f"Could not find job {job_id}{gone}")
            _print_yarn_status(report)
            return 0
        print(f"Job name: {status.job_name}")
        print(f"Job state: {status.state}")
        print(f"Supersteps: {status.superstep}")
        print(f"Peers: {status.num_peers}")
        for peer in status.peers:
            print(f"  peer {peer.index}\t{peer.state}\tsuperstep {peer.superstep}\t{peer.name}")
        if status.diagnostics:
            print(f"Diagnostics: {status.diagnostics}")
        print(Counters(counters_from_thrift(status.counters)).format())
        return 0
    try:
        job = connect_job(conf, job_id)
    except HamaError:
        job = None
    if job is not None and job.kill("killed by hama job -kill"):
        _release_yarn(conf, job_id, job)
        print(f"Killed job {job_id}")
        return 0
    report = _yarn_report(job_id)
    if report is not None and str(report.state) not in ("FINISHED", "FAILED", "KILLED"):
        from ..launcher.yarn import skein_client

        skein_client().kill_application(report.id)
        print(f"Killed job {job_id} (YARN application {report.id})")
        return 0
    if job is None and report is None:
        raise HamaError(f"Could not find job {job_id}")
    state = job.get_state() if job is not None else _yarn_state(report)
    print(f"Job {job_id} is not running ({state})")
    return 1


def _release_yarn(conf: Any, job_id: str, job: Any) -> None:
    """After killing a YARN job, let its master end the application now (not after its linger)."""
    entry = next((e for e in list_jobs(conf) if e.get("job_id") == job_id), None)
    if entry is None or not entry.get("app_id"):
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not job.is_complete():
        time.sleep(0.2)
    try:
        job._rpc.release()
    except (RPCError, HamaError):
        pass
