"""Jobs on the secured profile (tests/cluster/secure.py): Kerberos HDFS + YARN, delegation tokens in containers.

* PageRank (vectorized reader) from HDFS to HDFS on YARN with ``--keytab`` and *no* ticket cache: it succeeds,
  its result matches networkx, and the NameNode saw the containers authenticate with the job's delegation
  token (``auth:TOKEN``), not with Kerberos.
* Without a ticket (or with a half-given or unreadable keytab): one clear line, exit 2, no application.
* With the ticket cache (``kinit``), SequenceFile input: the job succeeds and the RM's application report does
  not contain the job secret.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.cluster import ClusterInfo

from .conftest import ACTIVE, ROOT, hama, rm_app, rm_apps

pytestmark = [pytest.mark.secure]

KARATE = ROOT / "examples" / "data" / "karate.txt"
NO_TICKET = "no valid Kerberos ticket: run kinit or pass --keytab"

#: runs the CLI in a child process and writes the job secret it generated to argv[1] (the test's only way to
#: know the secret: the client never prints it)
SECRET_SPY = """\
import sys
import hama_yarn.launcher.yarn.submit as submit
real, seen = submit.new_secret, []
def spy():
    seen.append(real())
    return seen[-1]
submit.new_secret = spy
from hama_yarn.cli.main import main
rc = main(sys.argv[2:])
open(sys.argv[1], "w").write(seen[0] if seen else "")
sys.exit(rc)
"""


def _upload(url: str, source: Path) -> None:
    from hama_yarn.io.fs import resolve

    fs, path = resolve(url)
    fs.pipe_file(path, source.read_bytes())


def _upload_sequencefile(dir_url: str) -> None:
    """The karate graph as Hama's graph SequenceFile input (Text -> TextArrayWritable), two parts, on HDFS."""
    import numpy as np

    from hama_yarn.graph.generators import write_sequencefile

    edges = [(int(v), int(u)) for line in KARATE.read_text().splitlines()
             for v, _, rest in [line.partition("\t")] for u in rest.split()]
    src, dst = (np.array(col, dtype=np.int64) for col in zip(*edges))
    write_sequencefile(dir_url, 34, src, dst, parts=2)


def _ranks(url: str) -> dict[str, float]:
    from hama_yarn.io.fs import resolve

    fs, path = resolve(url)
    assert fs.exists(f"{path}/_SUCCESS")
    ranks: dict[str, float] = {}
    for part in sorted(p for p in fs.ls(path, detail=False) if p.rsplit("/", 1)[-1].startswith("part-")):
        for line in fs.cat_file(part).decode().splitlines():
            key, _, value = line.partition("\t")
            assert key not in ranks, f"vertex {key} written twice"
            ranks[key] = float(value)
    return ranks


def _networkx_ranks() -> dict[str, float]:
    import networkx as nx

    g = nx.DiGraph()
    for line in KARATE.read_text().splitlines():
        v, _, rest = line.partition("\t")
        g.add_node(v)
        g.add_edges_from((v, u) for u in rest.split())
    return dict(nx.pagerank(g, alpha=0.85, tol=1e-13, max_iter=1000))


def _app_id(stderr: str) -> str:
    m = re.search(r"Submitted application (application_\d+_\d+)", stderr)
    assert m, stderr
    return m.group(1)


def _token_logins(info: ClusterInfo) -> int:
    """NameNode log lines of the user authenticating with a delegation token (what the containers do)."""
    text = (info.log_dir / "namenode.log").read_text(errors="replace")
    return text.count("Auth successful for hama@HAMA.TEST (auth:TOKEN)")


def _no_active_hama_apps(info: ClusterInfo) -> None:
    active = [a["id"] for a in rm_apps(info, ACTIVE) if "hama" in (a.get("applicationTags") or "").split(",")]
    assert not active, f"applications left running: {active}"


