"""``hama.zookeeper.acl=sasl`` on the secured profile's ZooKeeper (SASL/Kerberos authentication provider).

The job's kazoo sessions log in with the user's Kerberos ticket (GSSAPI through pure-sasl, the
``kerberos`` extra) and its znodes are owned by ``sasl:hama`` (and the job's digest identity, for peers
without a ticket). Another Kerberos principal, another digest identity or an anonymous client can neither
read, write, create under nor delete them; a session holding only the job's principal (no digest) can.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kazoo.exceptions import NoAuthError, NotEmptyError
from kazoo.security import OPEN_ACL_UNSAFE, make_acl

from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration
from hama_yarn.sync import zkacl
from hama_yarn.sync.zkcommon import connect, stop
from hama_yarn.sync.zksasl import MECHANISM, sasl_options
from tests.cluster import secure
from tests.cluster.cluster import ClusterInfo
from tests.sync.zkutil import kazoo_client

pytestmark = [pytest.mark.secure]

SLOW = str(Path(__file__).resolve().parents[1] / "sync" / "jobs" / "zk_slow.py")
#: what the secured ZooKeeper calls hama@HAMA.TEST (kerberos.removeHostFromPrincipal/RealmFromPrincipal)
OWNER = "hama"


def _conf(tmp: Path, env: dict[str, str], root: str) -> HamaConfiguration:
    old = os.environ.pop("HAMA_CONF_DIR", None)
    try:
        conf = HamaConfiguration()
    finally:
        if old is not None:
            os.environ["HAMA_CONF_DIR"] = old
    conf.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    conf.set("hama.sync.client.class", "zookeeper")
    conf.set("hama.sync.server.class", "zookeeper")
    conf.set("hama.zookeeper.quorum", env["HAMA_ZOOKEEPER_QUORUM"])
    conf.set("hama.zookeeper.acl", "sasl")
    conf.set("hama.zookeeper.sasl.principal", OWNER)
    conf.set("hama.zookeeper.sasl.server.principal", env["HAMA_SECURE_ZK_PRINCIPAL"])
    conf.set("bsp.zookeeper.root", root)
    return conf


def _kinit(env: dict[str, str], name: str, cache: Path) -> None:
    keytab = Path(env["HAMA_SECURE_KEYTAB_DIR"]) / f"{name}.keytab"
    principal = secure.principal(name)
    r = subprocess.run(["kinit", "-kt", str(keytab), principal], env=dict(env, KRB5CCNAME=f"FILE:{cache}"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def _sasl_client(conf: HamaConfiguration, quorum: str, **kwargs: Any) -> Any:
    options = sasl_options(conf, quorum, "test client")
    assert options is not None and options["mechanism"] == MECHANISM
    return kazoo_client(quorum, sasl_options=options, **kwargs)


def _wait_for_peers(zk: Any, path: str, n: int) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            peers = zk.get_children(f"{path}/peers")
        except Exception:  # noqa: BLE001 - not created yet
            peers = []
        if len(peers) >= n:
            return list(peers)
        time.sleep(0.2)
    raise AssertionError(f"the peers of {path} never registered")


def _refused(foreign: Any, path: str, peer: str) -> None:
    for read in (lambda: foreign.get(path), lambda: foreign.get_children(path),
                 lambda: foreign.get(f"{path}/peers/{peer}"), lambda: foreign.get_children(f"{path}/sync")):
        with pytest.raises(NoAuthError):
            read()
    with pytest.raises(NoAuthError):
        foreign.set(path, b"hijacked")
    with pytest.raises(NoAuthError):
        foreign.create(f"{path}/intruder", b"x")
    with pytest.raises(NoAuthError):
        foreign.delete(f"{path}/peers/{peer}")
    with pytest.raises(NoAuthError):
        foreign.delete(f"{path}/sync", recursive=True)
    with pytest.raises((NoAuthError, NotEmptyError)):
        foreign.delete(path)
    with pytest.raises(NoAuthError):
        foreign.set_acls(path, OPEN_ACL_UNSAFE)


def test_job_session_logs_in_with_kerberos(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                           tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A session of the job (zkcommon.connect) is ``sasl:hama`` to ZooKeeper: it reads a znode only that
    principal may read; without a ticket the same session falls back to the digest identity alone."""
    conf = _conf(tmp_path, secure_env, "/unused")
    quorum = secure_env["HAMA_ZOOKEEPER_QUORUM"]
    probe = f"/hama-sasl-probe-{os.getpid()}"
    caplog.set_level(logging.INFO, logger="hama_yarn.sync.zksasl")
    zk = connect(conf, "job session", "s3cret")
    try:
        assert "logs in with Kerberos" in caplog.text
        zk.create(probe, b"only-hama", acl=[make_acl("sasl", OWNER, all=True)])
        assert zk.get(probe)[0] == b"only-hama"
        with kazoo_client(quorum, auth_data=list(zkacl.auth_data(conf, "s3cret"))) as digest_only:
            with pytest.raises(NoAuthError):
                digest_only.get(probe)
    finally:
        try:
            zk.delete(probe)
        finally:
            stop(zk)
    caplog.clear()
    os.environ["KRB5CCNAME"] = f"FILE:{tmp_path / 'no-ticket'}"  # secure_env's monkeypatch restores it
    assert sasl_options(conf, quorum, "no ticket") is None
    assert "digest identity only" in caplog.text


