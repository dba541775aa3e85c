"""Headless Chromium opens the overview and the superstep timeline of a running job."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import BackgroundJob

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (tests/cluster/install.py installs it)")
def test_overview_and_timeline_render_in_chromium(local_job: BackgroundJob, tmp_path: Path) -> None:
    local_job.wait_superstep(10)
    for page, shot in (("", "overview.png"), ("supersteps", "timeline.png")):
        dom = _chromium(tmp_path / "profile", "--dump-dom", local_job.url + page)
        assert dom.returncode == 0, dom.stderr[-2000:]
        html = dom.stdout
        assert "<svg" in html and 'id="timeline"' in html
        # a non-empty chart: compute segments for every peer lane
        assert html.count('class="compute"') >= 3
        assert all(f">peer {i}</text>" in html for i in range(3))
        png = tmp_path / shot
        r = _chromium(tmp_path / "profile", f"--screenshot={png}", "--window-size=1280,900",
                      "--hide-scrollbars", local_job.url + page)
        assert r.returncode == 0 and png.exists() and png.stat().st_size > 10_000, r.stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
