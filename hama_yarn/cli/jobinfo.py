"""The query verbs of ``hama job`` beyond -list/-status/-kill, and ``--json``.

``-counter ID GROUP NAME``   one counter's value
``-events ID FROM N``        superstep completion events FROM..FROM+N-1 (per peer: compute/sync ms)
``-history DIR|ID``          job history records in a directory (or one job's record)
``-list-active-grooms [ID]`` the peers (host, container) of running jobs
Each reads the live master's JSON API when the job runs, else its history record.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from typing import Any

from ..config import HamaConfiguration
from ..errors import HamaError, UsageError
from ..registry import find_job, list_jobs

__all__ = ["add_args", "dispatch", "job_snapshot", "print_json"]


def add_args(p: argparse.ArgumentParser) -> None:
    """The extra options of ``hama job``."""
    p.add_argument("--counter", nargs=3, metavar=("JOB_ID", "GROUP", "NAME"), help="print one counter's value")
    p.add_argument("--events", nargs=3, metavar=("JOB_ID", "FROM", "N"), help="superstep events FROM..FROM+N-1")
    p.add_argument("--history", metavar="DIR_OR_JOB_ID", help="job history records in a directory, or of one job")
    p.add_argument("--list-active-grooms", dest="grooms", nargs="?", const="", metavar="JOB_ID",
                   help="peers (host, container) of running jobs")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=1, sort_keys=False))


def _fetch(url: str, timeout: float = 10.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - the job's own UI
        data = json.loads(resp.read())
    return data if isinstance(data, dict) else {}


def job_snapshot(conf: HamaConfiguration, job_id: str) -> dict[str, Any]:
    """The job's snapshot: from its running master's UI, else from its history record.

    Raises
    ------
    HamaError
        ``Could not find job <id>``.
    """
    if job_id.startswith("application_"):
        job_id = "job_" + job_id.split("_", 1)[1]
    entry = find_job(conf, job_id)
    if entry is not None and entry.get("ui_url") and not entry.get("final_state"):
        try:
            return _fetch(str(entry["ui_url"]) + "api/v1/snapshot")
        except (OSError, ValueError):
            pass  # the master is gone: its history record tells the rest
    from ..web.history import read_record

    try:
        return read_record(conf, job_id)
    except HamaError:
        raise HamaError(f"Could not find job {job_id} (no running master and no history record)") from None


def dispatch(args: argparse.Namespace, conf: HamaConfiguration) -> int | None:
    """Run the verb of *args* if it is one of this module's; None otherwise."""
    if args.counter:
        job_id, group, name = args.counter
        return _counter(conf, job_id, group, name, as_json=args.json)
    if args.events:
        job_id, start, count = args.events
        return _events(conf, job_id, start, count, as_json=args.json)
    if args.history:
        return _history(conf, args.history, as_json=args.json)
    if args.grooms is not None:
        return _grooms(conf, args.grooms, as_json=args.json)
    return None


def _counter(conf: HamaConfiguration, job_id: str, group: str, name: str, as_json: bool) -> int:
    snap = job_snapshot(conf, job_id)
    for c in snap["counters"]:
        if c["group"] == group and c["name"] == name:
            if as_json:
                print_json(c)
            else:
                print(c["value"])
            return 0
    groups = sorted({c["group"] for c in snap["counters"]})
    raise HamaError(f"job {snap['job']['job_id']} has no counter {group}/{name} (groups: {', '.join(groups)})")


