"""``hama job -list [all] | -status ID | -kill ID`` (also ``hama job list|status|kill``)."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from ..client import Counters, RunningJob, connect_job, list_jobs
from ..registry import find_job, pid_alive
from ..rpc.idl import counters_from_thrift
from ..errors import HamaError, RPCError, UsageError
from .common import add_conf_args, conf_from_args
from .jobinfo import add_args as add_info_args, dispatch as info_dispatch, list_json, status_json

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
    add_info_args(p)
    add_conf_args(p)
    p.set_defaults(handler=handle)


def _row(job_id: str, state: str, start: float, user: str) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(start)) if start else "-"
    return f"{job_id}\t{state}\t{started}\t{user}"


def _entry_state(conf: Any, entry: dict[str, Any]) -> tuple[str, Any]:
    """``(state, live status or None)`` of a registry entry: recorded final state, else ask its master."""
    if entry.get("final_state"):
        return str(entry["final_state"]), None
    try:
        job = connect_job(conf, entry["job_id"])
        status = job.status()
        job.close()
        if status.version == -1:
            return "LOST", None
        return str(status.state), status
    except (RPCError, HamaError):
        return "LOST", None


def _print_recorded_status(entry: dict[str, Any]) -> None:
    """The status of a finished job from its registry entry (its master is gone)."""
    print(f"Job: {entry['job_id']}")
    print(f"Job name: {entry.get('name') or '-'}")
    print(f"Job state: {entry['final_state']}")
    print(f"Supersteps: {entry.get('superstep', 0)}")
    if entry.get("user"):
        print(f"User: {entry['user']}")
    for label, key in (("Submitted", "submitted"), ("Finished", "finished")):
        if entry.get(key):
            print(f"{label}: {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(entry[key]))}")
    if entry.get("app_id"):
        print(f"Application: {entry['app_id']}")
    if entry.get("diagnostics"):
        print(f"Diagnostics: {entry['diagnostics']}")
    counters = {(str(g), str(n)): int(v) for g, n, v in entry.get("counters") or []}
    print(Counters(counters).format())


# ---------------------------------------------------------------- YARN jobs
def _yarn_configured() -> bool:
    """Only ask YARN when a Hadoop client configuration is visible (starting skein's driver costs seconds)."""
    return bool(os.environ.get("HADOOP_CONF_DIR") or os.environ.get("YARN_CONF_DIR"))


def _yarn_report(ident: str) -> Any:
    """The YARN report of the hama application with this job id or application id, or None."""
    if not _yarn_configured():
        return None
    from ..launcher.yarn.submit import find_application

    return find_application(ident)


def _yarn_state(report: Any) -> str:
    state, final = str(report.state), str(report.final_status)
    if state == "FINISHED":
        return final if final in ("SUCCEEDED", "FAILED", "KILLED") else "FAILED"
    return {"RUNNING": "RUNNING", "FAILED": "FAILED", "KILLED": "KILLED"}.get(state, "PREP")


def _print_yarn_status(report: Any) -> None:
    from ..launcher.yarn.submit import job_id_of

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
    from ..launcher.yarn.submit import hama_applications, job_id_of

    rows = []
    for r in hama_applications():
        job_id = job_id_of(r)
        if job_id not in known and r.id not in known:
            start = r.start_time.timestamp() if hasattr(r.start_time, "timestamp") else 0
            rows.append(_row(job_id, _yarn_state(r), start, r.user))
    return rows


def handle(args: argparse.Namespace) -> int:
    conf = conf_from_args(args)
    info = info_dispatch(args, conf)
    if info is not None:
        return info
    if args.action == "list" or args.list_:
        show_all = (args.target or args.list_) == "all"
        return list_json(conf, show_all) if args.json else _list(conf, show_all)
    job_id = args.status or args.kill or args.target
    if not job_id:
        raise UsageError("hama job needs -list, -status JOB_ID, -kill JOB_ID, -counter, -events, -history "
                         "or -list-active-grooms")
    if job_id.startswith("application_"):
        job_id = "job_" + job_id.split("_", 1)[1]  # a YARN job's id mirrors its application id
    if args.status or args.action == "status":
        return status_json(conf, job_id) if args.json else _status(conf, job_id)
    return _kill(conf, job_id)


def _list(conf: Any, show_all: bool) -> int:
    rows = []
    entries = list_jobs(conf)
    for entry in entries:
        state, status = _entry_state(conf, entry)
        if state == "LOST" and entry.get("app_id"):
            report = _yarn_report(entry["app_id"])
            state = _yarn_state(report) if report is not None else state
        if show_all or state in ("RUNNING", "PREP"):
            user = entry.get("user") or (status.user if status is not None else "")
            rows.append(_row(entry["job_id"], state, entry.get("submitted", 0), user))
    rows.extend(_yarn_rows({e["job_id"] for e in entries} | {e.get("app_id", "") for e in entries}))
    print(f"{len(rows)} jobs {'submitted' if show_all else 'currently running'}")
    if show_all:
        print(_LEGEND)
    print("JobId\tState\tStartTime\tUserName")
    for r in rows:
        print(r)
    return 0


def _status(conf: Any, job_id: str) -> int:
    entry = find_job(conf, job_id)
    status = None
    if entry is not None and not entry.get("final_state"):
        try:
            job = connect_job(conf, job_id)
            status = job.status()
            job.close()
        except HamaError:
            status = None
        if status is not None and status.version == -1:
            status = None
            entry = find_job(conf, job_id)  # the master may have recorded its end meanwhile
    if status is None:
        if entry is not None and entry.get("final_state"):
            _print_recorded_status(entry)
            return 0
        report = _yarn_report(job_id)
        if report is None:
            gone = " (its master is gone and recorded no final state)" if entry is not None else ""
            raise HamaError(f"Could not find job {job_id}{gone}")
        _print_yarn_status(report)
        return 0
    print(f"Job: {job_id}")
    print(f"Job name: {status.job_name}")
    print(f"Job state: {status.state}")
    print(f"Supersteps: {status.superstep}")
    if status.am_attempt:
        print(f"ApplicationMaster attempt: {status.am_attempt}")
    if status.recoveries:
        print(f"Recoveries: {status.recoveries} (attempt {status.recoveries + 1}, "
              f"rolled back to superstep {status.restored_superstep})")
    print(f"Peers: {status.num_peers}")
    for peer in status.peers:
        print(f"  peer {peer.index}\t{peer.state}\tsuperstep {peer.superstep}\t{peer.name}")
    if status.diagnostics:
        print(f"Diagnostics: {status.diagnostics}")
    print(Counters(counters_from_thrift(status.counters)).format())
    return 0


def _kill(conf: Any, job_id: str) -> int:
    entry = find_job(conf, job_id)
    if entry is not None and entry.get("final_state"):
        print(f"Job {job_id} is not running ({entry['final_state']})")
        return 1
    job: RunningJob | None
    try:
        job = connect_job(conf, job_id)
    except HamaError:
        job = None
    if job is not None and job.kill("killed by hama job -kill"):
        client = (entry or {}).get("client_pid")
        if not (client and client != os.getpid() and pid_alive(int(client))):
            _release(job)  # no attached client will: let the master end now, not after its linger
        else:
            job.close()
        print(f"Killed job {job_id}")
        return 0
    report = _yarn_report(job_id)
    if report is not None and str(report.state) not in ("FINISHED", "FAILED", "KILLED"):
        from ..launcher.yarn.submit import kill_application

        kill_application(report.id)
        print(f"Killed job {job_id} (YARN application {report.id})")
        return 0
    if job is None and report is None:
        raise HamaError(f"Could not find job {job_id}")
    entry = find_job(conf, job_id)
    if entry is not None and entry.get("final_state"):
        state = str(entry["final_state"])
    elif job is not None:
        state = job.get_state()
        if job.status().version == -1:
            state = "LOST: its master is gone"
    else:
        state = _yarn_state(report)
    print(f"Job {job_id} is not running ({state})")
    return 1


def _release(job: RunningJob) -> None:
    """After a kill, let the job's master end now (not after its linger): the killer is its last client."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not job.is_complete():
        time.sleep(0.1)
    try:
        job._rpc.release()
    except (RPCError, HamaError):
        pass
    job.close()
