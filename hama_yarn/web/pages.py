"""HTML pages of the master's web UI, rendered server-side from a job snapshot.

Every link is relative (``peers``, ``api/v1/job``), so the pages work at any path
prefix: directly (``/t/<token>/``), behind the YARN RM proxy
(``/proxy/<app>/pages/hama/``) and as static files (``suffix=".html"``).
Charts are inline SVG; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import html
import time
from typing import Any

__all__ = ["render_page", "PAGES", "STYLE"]

#: (route, title) of every page, in menu order; the overview's route is ''.
PAGES = (("", "Overview"), ("peers", "Peers"), ("supersteps", "Supersteps"), ("counters", "Counters"),
         ("conf", "Configuration"), ("logs", "Logs"))

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#24364b;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline}
header h1{font-size:17px;margin:0;font-weight:600}
nav a{color:#cfe0f5;margin-right:14px;text-decoration:none}nav a.on{color:#fff;font-weight:600;border-bottom:2px solid #fff}
main{padding:16px 20px;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:8px 0 18px;box-shadow:0 1px 2px #0001}
th,td{padding:4px 10px;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.state{font-weight:600;padding:1px 6px;border-radius:3px;color:#fff}
.RUNNING{background:#2f7bd0}.SUCCEEDED{background:#2e9d5b}.FAILED{background:#c73a3a}.KILLED{background:#8a5a00}
.PREP,.PENDING{background:#888}
pre{background:#0f1720;color:#d8e1ea;padding:10px;overflow:auto;max-height:480px;font-size:12px}
.bar{background:#dde5ee;height:10px;width:320px;display:inline-block;vertical-align:middle}
.bar i{display:block;height:10px;background:#2f7bd0}
.muted{color:#6b7785}.slow{background:#fff1e0}
form{display:inline}button{background:#c73a3a;color:#fff;border:0;padding:4px 12px;border-radius:3px;cursor:pointer}
"""

#: The stylesheet of every page (the bspmaster's cluster page too).
STYLE = _CSS

_COMPUTE, _WAIT, _SLOW = "#2f7bd0", "#c9d4df", "#e8711a"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


def _link(route: str, suffix: str) -> str:
    if not route:
        return "index.html" if suffix else "./"
    return route + suffix


def _layout(snap: dict[str, Any], route: str, title: str, body: str, suffix: str, live: bool) -> str:
    job = snap["job"]
    nav = "".join(
        f'<a href="{_link(r, suffix)}"{" class=on" if r == route else ""}>{_e(t)}</a>' for r, t in PAGES
    )
    refresh = '<meta http-equiv="refresh" content="2">' if live and job["state"] in ("PREP", "RUNNING") else ""
    api = "" if suffix else f' · <a href="api/v1/{route or "job"}">JSON</a>'
    return (
        "<!DOCTYPE html><html><head><meta charset=utf-8>"
        f"<title>{_e(job['name'] or job['job_id'])} · {_e(title)} · Hama BSP</title>{refresh}"
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(job['name'] or '-')} <span class=muted>{_e(job['job_id'])}</span></h1>"
        f'<span class="state {_e(job["state"])}" id=job-state>{_e(job["state"])}</span><nav>{nav}</nav></header>'
        f"<main><h2>{_e(title)}</h2>{body}"
        f"<p class=muted>hama-yarn {_e(job.get('version', ''))} · snapshot {_when(snap.get('snapshot_time_ms', 0))}"
        f"{api}</p></main></body></html>"
    )


