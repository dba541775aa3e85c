"""Read-only JSON views of a job, as served by ``/api/v1/*`` and kept in the job history.

:func:`build_snapshot` turns what the master knows (its status, counters, the
per-superstep timeline, the resolved configuration) into one JSON-ready dict:

``job``         id, name, user, state, superstep, peers, times, diagnostics, URLs
``peers``       one row per peer: index, host, container, state, superstep, last
                heartbeat, messages sent/received, RSS
``supersteps``  per superstep and peer: compute and sync (barrier) milliseconds
``counters``    ``[{group, name, value}]`` sorted, Hama's groups and names
``conf``        ``[{key, value, source}]``; values of secret-looking keys masked
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from ..config import HamaConfiguration, default_keys

__all__ = ["build_snapshot", "conf_rows", "SOURCES_KEY", "record_sources", "is_secret_key", "MASK"]

#: Configuration key the client sets at submit: ``{layer: [keys]}`` of the keys not at their default.
SOURCES_KEY = "hama.job.conf.sources"
MASK = "******"
_SECRET = re.compile(r"(secret|passw|token|credential|private|\.key$|keytab)", re.IGNORECASE)

_PEER_GROUP = "org.apache.hama.bsp.BSPPeerImpl$PeerCounter"


def is_secret_key(key: str) -> bool:
    """True for keys whose value the UI never shows (passwords, tokens, secrets, keys)."""
    return bool(_SECRET.search(key))


def record_sources(conf: HamaConfiguration) -> None:
    """Store in *conf* which layer (site, command line, code) set each non-default key."""
    layers: dict[str, list[str]] = {}
    for key in conf.to_dict():
        if key == SOURCES_KEY:
            continue
        layer = conf.source(key) or "code"
        if layer != "default":
            layers.setdefault(layer, []).append(key)
    conf.set(SOURCES_KEY, json.dumps({k: sorted(v) for k, v in layers.items()}, separators=(",", ":")))


def conf_rows(conf: HamaConfiguration) -> list[dict[str, str]]:
    """Every resolved key with its value and source; secret values masked."""
    try:
        recorded = json.loads(conf.get(SOURCES_KEY) or "{}")
    except ValueError:
        recorded = {}
    source_of = {key: str(layer) for layer, keys in recorded.items() if isinstance(keys, list) for key in keys}
    defaults = default_keys()
    rows = []
    for key in sorted(conf.to_dict()):
        if key == SOURCES_KEY:
            continue
        try:
            value = conf.get(key) or ""
        except Exception:  # noqa: BLE001 - a bad ${...} reference shows raw
            value = conf.to_dict()[key]
        if key in source_of:
            source = source_of[key]
        elif key in defaults and conf.to_dict()[key] == defaults[key].default:
            source = "default"
        else:
            source = "job"
        rows.append({"key": key, "value": MASK if is_secret_key(key) and value else value, "source": source})
    return rows


def _ms(seconds: float) -> int:
    return int(seconds * 1000) if seconds else 0


def build_snapshot(master: Any, status: Any, counters: dict[tuple[str, str], int],
                   peer_counters: list[dict[tuple[str, str], int]]) -> dict[str, Any]:
    """The JSON view of a job's master (see the module docstring)."""
    now = time.time()
    containers: dict[int, dict[str, str]] = {}
    describe = getattr(master.launcher, "containers", None)
    if callable(describe):
        try:
            containers = describe()
        except Exception:  # noqa: BLE001 - container details are a courtesy
            containers = {}
    pids = getattr(master, "peer_pids", {})
    peers = []
    for p, pc in zip(status.peers, peer_counters):
        info = containers.get(p.index, {})
        peers.append({
            "index": p.index,
            "name": p.name,
            "host": p.host,
            "container": info.get("container_id") or (f"pid {pids[p.index]}" if p.index in pids else ""),
            "logs_url": info.get("logs_url", ""),
            "state": p.state,
            "superstep": p.superstep,
            "last_heartbeat_ms": p.last_seen_ms,
            "last_heartbeat_age_s": round(now - p.last_seen_ms / 1000, 1) if p.last_seen_ms else None,
            "messages_sent": pc.get((_PEER_GROUP, "TOTAL_MESSAGES_SENT"), 0),
            "messages_received": pc.get((_PEER_GROUP, "TOTAL_MESSAGES_RECEIVED"), 0),
            "time_in_sync_ms": pc.get((_PEER_GROUP, "TIME_IN_SYNC_MS"), 0),
            "rss_kb": master.timeline.rss_kb(p.index),
            "diagnostics": p.diagnostics,
        })
    start = status.start_time_ms / 1000 if status.start_time_ms else 0.0
    finish = status.finish_time_ms / 1000 if status.finish_time_ms else 0.0
    expected = master.conf.get_int("hama.job.expected.supersteps", 0) if master.conf.get("hama.job.expected.supersteps") else 0
    job = {
        "job_id": status.job_id,
        "name": status.job_name,
        "user": status.user,
        "state": status.state,
        "superstep": status.superstep,
        "expected_supersteps": expected,
        "num_peers": status.num_peers,
        "peers_done": sum(1 for p in status.peers if p.state == "SUCCEEDED"),
        "start_time_ms": status.start_time_ms,
        "finish_time_ms": status.finish_time_ms,
        "elapsed_s": round((finish or now) - start, 1) if start else 0.0,
        "diagnostics": status.diagnostics,
        "settled": bool(status.settled),
        "master_address": status.master_address,
        "mode": (master.conf.get("bsp.master.address") or "local").strip(),
        "app_id": getattr(master, "app_id", ""),
        "tracking_url": getattr(master, "tracking_url", ""),
        "output_dir": master.conf.get("bsp.output.dir") or "",
        "version": _version(),
    }
    return {
        "job": job,
        "peers": peers,
        "supersteps": master.timeline.to_json(),
        "counters": [{"group": g, "name": n, "value": v} for (g, n), v in sorted(counters.items())],
        "conf": conf_rows(master.conf),
        "snapshot_time_ms": _ms(now),
    }


def _version() -> str:
    from .. import __version__

    return str(__version__)