def _submit_slow(conf: HamaConfiguration, root: str) -> tuple[BSPJob, str]:
    """A 2-peer job that runs ~20 s, submitted; and its znode path."""
    job = BSPJob(conf, f"{SLOW}:Slow")
    job.set_num_bsp_task(2)
    job.set("test.steps", 400)
    job.set("test.sleep", 0.05)
    job.submit()
    return job, f"{root}/{job.get_job_id()}"


def _intruders_refused(conf: HamaConfiguration, quorum: str, path: str, peer: str, other_cache: Path) -> None:
    """Another principal (nn/localhost@HAMA.TEST: sasl:nn to ZooKeeper), no auth and another digest are
    all refused on the job's znodes."""
    own_cache = os.environ["KRB5CCNAME"]
    os.environ["KRB5CCNAME"] = f"FILE:{other_cache}"
    try:
        with _sasl_client(conf, quorum) as other:
            _refused(other, path, peer)
    finally:
        os.environ["KRB5CCNAME"] = own_cache
    for auth in ([], [("digest", "someone:else")]):
        with kazoo_client(quorum, auth_data=auth) as foreign:
            _refused(foreign, path, peer)


def _znodes_gone(conf: HamaConfiguration, quorum: str, path: str, root: str) -> None:
    """The killed job removed its own znodes through the ACL; the test's root goes too."""
    with _sasl_client(conf, quorum) as zk:
        deadline = time.monotonic() + 30
        while zk.exists(path) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert zk.exists(path) is None
        zk.delete(root, recursive=True)


def test_sasl_acl_keeps_other_principals_out(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                             tmp_path: Path) -> None:
    root = f"/hama-sasl-test-{os.getpid()}"
    quorum = secure_env["HAMA_ZOOKEEPER_QUORUM"]
    conf = _conf(tmp_path, secure_env, root)
    job, path = _submit_slow(conf, root)
    other_cache = tmp_path / "krb5cc_nn"
    _kinit(secure_env, "nn", other_cache)
    try:
        secret = job._job().handle.secret
        user, _ = zkacl.job_credential(secret)
        with _sasl_client(conf, quorum) as own:  # Kerberos only: no digest identity
            names = _wait_for_peers(own, path, 2)
            for znode in (path, f"{path}/peers/{names[0]}", f"{path}/sync"):
                acl = own.get_acls(znode)[0]
                assert [(a.id.scheme, a.perms) for a in acl] == [("sasl", 31), ("digest", 31)], znode
                assert acl[0].id.id == OWNER and acl[1].id.id.startswith(f"{user}:")
            own.create(f"{path}/owner-probe", b"x")  # the job's principal may write and delete
            own.set(f"{path}/owner-probe", b"y")
            own.delete(f"{path}/owner-probe")
        _intruders_refused(conf, quorum, path, names[0], other_cache)
        assert job._job().status().state == "RUNNING"  # untouched by the intruders
    finally:
        job.kill_job()
        job.wait_for_completion(verbose=False)
    _znodes_gone(conf, quorum, path, root)