def _overview(snap: dict[str, Any], suffix: str, live: bool) -> str:
    job = snap["job"]
    expected = job.get("expected_supersteps") or 0
    progress = ""
    if expected:
        pct = min(100, int(100 * job["superstep"] / expected))
        progress = f'<div class=bar title="{pct}%"><i style="width:{pct}%"></i></div> {pct}% of {expected}'
    elapsed = job.get("elapsed_s", 0.0)
    rows = [
        ("State", f'<span class="state {_e(job["state"])}">{_e(job["state"])}</span>'),
        ("Supersteps", f'<span id=supersteps>{_e(job["superstep"])}</span> {progress}'),
        ("Peers", f'{_e(job["num_peers"])} ({_e(job.get("peers_done", 0))} done)'),
        ("User", _e(job["user"])),
        ("Started", _when(job["start_time_ms"])),
        ("Finished", _when(job["finish_time_ms"])),
        ("Elapsed", f"{int(elapsed // 60)}m{elapsed % 60:04.1f}s"),
        ("Mode", _e(job.get("mode", ""))),
        ("Output", _e(job.get("output_dir") or "-")),
    ]
    if job.get("app_id"):
        rows.append(("YARN application", _e(job["app_id"])))
    table = "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    diag = f"<h3>Diagnostics</h3><pre>{_e(job['diagnostics'])}</pre>" if job.get("diagnostics") else ""
    kill = ""
    if live and not suffix and job["state"] in ("PREP", "RUNNING"):
        kill = ('<form method=post action="api/v1/job/kill" onsubmit="return killJob(this)">'
                "<button type=submit>Kill job</button></form>" + _KILL_JS)
    chart = _timeline_svg(snap["supersteps"], job["num_peers"], width=900, rows_max=16)
    return table + kill + diag + f'<h3>Superstep timeline</h3>{chart}<p><a href="{_link("supersteps", suffix)}">details</a></p>'


#: The kill button sends ``PUT`` (the YARN RM proxy forwards GET and PUT, not POST); without
#: JavaScript the form still posts, which works on the master's own address.
_KILL_JS = """<script>
function killJob(form) {
  if (!confirm('Kill this job?')) return false;
  fetch(form.action, {method: 'PUT', headers: {Accept: 'application/json'}})
    .then(function (r) { return r.json(); })
    .then(function (j) { form.outerHTML = '<p>' + (j.killed ? 'Kill requested.' : 'The job is not running.') + '</p>'; })
    .catch(function (e) { form.outerHTML = '<p>Kill failed: ' + e + '</p>'; });
  return false;
}
</script>"""


def _peers(snap: dict[str, Any]) -> str:
    head = ("<tr><th>#</th><th>Host</th><th>Container</th><th>State</th><th>Superstep</th><th>Last heartbeat</th>"
            "<th>Msgs sent</th><th>Msgs received</th><th>Sync ms</th><th>RSS MiB</th><th>Peer name</th></tr>")
    rows = []
    for p in snap["peers"]:
        age = p.get("last_heartbeat_age_s")
        seen = f"{_when(p['last_heartbeat_ms'])} <span class=muted>({age}s ago)</span>" if age is not None else "-"
        container = _e(p.get("container") or "-")
        if p.get("logs_url"):
            container = f'<a href="{_e(p["logs_url"])}">{container}</a>'
        rows.append(
            f"<tr class=peer-row><td class=n>{p['index']}</td><td>{_e(p['host'] or '-')}</td><td>{container}</td>"
            f'<td><span class="state {_e(p["state"])}">{_e(p["state"])}</span></td><td class=n>{p["superstep"]}</td>'
            f"<td>{seen}</td><td class=n>{p['messages_sent']}</td><td class=n>{p['messages_received']}</td>"
            f"<td class=n>{p.get('time_in_sync_ms', 0)}</td><td class=n>{p.get('rss_kb', 0) / 1024:.1f}</td>"
            f"<td>{_e(p['name'] or '-')}</td></tr>"
        )
        if p.get("diagnostics"):
            rows.append(f"<tr><td></td><td colspan=10><pre>{_e(p['diagnostics'])}</pre></td></tr>")
    return f"<table id=peers>{head}{''.join(rows)}</table>"


