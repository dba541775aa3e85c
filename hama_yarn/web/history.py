"""Job history: one JSON record per finished job in ``hama.job.history.dir``.

The master writes the record once the job is over and its counters are complete:
the web UI's snapshot (job, peers, supersteps, counters, configuration) plus the
tail of each peer's log.  ``hama history`` lists and shows records and renders
one as static HTML pages (the same pages the live UI serves).

Default location: ``${hama.tmp.dir}/history`` on the local disk for local jobs;
on YARN the same path on the default filesystem (``fs.defaultFS``), as the AM
writes from the cluster.
"""

from __future__ import annotations

import json
import logging
import posixpath
from pathlib import Path
from typing import Any

from ..config import HamaConfiguration
from ..errors import HamaError

log = logging.getLogger(__name__)

__all__ = ["history_dirs", "write_record", "list_records", "read_record", "HistorySource", "render_static"]


def _local_default(conf: HamaConfiguration) -> str:
    return str(Path(conf.get("hama.tmp.dir") or "/tmp/hama") / "history")


def history_dirs(conf: HamaConfiguration, mode: str | None = None) -> list[str]:
    """Where records are written (*mode* given: that mode's one place) or looked for (all places)."""
    explicit = (conf.get("hama.job.history.dir") or "").strip()
    if explicit:
        return [explicit]
    local = "file://" + _local_default(conf)
    if mode is None:
        places = [local]
        try:
            from ..io.fs import default_fs

            fs_url = default_fs(conf)
        except Exception:  # noqa: BLE001 - no cluster configuration
            fs_url = ""
        if fs_url and not fs_url.startswith("file:"):
            places.append(fs_url.rstrip("/") + _local_default(conf))
        return places
    if mode == "yarn":
        from ..io.fs import qualify

        return [qualify(_local_default(conf), conf)]
    return [local]


def write_record(conf: HamaConfiguration, record: dict[str, Any]) -> str:
    """Write *record* as ``<history dir>/<job id>.json``; returns its URL (raises :class:`HamaError`)."""
    from ..io.fs import resolve

    mode = (conf.get("bsp.master.address") or "local").strip()
    base = history_dirs(conf, mode)[0]
    job_id = record["job"]["job_id"]
    fs, path = resolve(base, conf)
    try:
        fs.makedirs(path, exist_ok=True)
        target = posixpath.join(path, f"{job_id}.json")
        with fs.open(target + ".tmp", "wb") as f:
            f.write(json.dumps(record, separators=(",", ":")).encode())
        if fs.exists(target):
            fs.rm(target)
        fs.mv(target + ".tmp", target)
    except (OSError, ValueError) as exc:
        raise HamaError(f"cannot write the job history record of {job_id} to {base}: {exc}") from exc
    return f"{base.rstrip('/')}/{job_id}.json"


def _records_in(base: str, conf: HamaConfiguration) -> list[tuple[str, Any, str]]:
    from ..io.fs import resolve

    try:
        fs, path = resolve(base, conf)
        names = [n for n in fs.ls(path, detail=False) if str(n).endswith(".json")] if fs.exists(path) else []
    except Exception as exc:  # noqa: BLE001 - an unreachable filesystem is skipped with a note
        log.info("job history in %s not readable: %s", base, exc)
        return []
    return [(base, fs, str(n)) for n in names]


def _load(fs: Any, name: str) -> dict[str, Any] | None:
    try:
        with fs.open(name, "rb") as f:
            data = json.loads(f.read())
        return data if isinstance(data, dict) and "job" in data else None
    except (OSError, ValueError) as exc:
        log.warning("skipping unreadable history record %s: %s", name, exc)
        return None


def list_records(conf: HamaConfiguration, where: str | None = None) -> list[dict[str, Any]]:
    """Records (newest first) in *where* or in every history directory; each gains ``_location``."""
    out = []
    for base in [where] if where else history_dirs(conf):
        for b, fs, name in _records_in(base, conf):
            rec = _load(fs, name)
            if rec is not None:
                rec["_location"] = f"{b.rstrip('/')}/{posixpath.basename(name)}"
                out.append(rec)
    return sorted(out, key=lambda r: (r["job"].get("start_time_ms", 0), r["job"]["job_id"]), reverse=True)


def read_record(conf: HamaConfiguration, ident: str, where: str | None = None) -> dict[str, Any]:
    """The record of job *ident* (job id or YARN application id), or of the file *ident*.

    Raises
    ------
    HamaError
        No such record.
    """
    if ident.endswith(".json"):
        from ..io.fs import resolve

        fs, path = resolve(ident, conf)
        rec = _load(fs, path)
        if rec is None:
            raise HamaError(f"{ident} is not a job history record")
        return rec
    if ident.startswith("application_"):
        ident = "job_" + ident.split("_", 1)[1]
    for rec in list_records(conf, where):
        if rec["job"]["job_id"] == ident:
            return rec
    raise HamaError(f"no job history record of {ident} in {where or ', '.join(history_dirs(conf))}")


class HistorySource:
    """A history record as the web UI's data source (read-only: nothing to kill)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def snapshot(self) -> dict[str, Any]:
        return self.record

    def peer_logs(self, peer: int | None, lines: int) -> list[dict[str, Any]]:
        logs = list(self.record.get("logs") or [])
        return [e for e in logs if peer is None or e.get("peer") == peer]

    def kill(self, reason: str) -> bool:
        return False


def render_static(record: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write every page of *record* as static HTML (``index.html``, ``peers.html``, ...)."""
    from .pages import PAGES, render_page  # here: a master writing its record renders nothing

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for route, _ in PAGES:
        page = out / (f"{route}.html" if route else "index.html")
        page.write_text(render_page(route, record, record.get("logs") or [], suffix=".html", live=False))
        written.append(page)
    return written
