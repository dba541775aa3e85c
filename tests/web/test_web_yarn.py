"""The web UI of a running YARN job through the RM proxy URL the client printed."""

from __future__ import annotations

import re
import subprocess
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
        import json

        record = json.loads(r.stdout)
        assert record["job"]["state"] == "SUCCEEDED"
        assert {(c["group"], c["name"]): c["value"] for c in record["counters"]} == final
    finally:
        job.stop.touch()
        try:
            job.proc.wait(240)
        except subprocess.TimeoutExpired:
            job.proc.kill()
