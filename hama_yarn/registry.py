"""Where jobs live on the submitting machine: staging directories and the job registry.

Layout under ``${hama.tmp.dir}`` (private to the user, mode 0700)::

    staging/<job_id>/      job.json, the job secret, master.json, shipped files;
                           removed when the job is over (or by the next client run)
    jobs/<job_id>.json     the registry entry: id, name, user, address, secret, pid,
                           submitted, app id and tracking URL on YARN; once the job
                           is over also final_state, superstep, counters, diagnostics
    jobs/<job_id>.log      the master's log of a detached local job
    jobs/<job_id>/         peer-NNNNN.log: each local peer's stderr (``hama logs``)

The registry is what ``hama job -list|-status|-kill`` read, so it outlives the
master: the status of a finished job comes from here.  Job ids are allocated here
too, by exclusive creation of the entry, so they are unique per registry (Hama's
``job_<yyyyMMddHHmm>_<NNNN>``).  This module sits below the client, the
launchers and the master, which all need it.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from .config import HamaConfiguration
from .errors import JobSubmissionError
from .util import write_json_atomic

log = logging.getLogger(__name__)

__all__ = [
    "FINISHED",
    "tmp_dir",
    "staging_dir",
    "registry_dir",
    "new_job_dir",
    "register",
    "record_final_state",
    "list_jobs",
    "find_job",
    "master_log_path",
    "job_log_dir",
    "note",
    "clean_stale_staging",
    "current_user",
    "pid_alive",
]

#: Final job states.
FINISHED = ("SUCCEEDED", "FAILED", "KILLED")

_ID = re.compile(r"^job_(\d{12})_(\d{4,})$")


def tmp_dir(conf: HamaConfiguration) -> Path:
    """``hama.tmp.dir`` (``/tmp/hama`` when unset)."""
    return Path(conf.get("hama.tmp.dir") or "/tmp/hama")


def staging_dir(conf: HamaConfiguration) -> Path:
    """``${hama.tmp.dir}/staging``: one private directory per job being submitted or running."""
    return tmp_dir(conf) / "staging"


def registry_dir(conf: HamaConfiguration) -> Path:
    """``${hama.tmp.dir}/jobs``: one entry per job this machine submitted."""
    return tmp_dir(conf) / "jobs"


def master_log_path(conf: HamaConfiguration, job_id: str) -> Path:
    """Where a detached local master writes its log (kept with the registry entry)."""
    return registry_dir(conf) / f"{job_id}.log"


def job_log_dir(conf: HamaConfiguration, job_id: str) -> Path:
    """Where a local job's peers log their stderr (``peer-NNNNN.log``; kept with the registry entry)."""
    return registry_dir(conf) / job_id


def note(conf: HamaConfiguration, job_id: str, **fields: Any) -> None:
    """Add *fields* to an existing registry entry (best effort; a missing entry is left alone)."""
    path = registry_dir(conf) / f"{job_id}.json"
    if path.exists():
        try:
            _update(path, fields)
        except OSError:
            log.debug("cannot update the job registry", exc_info=True)


