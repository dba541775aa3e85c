"""The web UI and JSON API of a running local job; access control; history; CLI verbs with exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.web.conftest import ROOT, BackgroundJob, get, get_json

PAGES = ["", "peers", "supersteps", "counters", "conf", "logs"]


def _counters_block(stderr: str) -> dict[tuple[str, str], int]:
    block = stderr[stderr.rindex("Counters: "):]
    out, group = {}, ""
    for line in block.splitlines()[1:]:
        if line.startswith("    "):
            name, _, value = line.strip().partition("=")
            out[(group, name)] = int(value)
        elif line.startswith("  "):
            group = line.strip()
        else:
            break
    return out


def hama(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={tmp}"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_pages_and_api_of_running_local_job(local_job: BackgroundJob) -> None:
    url = local_job.url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/t/[0-9a-f]{40}/", url)
    job = local_job.wait_superstep(5)
    assert job["state"] == "RUNNING" and job["job_id"] == local_job.job_id and job["num_peers"] == 3

    deadline = time.monotonic() + 60
    while True:  # until every peer's heartbeat (every 1 s) has carried its counters and RSS
        peers = get_json(url + "api/v1/peers")
        if all(p["messages_sent"] > 0 and p["rss_kb"] > 0 for p in peers) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert [p["index"] for p in peers] == [0, 1, 2]
    assert all(p["state"] == "RUNNING" and p["container"].startswith("pid ") for p in peers)
    assert all(p["messages_sent"] > 0 and p["rss_kb"] > 0 and p["last_heartbeat_ms"] > 0 for p in peers)

    steps = get_json(url + "api/v1/supersteps")
    complete = [s for s in steps if s["complete"]]
    assert len(complete) >= 3
    # peer 0 sleeps 50 ms per superstep, the others 10 ms: it is the slowest, the others wait for it
    assert sum(s["slowest_peer"] == 0 for s in complete) > len(complete) // 2
    assert all(s["messages_sent"] == 9 for s in complete)

    counters = {(c["group"], c["name"]): c["value"] for c in get_json(url + "api/v1/counters")}
    assert counters[("org.apache.hama.bsp.JobInProgress$JobCounter", "LAUNCHED_TASKS")] == 3
    assert not any(g.startswith("_hama") for g, _ in counters)  # the timeline group never shows

    conf = {c["key"]: c for c in get_json(url + "api/v1/conf")}
    assert conf["test.stop.file"]["source"] == "command line"
    assert conf["bsp.peers.num"]["value"] == "3"
    assert conf["hama.sync.barrier.timeout.ms"]["source"] == "default"

    logs = get_json(url + "api/v1/logs?peer=1&lines=5")
    assert logs[0]["peer"] == 1 and "gated peer 1 superstep" in logs[0]["text"]

    for page in PAGES:
        code, body = get(url + page)
        assert code == 200, (page, body[:300])
        assert local_job.job_id in body and "Gated" in body
        # relative links only: nothing points to an absolute path or another host
        assert not re.search(r'href="(/|https?:)', body), page
    _, peers_html = get(url + "peers")
    assert peers_html.count("class=peer-row") == 3
    _, over = get(url)
    assert "<svg id=timeline" in over and "class=compute" in over
    _, logs_html = get(url + "logs")
    assert "gated peer 2 superstep" in logs_html

    stderr = local_job.finish()
    final = _counters_block(stderr)
    # after the end the master serves until released; the history record holds the final view
    rec = json.loads(next((local_job.tmp / "history").glob("*.json")).read_text())
    assert rec["job"]["state"] == "SUCCEEDED"
    assert {(c["group"], c["name"]): c["value"] for c in rec["counters"]} == final


def test_unauthenticated_requests_are_refused(local_job: BackgroundJob) -> None:
    base = local_job.url.split("/t/")[0]
    token = local_job.url.rstrip("/").rsplit("/", 1)[1]
    for path in ["/", "/peers", "/conf", "/logs", "/api/v1/job", "/api/v1/conf", "/t/" + "0" * 40 + "/conf"]:
        code, body = get(base + path)
        assert code == 403, path
        assert "test.stop.file" not in body
    code, _ = get(base + "/api/v1/job/kill", method="POST")
    assert code == 403
    assert get(base + "/health") == (200, "ok\n")
    # the token as a bearer header works too (scripts)
    code, body = get(base + "/api/v1/job", headers={"Authorization": f"Bearer {token}"})
    assert code == 200 and json.loads(body)["job_id"] == local_job.job_id


def test_kill_from_the_api(local_job: BackgroundJob) -> None:
    local_job.wait_superstep(2)
    code, body = get(local_job.url + "api/v1/job/kill", method="POST")
    assert code == 200 and json.loads(body) == {"killed": True}
    local_job.proc.wait(120)
    assert local_job.proc.returncode == 1
    assert "Job killed: killed from the web UI" in local_job.stderr()


def test_cli_verbs(local_job: BackgroundJob) -> None:
    tmp, jid = local_job.tmp, local_job.job_id
    local_job.wait_superstep(3)
    r = hama(tmp, "job", "-list-active-grooms")
    assert r.returncode == 0 and r.stdout.count(jid) == 3, r
    r = hama(tmp, "job", "-list", "--json")
    assert r.returncode == 0 and [j["job_id"] for j in json.loads(r.stdout)] == [jid]
    r = hama(tmp, "job", "-status", jid, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["job"]["state"] == "RUNNING"
    stderr = local_job.finish()
    final = _counters_block(stderr)
    group = "org.apache.hama.bsp.BSPPeerImpl$PeerCounter"

    r = hama(tmp, "job", "-counter", jid, group, "TOTAL_MESSAGES_SENT")
    assert r.returncode == 0 and int(r.stdout) == final[(group, "TOTAL_MESSAGES_SENT")]
    r = hama(tmp, "job", "-counter", jid, "gated", "SENT_BY_USER", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["value"] == final[("gated", "SENT_BY_USER")]
    r = hama(tmp, "job", "-counter", jid, "gated", "NO_SUCH")
    assert r.returncode == 1 and "no counter gated/NO_SUCH" in r.stderr
    r = hama(tmp, "job", "-counter", "job_200001010000_0001", "g", "n")
    assert r.returncode == 1 and "Could not find job" in r.stderr
    r = hama(tmp, "job", "-counter", jid)
    assert r.returncode == 2

    r = hama(tmp, "job", "-events", jid, "2", "3")
    assert r.returncode == 0
    rows = [line.split("\t") for line in r.stdout.splitlines()[2:]]
    assert [row[0] for row in rows] == ["2", "3", "4"]
    r = hama(tmp, "job", "-events", jid, "0", "2", "--json")
    assert [e["superstep"] for e in json.loads(r.stdout)] == [0, 1]
    assert hama(tmp, "job", "-events", jid, "-1", "2").returncode == 2

    r = hama(tmp, "job", "-history", str(tmp / "history"))
    assert r.returncode == 0 and jid in r.stdout and "SUCCEEDED" in r.stdout
    r = hama(tmp, "job", "-history", jid)
    assert r.returncode == 0 and f"TOTAL_MESSAGES_SENT={final[(group, 'TOTAL_MESSAGES_SENT')]}" in r.stdout
    assert hama(tmp, "job", "-history", "job_200001010000_0001").returncode == 1

    r = hama(tmp, "history")
    assert r.returncode == 0 and jid in r.stdout
    r = hama(tmp, "history", "show", jid, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["job"]["job_id"] == jid
    html_dir = tmp / "offline"
    r = hama(tmp, "history", "show", jid, "--html", str(html_dir))
    assert r.returncode == 0
    assert sorted(p.name for p in html_dir.iterdir()) == [
        "conf.html", "counters.html", "index.html", "logs.html", "peers.html", "supersteps.html"]
    assert "<svg id=timeline" in (html_dir / "index.html").read_text()
    assert 'href="peers.html"' in (html_dir / "index.html").read_text()
    assert hama(tmp, "history", "show").returncode == 2

    r = hama(tmp, "logs", jid, "2", "-n", "3")
    assert r.returncode == 0 and r.stdout.count("gated peer 2 superstep") == 3, r
    r = hama(tmp, "logs", jid)
    assert r.returncode == 0 and all(f"==> peer {i}:" in r.stdout for i in range(3))
    assert hama(tmp, "logs", jid, "7").returncode == 1
    assert hama(tmp, "logs").returncode == 2

    r = subprocess.run([sys.executable, "-m", "hama_yarn.cli.main", "version"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.startswith("hama-yarn ")
    r = hama(tmp, "conf", "bsp.peers.num", "-D", "bsp.peers.num=7")
    assert r.returncode == 0 and "7" in r.stdout and "(command line)" in r.stdout
    r = hama(tmp, "conf", "--json", "-D", "my.secret.password=hunter2")
    assert r.returncode == 0 and "hunter2" not in r.stdout
    assert hama(tmp, "job", "-list", "all").returncode == 0
    assert hama(tmp, "job").returncode == 2


