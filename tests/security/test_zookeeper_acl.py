"""ZooKeeper ACLs on a job's znodes (``hama.zookeeper.acl``), against the real test ZooKeeper.

While a job runs with the ``zookeeper`` sync service, a foreign kazoo client (no
authentication, or another digest identity) can neither read, write, create under nor
delete the job's znodes; the job's own identity (derived from its secret) can.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from kazoo.exceptions import NoAuthError, NotEmptyError
from kazoo.security import OPEN_ACL_UNSAFE

from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError
from hama_yarn.sync import zkacl
from tests.sync.zkutil import kazoo_client, zk_quorum

pytestmark = pytest.mark.zookeeper

SLOW = str(Path(__file__).resolve().parents[1] / "sync" / "jobs" / "zk_slow.py")


@pytest.fixture
def quorum(request: pytest.FixtureRequest) -> str:
    return zk_quorum(request)


def _conf(tmp: Path, quorum: str, acl: str, root: str) -> HamaConfiguration:
    old = os.environ.pop("HAMA_CONF_DIR", None)
    try:
        conf = HamaConfiguration()
    finally:
        if old is not None:
            os.environ["HAMA_CONF_DIR"] = old
    conf.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    conf.set("hama.sync.client.class", "zookeeper")
    conf.set("hama.sync.server.class", "zookeeper")
    conf.set("hama.zookeeper.quorum", quorum)
    conf.set("hama.zookeeper.acl", acl)
    conf.set("bsp.zookeeper.root", root)
    return conf


def _running(tmp: Path, quorum: str, acl: str, root: str) -> tuple[BSPJob, str]:
    job = BSPJob(_conf(tmp, quorum, acl, root), f"{SLOW}:Slow")
    job.set_num_bsp_task(2)
    job.set("test.steps", 400)
    job.set("test.sleep", 0.05)
    job.submit()
    return job, f"{root}/{job.get_job_id()}"


def _wait_for_peers(zk: object, path: str, n: int) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            peers = zk.get_children(f"{path}/peers")  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - not created yet
            peers = []
        if len(peers) >= n:
            return list(peers)
        time.sleep(0.2)
    raise AssertionError(f"the peers of {path} never registered")


def test_digest_acl_keeps_foreign_clients_out(tmp_path: Path, quorum: str) -> None:
    """The default (auto) on the unsecured test quorum settles to digest (no Kerberos login to it)."""
    root = f"/hama-acl-test-{os.getpid()}"
    job, path = _running(tmp_path, quorum, "auto", root)
    try:
        secret = job._job().handle.secret
        user, password = zkacl.job_credential(secret)
        assert secret not in password  # the secret never reaches ZooKeeper
        with kazoo_client(quorum, auth_data=[("digest", f"{user}:{password}")]) as own:
            names = _wait_for_peers(own, path, 2)
            acl, _ = own.get_acls(path)
            assert [(a.id.scheme, a.perms) for a in acl] == [("digest", 31)]
            child_acl, _ = own.get_acls(f"{path}/peers/{names[0]}")  # a peer's znode (its own session)
            assert [a.id.scheme for a in child_acl] == ["digest"]
            sync_children = own.get_children(f"{path}/sync")
            assert sync_children
            barrier = f"{path}/sync/{sorted(sync_children)[0]}"
            assert [a.id.scheme for a in own.get_acls(barrier)[0]] == ["digest"]  # made on the peers' wire
            assert own.get_acls(root)[0] == OPEN_ACL_UNSAFE  # other jobs still create theirs under the root
        for auth in ([], [("digest", f"{user}:not-the-secret")], [("digest", "someone:else")]):
            with kazoo_client(quorum, auth_data=auth) as foreign:
                assert foreign.exists(path) is not None  # existence is visible (parent's ACL), content is not
                for read in (lambda: foreign.get(path), lambda: foreign.get_children(path),
                             lambda: foreign.get(f"{path}/peers/{names[0]}"),
                             lambda: foreign.get_children(f"{path}/sync")):
                    with pytest.raises(NoAuthError):
                        read()
                with pytest.raises(NoAuthError):
                    foreign.set(path, b"hijacked")
                with pytest.raises(NoAuthError):
                    foreign.create(f"{path}/intruder", b"x")
                with pytest.raises(NoAuthError):
                    foreign.delete(f"{path}/peers/{names[0]}")
                with pytest.raises(NoAuthError):
                    foreign.delete(f"{path}/sync", recursive=True)
                with pytest.raises((NoAuthError, NotEmptyError)):
                    foreign.delete(path)
                with pytest.raises(NoAuthError):
                    foreign.set_acls(path, OPEN_ACL_UNSAFE)
        assert job._job().status().state == "RUNNING"  # untouched by the intruders
    finally:
        job.kill_job()
        job.wait_for_completion(verbose=False)
    with kazoo_client(quorum) as zk:
        deadline = time.monotonic() + 30
        while zk.exists(path) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert zk.exists(path) is None  # the job removed its own znodes through the ACL
        zk.delete(root, recursive=True)


def test_open_acl_and_bad_mode(tmp_path: Path, quorum: str) -> None:
    conf = _conf(tmp_path, quorum, "open", "/x")
    assert zkacl.job_acl(conf, "s3cret") == list(OPEN_ACL_UNSAFE)
    assert zkacl.auth_data(conf, "s3cret") == []
    conf.set("hama.zookeeper.acl", "sasl")
    conf.set("hama.zookeeper.sasl.principal", "hama/admin@EXAMPLE.TEST")
    acl = zkacl.job_acl(conf, "s3cret")
    assert [(a.id.scheme, a.id.id) for a in acl][0] == ("sasl", "hama/admin@EXAMPLE.TEST")
    assert acl[1].id.scheme == "digest"  # peers in YARN containers hold the secret, not a ticket
    conf.set("hama.zookeeper.acl", "world")
    with pytest.raises(ConfigError, match="hama.zookeeper.acl"):
        zkacl.acl_mode(conf)


def test_auto_mode_and_principal_forms(tmp_path: Path, quorum: str) -> None:
    """auto unsettled (a sync service outside a submitted job) is digest; sasl lists several principals; the
    forms a ZooKeeper server may map a principal to (kerberos.removeHostFromPrincipal / RealmFromPrincipal)."""
    from hama_yarn.sync import settle_conf
    from hama_yarn.sync.zksasl import principal_forms

    conf = _conf(tmp_path, quorum, "auto", "/x")
    assert zkacl.acl_mode(conf) == "auto"
    assert [a.id.scheme for a in zkacl.job_acl(conf, "s3cret")] == ["digest"]
    assert zkacl.auth_data(conf, "s3cret") == [("digest", "hama-job:" + zkacl.job_credential("s3cret")[1])]
    settle_conf(conf)  # the test quorum has no Kerberos principal: digest
    assert conf.get("hama.zookeeper.acl") == "digest"
    conf.set("hama.zookeeper.acl", "sasl")
    conf.set("hama.zookeeper.sasl.principal", "alice@R, alice")
    assert [(a.id.scheme, a.id.id) for a in zkacl.job_acl(conf, "s3cret")][:2] == [("sasl", "alice@R"),
                                                                                   ("sasl", "alice")]
    assert principal_forms("alice@R") == ["alice@R", "alice"]
    assert principal_forms("nn/h.example@R") == ["nn/h.example@R", "nn/h.example", "nn@R", "nn"]
    assert principal_forms("bob") == ["bob"]


def test_sasl_session_without_the_sasl_modules_uses_the_digest(tmp_path: Path, quorum: str,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A job process where pure-sasl/kerberos are missing (a container's environment) still opens its session
    with hama.zookeeper.acl=sasl: the digest identity, which the ACL grants, with a warning naming the fix."""
    import logging

    from hama_yarn.errors import SyncError
    from hama_yarn.sync import zksasl
    from hama_yarn.sync.zkcommon import connect, stop

    def missing() -> None:
        raise SyncError("hama.zookeeper.acl=sasl needs pure-sasl: pip install 'hama-yarn[kerberos]'")

    monkeypatch.setattr(zksasl, "_register", missing)
    conf = _conf(tmp_path, quorum, "sasl", "/x")
    conf.set("hama.zookeeper.sasl.principal", "alice")
    path = f"/hama-acl-nosasl-{os.getpid()}"
    caplog.set_level(logging.WARNING, logger="hama_yarn.sync.zkcommon")
    zk = connect(conf, "peer 0", "s3cret")
    try:
        assert "needs pure-sasl" in caplog.text and "digest identity only" in caplog.text
        assert [a.id.scheme for a in zk.default_acl] == ["sasl", "digest"]
        digest_only = [a for a in zk.default_acl if a.id.scheme == "digest"]  # this quorum has no sasl provider
        zk.create(path, b"x", acl=digest_only)
        assert zk.get(path)[0] == b"x"  # the session holds the job's digest identity
        zk.delete(path)
    finally:
        stop(zk)
