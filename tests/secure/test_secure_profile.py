"""The secured profile itself: ZooKeeper authenticates a Kerberos (SASL/GSSAPI) client; HDFS refuses a client
without a ticket (so the jobs' successes in test_secure_yarn.py really went through Kerberos)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cluster.cluster import ClusterInfo

pytestmark = [pytest.mark.secure]


def test_zookeeper_authenticates_sasl_client(secure_cluster: ClusterInfo, secure_env: dict[str, str]) -> None:
    java = Path(secure_env["JAVA_HOME"]) / "bin" / "java"
    cmd = [str(java), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", "/usr/share/java/zookeeper.jar:/usr/share/java/*",
           f"-Djava.security.krb5.conf={secure_env['KRB5_CONFIG']}",
           f"-Djava.security.auth.login.config={secure_env['HAMA_SECURE_ZK_CLIENT_JAAS']}",
           f"-Dzookeeper.server.principal={secure_env['HAMA_SECURE_ZK_PRINCIPAL']}",
           "org.apache.zookeeper.ZooKeeperMain", "-server", secure_env["HAMA_ZOOKEEPER_QUORUM"], "whoami"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert "sasl: hama" in r.stdout, r.stdout + r.stderr  # the server mapped the GSSAPI identity hama@HAMA.TEST
    assert "SaslAuthenticated" in r.stdout + r.stderr


def test_hdfs_refuses_client_without_ticket(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                            tmp_path: Path) -> None:
    code = ("import sys\nfrom hdfs_native import Client\ntry:\n    Client(sys.argv[1]).get_file_info('/')\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n    sys.exit(3)\n")
    import sys

    env = dict(secure_env, KRB5CCNAME=f"FILE:{tmp_path / 'no-such-cache'}")
    r = subprocess.run([sys.executable, "-c", code, env["HAMA_HDFS_URL"]], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "credentials" in r.stdout.lower(), r.stdout  # GSS_S_NO_CRED: no Kerberos credentials available
