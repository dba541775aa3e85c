"""TLS and secrets on YARN (the real ResourceManager/NodeManager of tests/cluster).

A job with ``hama.rpc.tls.enabled`` runs on YARN (its per-job certificate shipped to the
containers like the secret); while it runs, neither the job secret nor the TLS private key
is in the application's report, its specification (the containers' environment) or the
skein key-value store; after it, neither is in any container log.
"""

from __future__ import annotations

import json
import re
import ssl
import urllib.error
import urllib.request
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import get, start_gated
from tests.yarn.conftest import ROOT, hama, wait_final, yarn_env  # noqa: F401 - yarn_env is a fixture

pytestmark = pytest.mark.yarn

SLOW = str(ROOT / "tests" / "yarn" / "jobs" / "slow.py")
LOGS = ROOT / "tests" / "cluster" / ".work" / "data" / "yarn" / "logs"


def test_tls_job_on_yarn_keeps_secrets_out(yarn_env: dict[str, str], skein_client: Any) -> None:  # noqa: F811
    env = yarn_env
    p = hama(env, "run", str(ROOT / "examples" / "hello.py"), "-r", "yarn", "-n", "2",
             "-D", "hama.rpc.tls.enabled=true")
    assert p.returncode == 0, p.stderr
    app_id = re.search(r"Submitted application (\S+)", p.stderr).group(1)  # type: ignore[union-attr]
    master_log = "".join(f.read_text(errors="replace") for f in (LOGS / app_id).rglob("*.log"))
    assert "mutual TLS on the job's connections" in master_log

    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", SLOW, "-n", "2", "-r", "yarn",
           "-D", "hama.rpc.tls.enabled=true", "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stderr is not None
    seen = ""
    try:
        for line in proc.stderr:
            seen += line
            if "Current supersteps number: 2" in line:
                break
        job_id = re.search(r"Running job: (\S+)", seen).group(1)  # type: ignore[union-attr]
        slow_app = "application_" + job_id[4:]
        entry = json.loads((Path(env["HAMA_TMP"]) / "jobs" / f"{job_id}.json").read_text())
        secret = entry["secret"]
        key_pem = Path(entry["tls"]["key"]).read_text()
        key_body = "".join(key_pem.strip().splitlines()[1:-1])[:40]
        app = skein_client.connect(slow_app)
        seen_by_yarn = [str(skein_client.application_report(slow_app)), str(app.get_specification().to_dict()),
                        repr(dict(app.kv.items()))]
        for text in seen_by_yarn:
            assert secret not in text and key_body not in text
    finally:
        proc.terminate()
        proc.communicate(timeout=120)
    wait_final(skein_client, slow_app)
    for app_dir in (LOGS / app_id, LOGS / slow_app):
        for f in app_dir.rglob("*"):
            if f.is_file():
                text = f.read_text(errors="replace")
                assert secret not in text and key_body not in text, f


def test_tls_web_ui_on_yarn_is_https_with_the_job_certificate(yarn_env: dict[str, str], hama_tmp: Path,
                                                                skein_client: Any) -> None:  # noqa: F811
    """With TLS the YARN job's UI is served over HTTPS with the per-job certificate and reached directly.

    Not through the RM proxy: the Tracking UI is skein's AM, whose page proxy (Jetty 9.2's ProxyServlet) has
    no TLS client (it answered 502 for an https page), and Hadoop 3.4's WebAppProxyServlet trusts only the
    JVM's CAs, or with yarn.resourcemanager.application-https.policy=LENIENT/STRICT certificates its ProxyCA
    issued to the AM (a per-job self-signed certificate is neither). So no page is registered with skein and
    the client prints the direct HTTPS URL (token added by the client, never stored in YARN).
    """
    job = start_gated(hama_tmp, yarn_env, "-r", "yarn", "-D", "hama.rpc.tls.enabled=true", peers=2)
    try:
        job.wait_url(240)
        assert job.url.startswith("https://") and "/t/" in job.url and "/proxy/" not in job.url, job.url
        entry = json.loads((hama_tmp / "jobs" / f"{job.job_id}.json").read_text())
        app_id = "application_" + job.job_id[4:]
        token = job.url.split("/t/", 1)[1].strip("/")
        assert token not in repr(dict(skein_client.connect(app_id).kv.items()))
        trusting = ssl.create_default_context(cafile=entry["tls"]["ca"])
        trusting.check_hostname = False  # the per-job CA is the pin; the certificate names no host (made at submit)
        with urllib.request.urlopen(job.url + "api/v1/job", timeout=30, context=trusting) as resp:
            assert resp.status == 200 and job.job_id in resp.read().decode()
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(job.url + "api/v1/job", timeout=30, context=ssl.create_default_context())
        with pytest.raises((urllib.error.URLError, ConnectionError)):  # plaintext is not served
            urllib.request.urlopen(job.url.replace("https://", "http://") + "api/v1/job", timeout=30).read()
        tracking = str(skein_client.application_report(app_id).tracking_url).rstrip("/")
        code, _ = get(f"{tracking if '://' in tracking else 'http://' + tracking}/pages/hama/")
        assert code == 404  # no page in the Tracking UI that could only fail
    finally:
        job.stop.touch()
        try:
            job.proc.wait(240)
        except subprocess.TimeoutExpired:
            job.proc.kill()
