"""The web UI of a running YARN job through the RM proxy URL the client printed."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.web.conftest import get, get_json, start_gated
from tests.web.test_web_local import PAGES, _counters_block
from tests.yarn.conftest import hama, yarn_env  # noqa: F401 - the fixture


def test_pages_and_api_through_the_rm_proxy(yarn_env: dict[str, str], hama_tmp: Path, skein_client: Any) -> None:
    job = start_gated(hama_tmp, yarn_env, "-r", "yarn", peers=2)
    try:
        job.wait_url(240)
        stderr = job.stderr()
        app_id = re.search(r"^Submitted application (\S+)$", stderr, re.M).group(1)  # type: ignore[union-attr]
        tracking = re.search(r"^Tracking URL: (\S+)$", stderr, re.M).group(1)  # type: ignore[union-attr]
        # the UI is a page of the application's Tracking UI, reached through the RM web proxy
        assert job.url == f"{tracking.rstrip('/')}/pages/hama/" and f"/proxy/{app_id}/" in job.url
        assert "/t/" not in job.url  # the token stays between the proxy and the master
        snap = job.wait_superstep(3, timeout=180)
        assert snap["app_id"] == app_id and snap["mode"] == "yarn"
        peers: list[dict[str, Any]] = []
        for _ in range(100):
            peers = get_json(job.url + "api/v1/peers")
            if all(p["rss_kb"] > 0 for p in peers):
                break
        assert [p["index"] for p in peers] == [0, 1]
        assert all(p["container"].startswith("container_") and p["logs_url"].startswith("http") for p in peers)
        for name in ("job", "supersteps", "counters", "conf"):
            get_json(job.url + f"api/v1/{name}")
        logs = get_json(job.url + "api/v1/logs?peer=1&lines=20")
        assert "gated peer 1 superstep" in logs[0]["text"]
        for page in PAGES:
            code, body = get(job.url + page)
            assert code == 200 and job.job_id in body, page
        _, html = get(job.url + "peers")
        assert html.count("class=peer-row") == 2
        final = _counters_block(job.finish(240))
        # the AM wrote the history record on the default filesystem (HDFS): counters as printed
        r = hama(yarn_env, "job", "-history", job.job_id, "--json")
        assert r.returncode == 0, r.stderr
        record = json.loads(r.stdout)
        assert record["job"]["state"] == "SUCCEEDED"
        assert {(c["group"], c["name"]): c["value"] for c in record["counters"]} == final
    finally:
        job.stop.touch()
        try:
            job.proc.wait(240)
        except subprocess.TimeoutExpired:
            job.proc.kill()


def test_kill_through_the_rm_proxy_and_direct_access_refused(yarn_env: dict[str, str], hama_tmp: Path,
                                                              skein_client: Any) -> None:
    """The page's kill (PUT, which the RM proxy forwards) works through the proxy; the AM's own port needs the token."""
    job = start_gated(hama_tmp, yarn_env, "-r", "yarn", peers=2)
    try:
        job.wait_url(240)
        app_id = re.search(r"^Submitted application (\S+)$", job.stderr(), re.M).group(1)  # type: ignore[union-attr]
        job.wait_superstep(2, timeout=180)
        # the master's own web server in the AM: skein's page target carries the token
        target = skein_client.connect(app_id, wait=False).ui.get_pages()["hama"].target
        assert "/t/" in target
        direct = target.split("/t/")[0]
        for path in ["/", "/conf", "/logs", "/api/v1/job", "/api/v1/conf", "/api/v1/logs?peer=0"]:
            code, body = get(direct + path)
            assert code == 403, (path, code)
            assert "test.stop.file" not in body and "gated peer" not in body
        assert get(direct + "/api/v1/job/kill", method="PUT")[0] == 403
        assert get(direct + "/api/v1/job/kill", method="POST")[0] == 403
        assert get(direct + "/health") == (200, "ok\n")
        assert get_json(target.rstrip("/") + "/api/v1/job")["job_id"] == job.job_id
        # the overview's kill button sends PUT; the RM proxy forwards it to the master
        _, overview = get(job.url)
        assert "killJob(this)" in overview and "method: 'PUT'" in overview
        code, body = get(job.url + "api/v1/job/kill", method="PUT", headers={"Accept": "application/json"})
        assert code == 200 and json.loads(body) == {"killed": True}, (code, body[:500])
        job.proc.wait(240)
        assert job.proc.returncode == 1
        assert "killed from the web UI" in job.stderr()
        report = skein_client.application_report(app_id)
        deadline = time.monotonic() + 120
        while report.state not in ("FINISHED", "FAILED", "KILLED") and time.monotonic() < deadline:
            time.sleep(1)
            report = skein_client.application_report(app_id)
        assert report.state in ("FINISHED", "FAILED", "KILLED"), report.state
    finally:
        job.stop.touch()
        if job.proc.poll() is None:
            job.proc.kill()