def test_default_acl_on_secured_quorum_is_sasl(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                               tmp_path: Path) -> None:
    """``hama.zookeeper.acl`` unset (auto) with a ticket on the secured quorum: the submitting client settles it
    to sasl, owned by its principal in both forms ZooKeeper may map it to (hama@HAMA.TEST, hama) plus the job's
    digest; no server principal is configured (127.0.0.1 is canonicalized to localhost, as Java's client does).
    Another principal, no auth or another digest can neither read, write nor delete the job's znodes; the
    user's own Kerberos session (no secret) can."""
    root = f"/hama-auto-acl-test-{os.getpid()}"
    quorum = secure_env["HAMA_ZOOKEEPER_QUORUM"]
    conf = _conf(tmp_path, secure_env, root)
    for key in ("hama.zookeeper.acl", "hama.zookeeper.sasl.principal", "hama.zookeeper.sasl.server.principal"):
        conf.unset(key)  # the defaults: auto, no principals
    job, path = _submit_slow(conf, root)
    other_cache = tmp_path / "krb5cc_nn"
    _kinit(secure_env, "nn", other_cache)
    principal = secure.principal("hama")
    try:
        with _sasl_client(conf, quorum) as own:  # the user's ticket only: no digest identity
            names = _wait_for_peers(own, path, 2)
            for znode in (path, f"{path}/peers/{names[0]}", f"{path}/sync"):
                acl = own.get_acls(znode)[0]
                assert [(a.id.scheme, a.id.id) for a in acl[:2]] == [("sasl", principal), ("sasl", OWNER)], znode
                assert [a.id.scheme for a in acl[2:]] == ["digest"] and all(a.perms == 31 for a in acl), znode
            own.create(f"{path}/owner-probe", b"x")
            own.delete(f"{path}/owner-probe")
        _intruders_refused(conf, quorum, path, names[0], other_cache)
        assert job._job().status().state == "RUNNING"
    finally:
        job.kill_job()
        job.wait_for_completion(verbose=False)
    _znodes_gone(conf, quorum, path, root)


def test_auto_acl_settles_to_digest_without_a_ticket(secure_cluster: ClusterInfo, secure_env: dict[str, str],
                                                     tmp_path: Path) -> None:
    """No ticket (or an unsecured quorum: no ZooKeeper principal in the KDC): auto settles to digest, and an
    explicit sasl without a principal keeps the user's name; a ticket fills the principal's forms in."""
    from hama_yarn.sync import settle_conf
    from hama_yarn.sync.zksasl import kerberos_identity

    conf = _conf(tmp_path, secure_env, "/unused")
    conf.set("hama.zookeeper.acl", "auto")
    conf.set("hama.zookeeper.sasl.principal", "")
    conf.set("hama.zookeeper.sasl.server.principal", "")
    quorum = secure_env["HAMA_ZOOKEEPER_QUORUM"]
    assert kerberos_identity(conf, quorum) == secure.principal("hama")
    wrong = conf.copy()
    wrong.set("hama.zookeeper.sasl.server.principal", "zookeeper/no-such-host@HAMA.TEST")  # unknown to the KDC
    assert kerberos_identity(wrong, quorum) is None
    settle_conf(wrong)
    assert wrong.get("hama.zookeeper.acl") == "digest"
    os.environ["KRB5CCNAME"] = f"FILE:{tmp_path / 'no-ticket'}"  # secure_env's monkeypatch restores it
    no_ticket = conf.copy()
    settle_conf(no_ticket)
    assert no_ticket.get("hama.zookeeper.acl") == "digest"
    assert [a.id.scheme for a in zkacl.job_acl(no_ticket, "s3cret")] == ["digest"]
    explicit = conf.copy()
    explicit.set("hama.zookeeper.acl", "sasl")
    settle_conf(explicit)
    assert [(a.id.scheme, a.id.id) for a in zkacl.job_acl(explicit, "s3cret")][0][0] == "sasl"
