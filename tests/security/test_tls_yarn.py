"""TLS and secrets on YARN (the real ResourceManager/NodeManager of tests/cluster).

A job with ``hama.rpc.tls.enabled`` runs on YARN (its per-job certificate shipped to the
containers like the secret); while it runs, neither the job secret nor the TLS private key
is in the application's report, its specification (the containers' environment) or the
skein key-value store; after it, neither is in any container log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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