def test_pagerank_hdfs_with_keytab_on_kerberos_yarn(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                                    secure_hdfs_dir: str, tmp_path: Path) -> None:
    inp, out = f"{secure_hdfs_dir}/in/karate.txt", f"{secure_hdfs_dir}/ranks"
    _upload(inp, KARATE)
    env = dict(secure_env, KRB5CCNAME=f"FILE:{tmp_path / 'no-such-cache'}")  # the keytab is the only credential
    tokens_before = _token_logins(secure_cluster)
    r = hama(env, "graph", "pagerank-graphalytics", "-i", inp, "-o", out, "-n", "2", "--iterations", "100",
             "--vectorized", "-r", "yarn", "--principal", env["HAMA_SECURE_USER_PRINCIPAL"],
             "--keytab", env["HAMA_SECURE_USER_KEYTAB"])
    assert r.returncode == 0, r.stderr
    assert "LOAD_NANOS=" in r.stderr, r.stderr  # the vectorized (numpy) reader ran in the containers
    report = rm_app(secure_cluster, _app_id(r.stderr))
    assert (report["state"], report["finalStatus"]) == ("FINISHED", "SUCCEEDED"), report
    assert report["user"] == "hama", report  # the keytab's principal, not the OS user
    expected = _networkx_ranks()
    ranks = _ranks(out)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-8), v
    # the peers read and wrote HDFS with the job's delegation token (no Kerberos credentials in containers)
    assert _token_logins(secure_cluster) > tokens_before
    _no_active_hama_apps(secure_cluster)


@pytest.mark.parametrize("case", ["no-ticket", "principal-without-keytab", "missing-keytab"])
def test_no_credentials_clear_error_exit_2(case: str, secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                           tmp_path: Path) -> None:
    env = dict(secure_env, KRB5CCNAME=f"FILE:{tmp_path / 'no-such-cache'}")
    extra = {"no-ticket": [],
             "principal-without-keytab": ["--principal", env["HAMA_SECURE_USER_PRINCIPAL"]],
             "missing-keytab": ["--keytab", str(tmp_path / "absent.keytab")]}[case]
    expected = {"no-ticket": NO_TICKET, "principal-without-keytab": "needs --keytab",
                "missing-keytab": "does not exist or is not readable"}[case]
    before = {a["id"] for a in rm_apps(secure_cluster)}
    r = hama(env, "graph", "pagerank-graphalytics", "-i", f"{env['HAMA_HDFS_URL']}/tmp/in", "-o",
             f"{env['HAMA_HDFS_URL']}/tmp/out", "-n", "2", "-r", "yarn", *extra, timeout=60)
    assert r.returncode == 2, r.stderr
    assert expected in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # one line: no Python or Java stack trace
    assert "Exception" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert {a["id"] for a in rm_apps(secure_cluster)} == before  # nothing was submitted


def test_sequencefile_pagerank_ticket_cache_rm_report_has_no_secret(secure_cluster: ClusterInfo,
                                                                    secure_env: dict[str, str],
                                                                    secure_hdfs_dir: str, tmp_path: Path) -> None:
    """The SequenceFile reader with the delegation token, the client on the ticket cache (kinit)."""
    import subprocess
    import sys

    inp, out = f"{secure_hdfs_dir}/seq", f"{secure_hdfs_dir}/ranks"
    _upload_sequencefile(inp)
    secret_file = tmp_path / "secret"
    cmd = [sys.executable, "-c", SECRET_SPY, str(secret_file), "graph", "pagerank-graphalytics", "-i", inp, "-o", out,
           "--format", "sequencefile", "-n", "2", "--iterations", "100", "-r", "yarn",
           "-D", f"hama.tmp.dir={secure_env['HAMA_TMP']}"]
    r = subprocess.run(cmd, env=secure_env, capture_output=True, text=True, timeout=300, cwd=ROOT)  # kinit'ed cache
    assert r.returncode == 0, r.stderr
    secret = secret_file.read_text()
    assert len(secret) >= 16, "the spy saw no job secret"
    app_id = _app_id(r.stderr)
    report: dict[str, Any] = rm_app(secure_cluster, app_id)
    assert (report["state"], report["finalStatus"]) == ("FINISHED", "SUCCEEDED"), report
    expected = _networkx_ranks()
    ranks = _ranks(out)
    assert set(ranks) == set(expected)
    for v, x in expected.items():
        assert ranks[v] == pytest.approx(x, abs=1e-8), v
    text = json.dumps(report)
    assert app_id in text  # the report is the real one ...
    assert secret not in text  # ... and the secret is not in it
    assert secret not in r.stderr
    _no_active_hama_apps(secure_cluster)