def current_user() -> str:
    """The submitting user's name (``HADOOP_USER_NAME`` wins, as in Hadoop)."""
    name = os.environ.get("HADOOP_USER_NAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _mkdir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _allocate_id(conf: HamaConfiguration) -> str:
    """A job id no entry of the registry has, reserved by creating its entry exclusively."""
    reg = registry_dir(conf)
    _mkdir(reg)
    stamp = time.strftime("%Y%m%d%H%M")
    used = [int(m.group(2)) for p in reg.glob(f"job_{stamp}_*.json") if (m := _ID.match(p.stem))]
    n = max(used, default=0) + 1
    for _ in range(100000):
        job_id = f"job_{stamp}_{n:04d}"
        try:
            fd = os.open(reg / f"{job_id}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            n += 1
            continue
        with open(fd, "w") as f:
            json.dump({"job_id": job_id, "reserved": time.time(), "user": current_user()}, f)
        return job_id
    raise JobSubmissionError(f"cannot allocate a job id in {reg}")


def new_job_dir(conf: HamaConfiguration, reserve: bool = True) -> tuple[str, Path]:
    """Allocate a job id and create its private staging directory.

    Parameters
    ----------
    conf : HamaConfiguration
        Gives ``hama.tmp.dir``.
    reserve : bool
        Reserve the id in the registry (local jobs: the id is the job's id). YARN jobs
        take their id from the application id, so their staging id is not reserved.

    Returns
    -------
    tuple
        ``(job_id, staging directory)``.
    """
    staging = staging_dir(conf)
    _mkdir(staging)
    if reserve:
        job_id = _allocate_id(conf)
        path = staging / job_id
        path.mkdir(mode=0o700, exist_ok=True)
        return job_id, path
    stamp = time.strftime("%Y%m%d%H%M%S")
    for n in range(1, 100000):
        job_id = f"stage_{stamp}_{os.getpid()}_{n:04d}"
        try:
            (staging / job_id).mkdir(mode=0o700)
        except FileExistsError:
            continue
        return job_id, staging / job_id
    raise JobSubmissionError(f"cannot allocate a staging directory in {staging}")


def _update(path: Path, fields: dict[str, Any]) -> None:
    entry: dict[str, Any] = {}
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    entry.update(fields)
    write_json_atomic(path, entry)


def register(conf: HamaConfiguration, job_id: str, **fields: Any) -> None:
    """Create or complete the registry entry of *job_id* (``address``, ``secret``, ``name``, ...)."""
    reg = registry_dir(conf)
    _mkdir(reg)
    fields.setdefault("submitted", time.time())
    fields.setdefault("user", current_user())
    _update(reg / f"{job_id}.json", {"job_id": job_id, **fields})


def record_final_state(conf: HamaConfiguration, job_id: str, state: str, superstep: int,
                       counters: list[list[Any]] | None = None, diagnostics: str | None = None,
                       user: str | None = None) -> None:
    """Note a job's end in its registry entry (best effort: a read-only registry is logged, not raised).

    Parameters
    ----------
    conf : HamaConfiguration
        Gives ``hama.tmp.dir``.
    job_id : str
        The job.
    state : str
        ``SUCCEEDED``, ``FAILED`` or ``KILLED``.
    superstep : int
        Supersteps completed.
    counters : list, optional
        ``[[group, name, value], ...]``.
    diagnostics : str, optional
        Why it failed.
    user : str, optional
        The job's user, if the entry lacks it.
    """
    path = registry_dir(conf) / f"{job_id}.json"
    if not path.exists():
        return
    fields: dict[str, Any] = {"final_state": state, "superstep": superstep, "finished": time.time()}
    if counters is not None:
        fields["counters"] = counters
    if diagnostics is not None:
        fields["diagnostics"] = diagnostics
    try:
        entry = json.loads(path.read_text())
        if entry.get("final_state") and entry.get("counters") and counters is None:
            return  # the master already recorded the whole story
        if user and not entry.get("user"):
            fields["user"] = user
        entry.update(fields)
        write_json_atomic(path, entry)
    except (OSError, ValueError):
        log.debug("cannot update the job registry", exc_info=True)


def list_jobs(conf: HamaConfiguration) -> list[dict[str, Any]]:
    """Registry entries, newest first (a reserved id that never started is skipped)."""
    reg = registry_dir(conf)
    out = []
    for p in sorted(reg.glob("job_*.json")) if reg.is_dir() else []:
        try:
            entry = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        if "address" in entry or "final_state" in entry:
            out.append(entry)
    return sorted(out, key=lambda e: (e.get("submitted", 0), e.get("job_id", "")), reverse=True)


def find_job(conf: HamaConfiguration, job_id: str) -> dict[str, Any] | None:
    """The registry entry of *job_id* (by job id or YARN application id), or None."""
    if job_id.startswith("job_") and "/" not in job_id:  # its own file: no scan of the whole registry
        try:
            entry = json.loads((registry_dir(conf) / f"{job_id}.json").read_text())
        except (OSError, ValueError):
            entry = None
        if isinstance(entry, dict) and ("address" in entry or "final_state" in entry):
            return entry
    for entry in list_jobs(conf):
        if job_id in (entry.get("job_id"), entry.get("app_id")):
            return entry
    return None


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(conf: HamaConfiguration, min_age: float = 60.0) -> list[str]:
    """Remove staging directories of jobs that are over (they hold the job secret).

    A directory is stale when its job has a final state in the registry, or when no
    live process owns it (its master, or the submitting client) and it is older than
    *min_age* seconds.  Returns the removed job ids.
    """
    staging = staging_dir(conf)
    if not staging.is_dir():
        return []
    removed = []
    now = time.time()
    for d in staging.iterdir():
        if not d.is_dir():
            continue
        try:
            age = now - d.stat().st_mtime
        except OSError:
            continue
        entry = find_job(conf, d.name) if d.name.startswith("job_") else None
        owner = None
        for name in ("master.json", "owner.json"):
            try:
                owner = int(json.loads((d / name).read_text())["pid"])
                break
            except (OSError, ValueError, KeyError, TypeError):
                continue
        finished = bool(entry and entry.get("final_state"))
        orphan = age > min_age and (owner is None or not pid_alive(owner))
        if finished or orphan:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
    if removed:
        log.debug("removed stale staging directories: %s", ", ".join(removed))
    return removed