def _nonneg(text: str, what: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise UsageError(f"{what} must be an integer, got {text!r}") from None
    if n < 0:
        raise UsageError(f"{what} must be >= 0, got {n}")
    return n


def _events(conf: HamaConfiguration, job_id: str, start: str, count: str, as_json: bool) -> int:
    first, n = _nonneg(start, "FROM"), _nonneg(count, "N")
    snap = job_snapshot(conf, job_id)
    events = [s for s in snap["supersteps"] if s["superstep"] >= first][:n]
    if as_json:
        print_json(events)
        return 0
    print(f"Superstep events of {snap['job']['job_id']}: {len(events)} from superstep {first}")
    print("Superstep\tSlowestPeer\tMaxComputeMs\tMaxWaitMs\tMessages\tPeers(compute/sync ms)")
    for s in events:
        per = " ".join(f"{r['peer']}:{r['compute_ms']}/{r['sync_ms']}" for r in s["peers"])
        print(f"{s['superstep']}\t{s['slowest_peer']}\t{s['max_compute_ms']}\t{s['max_sync_ms']}\t"
              f"{s['messages_sent']}\t{per}")
    return 0


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


def _history(conf: HamaConfiguration, where: str, as_json: bool) -> int:
    from ..web.history import list_records, read_record

    if where.startswith(("job_", "application_")) and "/" not in where:
        rec = read_record(conf, where)
        rec.pop("_location", None)
        if as_json:
            print_json(rec)
        else:
            print_record(rec)
        return 0
    records = list_records(conf, where)
    if as_json:
        print_json([r["job"] | {"location": r["_location"]} for r in records])
        return 0
    print(f"{len(records)} jobs in {where}")
    print("JobId\tState\tSupersteps\tStartTime\tUserName\tName")
    for r in records:
        j = r["job"]
        print(f"{j['job_id']}\t{j['state']}\t{j['superstep']}\t{_when(j['start_time_ms'])}\t{j['user']}\t{j['name']}")
    return 0


def print_record(rec: dict[str, Any]) -> None:
    """A history record for humans: job fields, peers, then Hama's ``Counters: N`` block."""
    from ..client import Counters

    j = rec["job"]
    print(f"Job: {j['job_id']}")
    print(f"Job name: {j['name']}")
    print(f"Job state: {j['state']}")
    print(f"Supersteps: {j['superstep']}")
    print(f"User: {j['user']}")
    print(f"Started: {_when(j['start_time_ms'])}")
    print(f"Finished: {_when(j['finish_time_ms'])}")
    print(f"Elapsed: {j['elapsed_s']}s")
    if j.get("app_id"):
        print(f"Application: {j['app_id']}")
    if j.get("diagnostics"):
        print(f"Diagnostics: {j['diagnostics']}")
    print(f"Peers: {j['num_peers']}")
    for p in rec["peers"]:
        print(f"  peer {p['index']}\t{p['state']}\tsuperstep {p['superstep']}\t{p['host']}\t{p['container']}")
    print(Counters({(c["group"], c["name"]): int(c["value"]) for c in rec["counters"]}).format())


def _grooms(conf: HamaConfiguration, job_id: str, as_json: bool) -> int:
    mode = (conf.get("bsp.master.address") or "local").strip()
    if not job_id and (mode == "cluster" or ":" in mode):  # the grooms of a bspmaster (hama_yarn/daemons)
        from ..daemons.client import print_grooms

        return print_grooms(conf, as_json)
    if job_id:
        targets = [job_id]
    else:
        targets = [e["job_id"] for e in list_jobs(conf) if not e.get("final_state") and e.get("ui_url")]
    rows = []
    for jid in targets:
        try:
            snap = job_snapshot(conf, jid)
        except HamaError:
            if job_id:
                raise
            continue
        if job_id or snap["job"]["state"] in ("PREP", "RUNNING"):
            for p in snap["peers"]:
                rows.append({"job_id": snap["job"]["job_id"], "peer": p["index"], "host": p["host"],
                             "name": p["name"], "container": p["container"], "state": p["state"]})
    if as_json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['name'] or r['host']}\t{r['job_id']}\tpeer {r['peer']}\t{r['container']}\t{r['state']}")
    return 0


def list_json(conf: HamaConfiguration, show_all: bool) -> int:
    """``hama job -list [all] --json``: jobs in the registry (and their state) as JSON."""
    rows = []
    for e in list_jobs(conf):
        state = e.get("final_state")
        if not state:
            try:
                state = job_snapshot(conf, e["job_id"])["job"]["state"]
            except (HamaError, KeyError):
                state = "LOST"
        if show_all or state in ("PREP", "RUNNING"):
            rows.append({"job_id": e["job_id"], "state": state, "name": e.get("name") or "", "user": e.get("user") or "",
                         "submitted": e.get("submitted", 0), "app_id": e.get("app_id", ""),
                         "ui_url": e.get("ui_url", "")})
    print_json(rows)
    return 0


def status_json(conf: HamaConfiguration, job_id: str) -> int:
    """``hama job -status ID --json``: the job, its peers and counters."""
    snap = job_snapshot(conf, job_id)
    print_json({k: snap[k] for k in ("job", "peers", "counters") if k in snap})
    return 0
