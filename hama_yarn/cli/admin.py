"""Admin commands: ``hama logs``, ``hama version``, ``hama conf``, ``hama history``."""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
from typing import Any

from .. import __version__
from ..errors import HamaError, UsageError
from .common import add_conf_args, conf_from_args
from .jobinfo import job_snapshot, print_json, print_record

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("logs", help="print a job's peer logs (local files, or yarn logs on YARN)")
    p.add_argument("job_id", help="job id or YARN application id")
    p.add_argument("peer", nargs="?", type=int, help="only this peer (task index)")
    p.add_argument("-n", "--lines", type=int, default=0, help="only the last N lines of each log")
    add_conf_args(p)
    p.set_defaults(handler=_logs)

    p = sub.add_parser("version", help="print hama-yarn's version")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_version)

    p = sub.add_parser("conf", help="print the resolved configuration with each key's source")
    p.add_argument("prefix", nargs="?", default="", help="only keys starting with this")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_conf_args(p)
    p.set_defaults(handler=_conf)

    p = sub.add_parser("history", help="list or show finished jobs' history records")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("job_id", nargs="?", help="the job (show)")
    p.add_argument("--dir", help="history directory (default: hama.job.history.dir, else every default place)")
    p.add_argument("--html", metavar="DIR", help="show: also render the job's pages as static HTML into DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_conf_args(p)
    p.set_defaults(handler=_history)


def _version(args: argparse.Namespace) -> int:
    info = {"hama_yarn": __version__, "python": platform.python_version(), "platform": platform.platform()}
    if args.json:
        print_json(info)
    else:
        print(f"hama-yarn {__version__}")
        print(f"Python {info['python']} on {info['platform']}")
    return 0


def _conf(args: argparse.Namespace) -> int:
    from ..web.snapshot import conf_rows, record_sources

    conf = conf_from_args(args)
    record_sources(conf)
    rows = [r for r in conf_rows(conf) if r["key"].startswith(args.prefix)]
    if args.json:
        print_json(rows)
        return 0
    width = max((len(r["key"]) for r in rows), default=0)
    for r in rows:
        print(f"{r['key']:<{width}}  {r['value']}\t({r['source']})")
    return 0


def _history(args: argparse.Namespace) -> int:
    from ..web.history import list_records, read_record, render_static

    conf = conf_from_args(args)
    if args.action == "list":
        records = list_records(conf, args.dir)
        if args.json:
            print_json([r["job"] | {"location": r["_location"]} for r in records])
            return 0
        print(f"{len(records)} jobs in history")
        print("JobId\tState\tSupersteps\tElapsed\tUserName\tName")
        for r in records:
            j = r["job"]
            print(f"{j['job_id']}\t{j['state']}\t{j['superstep']}\t{j['elapsed_s']}s\t{j['user']}\t{j['name']}")
        return 0
    if not args.job_id:
        raise UsageError("hama history show needs a job id")
    rec = read_record(conf, args.job_id, args.dir)
    location = rec.pop("_location", "")
    if args.html:
        pages = render_static(rec, args.html)
        print(f"wrote {len(pages)} pages to {args.html} (open {pages[0]})", file=sys.stderr)
    if args.json:
        print_json(rec)
    else:
        print_record(rec)
        if location:
            print(f"Record: {location}")
    return 0


def _logs(args: argparse.Namespace) -> int:
    from ..registry import find_job
    from ..web.logs import local_peer_logs, tail_file

    conf = conf_from_args(args)
    job_id = args.job_id
    if job_id.startswith("application_"):
        job_id = "job_" + job_id.split("_", 1)[1]
    entry = find_job(conf, job_id) or {}
    app_id = entry.get("app_id") or ("application_" + job_id[4:] if job_id.startswith("job_") and not entry else "")
    files = local_peer_logs(conf, job_id)
    if files and not entry.get("app_id"):
        wanted = {args.peer: files[args.peer]} if args.peer is not None and args.peer in files else files
        if args.peer is not None and args.peer not in files:
            raise HamaError(f"job {job_id} has no log of peer {args.peer} (peers with logs: {sorted(files)})")
        for index, path in sorted(wanted.items()):
            print(f"==> peer {index}: {path} <==")
            if args.lines:
                print(tail_file(path, args.lines))
            else:
                sys.stdout.write(path.read_text(errors="replace"))
        return 0
    if not app_id:
        raise HamaError(f"Could not find logs of job {job_id} (not a local job of this registry, not on YARN)")
    yarn = shutil.which("yarn")
    if yarn is None:
        raise HamaError(f"{job_id} ran on YARN: its logs need the 'yarn' command (yarn logs -applicationId {app_id})")
    cmd = [yarn, "logs", "-applicationId", app_id]
    if args.peer is not None:
        container = ""
        try:
            peers = job_snapshot(conf, job_id)["peers"]
            container = next((p["container"] for p in peers if p["index"] == args.peer), "")
        except HamaError:
            pass
        if not container.startswith("container_"):
            raise HamaError(f"cannot tell the container of peer {args.peer} of {job_id}; try: {' '.join(cmd)}")
        cmd += ["-containerId", container]
    if args.lines:
        cmd += ["-size", str(-64 * 1024)]
    print(f"$ {' '.join(cmd)}", file=sys.stderr)
    try:
        result = subprocess.run(cmd, timeout=300)
    except subprocess.TimeoutExpired:
        raise HamaError(f"'{' '.join(cmd)}' did not finish within 300 s") from None
    return 0 if result.returncode == 0 else 1
