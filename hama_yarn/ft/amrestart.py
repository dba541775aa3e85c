"""A restarted master resumes its job: the YARN ApplicationMaster's attempts (``hama.yarn.am.max.attempts``).

YARN starts the ApplicationMaster again when its container dies (node lost, process
killed, out of memory) while attempts remain.  The new attempt runs the same master
code; this module tells it where the job stands, from what is on the job's
filesystem under its checkpoint directory
(:func:`~hama_yarn.ft.settings.checkpoint_root`):

* the latest committed checkpoint (:meth:`CheckpointStore.latest_committed`), and
  what the master recorded with it (its attempt, recoveries, checkpoint counters);
  the job resumes from there, or from the start when there is none;
* ``_am_final.json``: an attempt whose job *ended* (FAILED or KILLED) while YARN
  attempts remain leaves this record, because skein does not unregister such an
  attempt and YARN would run the job again; the next attempt only reports the
  recorded end (:func:`final_record`).

Nothing here is specific to skein: ``am.py`` of the YARN launcher calls it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from ..errors import CheckpointError
from .settings import FTSettings, checkpoint_root

log = logging.getLogger(__name__)

__all__ = ["ResumePoint", "am_max_attempts", "am_attempt_of", "resume_point", "final_record", "write_final_record",
           "FINAL_RECORD"]

#: File (in the job's checkpoint directory) of an ended job whose ApplicationMaster YARN would restart.
FINAL_RECORD = "_am_final.json"

_CONTAINER = re.compile(r"^container_(?:e\d+_)?\d+_\d+_(\d+)_\d+$")


def am_max_attempts(conf: Any) -> int:
    """``hama.yarn.am.max.attempts``; unset: 2 with ``bsp.ft.enabled``, else 1."""
    value = (conf.get("hama.yarn.am.max.attempts") or "").strip()
    if value:
        return max(1, int(conf.get_int("hama.yarn.am.max.attempts")))
    return 2 if conf.get_bool("bsp.ft.enabled", False) else 1


def am_attempt_of(container_id: str) -> int:
    """The application attempt of a YARN container id (``container_[e<n>_]<ts>_<app>_<attempt>_<n>``); 1 if unknown."""
    m = _CONTAINER.match(container_id or "")
    return int(m.group(1)) if m else 1


@dataclass(frozen=True)
class ResumePoint:
    """Where a restarted master resumes its job.

    Attributes
    ----------
    am_attempt : int
        The ApplicationMaster attempt (>= 2).
    attempt : int
        Job attempt of the peers it starts (above every earlier one).
    superstep : int
        Checkpoint to restore (0: the start).
    recoveries, checkpoint_bytes, checkpoint_ms : int
        Counters recorded with that checkpoint.
    """

    am_attempt: int
    attempt: int
    superstep: int
    recoveries: int = 0
    checkpoint_bytes: int = 0
    checkpoint_ms: int = 0


def _root(conf: Any, job_id: str) -> tuple[Any, str]:
    from ..io import fs as _fs

    return _fs.resolve(checkpoint_root(conf, job_id), conf)


def resume_point(conf: Any, job_id: str, am_attempt: int) -> ResumePoint:
    """Where the job of a restarted master (attempt *am_attempt* >= 2) resumes.

    Raises
    ------
    CheckpointError
        The checkpoint directory cannot be listed.
    """
    superstep, info = 0, {}
    if FTSettings.from_conf(conf).checkpoints:
        from .store import CheckpointStore

        store = CheckpointStore(checkpoint_root(conf, job_id), conf)
        superstep = store.latest_committed()
        if superstep:
            info = store.committed_info(superstep)
    attempt = max(int(info.get("attempt", 0)) + 1, am_attempt - 1)
    return ResumePoint(am_attempt, attempt, superstep, int(info.get("recoveries", 0)),
                       int(info.get("checkpoint_bytes", 0)), int(info.get("checkpoint_ms", 0)))


def final_record(conf: Any, job_id: str) -> dict[str, str] | None:
    """The end an earlier attempt recorded (``{"state", "diagnostics"}``), or None."""
    try:
        fs, path = _root(conf, job_id)
        with fs.open(f"{path}/{FINAL_RECORD}", "rb") as f:
            data = json.loads(f.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s of %s: %s", FINAL_RECORD, job_id, exc)
        return None
    if not isinstance(data, dict) or "state" not in data:
        return None
    return {"state": str(data["state"]), "diagnostics": str(data.get("diagnostics", ""))}


def write_final_record(conf: Any, job_id: str, state: str, diagnostics: str) -> None:
    """Record that the job ended (*state*), for the attempt YARN starts next.

    Raises
    ------
    CheckpointError
        The record cannot be written (naming the directory).
    """
    fs, path = _root(conf, job_id)
    try:
        fs.makedirs(path, exist_ok=True)
        with fs.open(f"{path}/{FINAL_RECORD}", "wb") as f:
            f.write(json.dumps({"state": state, "diagnostics": diagnostics}).encode())
    except OSError as exc:
        raise CheckpointError(f"cannot record the end of {job_id} in {path}: {exc}") from exc


def remove_job_dir(conf: Any, job_id: str) -> None:
    """Remove the job's checkpoint directory (its records included); best effort."""
    try:
        fs, path = _root(conf, job_id)
        if fs.exists(path):
            fs.rm(path, recursive=True)
    except OSError as exc:
        log.warning("removing the checkpoint directory of %s failed: %s", job_id, exc)
