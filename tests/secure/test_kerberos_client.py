"""hama_yarn.launcher.yarn.kerberos without a cluster: when a Hadoop configuration is Kerberized, which
filesystems get delegation tokens, and that a simple-auth cluster needs no credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError
from hama_yarn.launcher.yarn import kerberos


def _conf_dir(tmp_path: Path, auth: str | None) -> Path:
    prop = f"<property><name>hadoop.security.authentication</name><value>{auth}</value></property>" if auth else ""
    (tmp_path / "core-site.xml").write_text(f"<configuration>{prop}</configuration>")
    return tmp_path


@pytest.mark.parametrize("auth, expected", [("kerberos", True), ("KERBEROS", True), ("simple", False), (None, False)])
def test_security_enabled_reads_core_site(tmp_path: Path, auth: str | None, expected: bool) -> None:
    assert kerberos.security_enabled(_conf_dir(tmp_path, auth)) is expected


def test_login_on_simple_cluster_needs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HADOOP_CONF_DIR", str(_conf_dir(tmp_path, "simple")))
    conf = HamaConfiguration()
    conf.set(kerberos.KEY_KEYTAB, str(tmp_path / "absent.keytab"))  # ignored (with a warning) on a simple cluster
    assert kerberos.login(conf) is None


def test_login_on_kerberos_cluster_checks_the_keytab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HADOOP_CONF_DIR", str(_conf_dir(tmp_path, "kerberos")))
    conf = HamaConfiguration()
    conf.set(kerberos.KEY_KEYTAB, str(tmp_path / "absent.keytab"))
    with pytest.raises(kerberos.KerberosError, match="absent.keytab does not exist"):
        kerberos.login(conf)


def test_file_systems_from_key_and_job_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HADOOP_CONF_DIR", str(_conf_dir(tmp_path, "kerberos")))
    conf = HamaConfiguration()
    conf.set("fs.defaultFS", "hdfs://nn1:8020")
    conf.set(kerberos.KEY_FILESYSTEMS, "hdfs://nn2:8020, webhdfs://nn3:9870/some/path")
    conf.set("bsp.input.dir", "hdfs://nn2:8020/in/a,/relative/on/default")
    conf.set("bsp.output.dir", "file:///tmp/out")
    assert kerberos.file_systems(conf) == ["hdfs://nn2:8020", "webhdfs://nn3:9870", "hdfs://nn1:8020"]


def test_file_systems_rejects_a_non_hadoop_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HADOOP_CONF_DIR", str(_conf_dir(tmp_path, None)))
    conf = HamaConfiguration()
    conf.set(kerberos.KEY_FILESYSTEMS, "file:///tmp")
    with pytest.raises(ConfigError, match="hama.job.filesystems"):
        kerberos.file_systems(conf)