def _timeline_svg(steps: list[dict[str, Any]], num_peers: int, width: int = 1100, rows_max: int = 64) -> str:
    """Per peer a lane; per superstep a compute segment (slowest peer highlighted) then the barrier wait."""
    steps = steps[-300:]
    lanes = min(num_peers, rows_max)
    if not steps:
        return "<p class=muted>No superstep has ended yet.</p>"
    lane_h, left, top = 18, 60, 8
    totals = [0] * lanes
    for s in steps:
        for r in s["peers"]:
            if r["peer"] < lanes:
                totals[r["peer"]] += r["compute_ms"] + r["sync_ms"]
    scale = (width - left - 10) / max(1, max(totals))
    parts = []
    x = [0.0] * lanes
    for s in steps:
        for r in s["peers"]:
            i = r["peer"]
            if i >= lanes:
                continue
            y = top + i * lane_h
            cw, ww = r["compute_ms"] * scale, r["sync_ms"] * scale
            color = _SLOW if i == s["slowest_peer"] and len(s["peers"]) > 1 else _COMPUTE
            tip = f"superstep {s['superstep']}, peer {i}: compute {r['compute_ms']} ms, sync {r['sync_ms']} ms"
            parts.append(f'<rect class=compute x="{left + x[i]:.1f}" y="{y}" width="{max(cw, 0.6):.1f}" height="{lane_h - 4}" '
                         f'fill="{color}"><title>{tip}</title></rect>')
            if ww > 0.3:
                parts.append(f'<rect class=wait x="{left + x[i] + cw:.1f}" y="{y}" width="{ww:.1f}" height="{lane_h - 4}" '
                             f'fill="{_WAIT}"><title>{tip}</title></rect>')
            x[i] += cw + ww
    labels = "".join(f'<text x="4" y="{top + i * lane_h + 11}" font-size="11">peer {i}</text>' for i in range(lanes))
    height = top + lanes * lane_h + 28
    total_ms = max(totals)
    axis = (f'<text x="{left}" y="{height - 8}" font-size="11">0</text>'
            f'<text x="{width - 10}" y="{height - 8}" font-size="11" text-anchor="end">{total_ms / 1000:.2f} s</text>')
    legend = (f'<text x="{left + 60}" y="{height - 8}" font-size="11">'
              f'<tspan fill="{_COMPUTE}">■</tspan> compute  <tspan fill="{_SLOW}">■</tspan> slowest peer  '
              f'<tspan fill="#9aa8b6">■</tspan> sync / barrier wait · last {len(steps)} supersteps</text>')
    return (f'<svg id=timeline xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="background:#fff">{labels}{"".join(parts)}{axis}{legend}</svg>')


def _supersteps(snap: dict[str, Any]) -> str:
    steps = snap["supersteps"]
    chart = _timeline_svg(steps, snap["job"]["num_peers"])
    head = ("<tr><th>Superstep</th><th>Slowest peer</th><th>Max compute ms</th><th>Max wait ms</th>"
            "<th>p50 wait ms</th><th>Messages sent</th></tr>")
    rows = "".join(
        f"<tr class=step-row><td class=n>{s['superstep']}</td><td class=n>{s['slowest_peer']}</td>"
        f"<td class=n>{s['max_compute_ms']}</td><td class=n>{s['max_sync_ms']}</td><td class=n>{s['p50_sync_ms']}</td>"
        f"<td class=n>{s['messages_sent']}</td></tr>"
        for s in reversed(steps[-500:])
    )
    return chart + f"<table id=supersteps>{head}{rows}</table>"


def _counters(snap: dict[str, Any]) -> str:
    rows, last = [], None
    for c in snap["counters"]:
        group = _e(c["group"]) if c["group"] != last else ""
        last = c["group"]
        rows.append(f"<tr class=counter-row><td>{group}</td><td>{_e(c['name'])}</td><td class=n>{c['value']}</td></tr>")
    return f"<p>Counters: {len(snap['counters'])}</p><table id=counters><tr><th>Group</th><th>Counter</th><th>Total</th></tr>{''.join(rows)}</table>"


def _conf(snap: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr class=conf-row><td>{_e(c['key'])}</td><td>{_e(c['value'])}</td><td>{_e(c['source'])}</td></tr>"
        for c in snap["conf"]
    )
    return f"<table id=conf><tr><th>Key</th><th>Value</th><th>Source</th></tr>{rows}</table>"


def _logs(logs: list[dict[str, Any]]) -> str:
    if not logs:
        return "<p class=muted>No peer logs (inline mode, or no peer has written one yet).</p>"
    out = []
    for entry in logs:
        where = _e(entry.get("source", ""))
        out.append(f"<h3>Peer {entry['peer']} <span class=muted>{where}</span></h3><pre class=log>{_e(entry['text'])}</pre>")
    return "".join(out)


def render_page(route: str, snap: dict[str, Any], logs: list[dict[str, Any]] | None = None,
                suffix: str = "", live: bool = True) -> str:
    """The HTML of page *route* (``''``, ``peers``, ...) for *snap*; ``KeyError`` for an unknown route."""
    titles = dict(PAGES)
    title = titles[route]
    if route == "":
        body = _overview(snap, suffix, live)
    elif route == "peers":
        body = _peers(snap)
    elif route == "supersteps":
        body = _supersteps(snap)
    elif route == "counters":
        body = _counters(snap)
    elif route == "conf":
        body = _conf(snap)
    else:
        body = _logs(logs or [])
    return _layout(snap, route, title, body, suffix, live)
