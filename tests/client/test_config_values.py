"""Malformed configuration values (issue 11 item 3, issue 22 item 10).

A malformed value is an error wherever it comes from — ``hama-site.xml``, ``-D``, code — even
when a later layer overrides it (``-D bsp.peers.num=abc -n 2`` used to exit 0).  Booleans take
Hadoop's spellings only: ``true`` / ``false`` in any case (``yes`` used to be accepted silently
while ``ture`` was rejected).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hama_yarn import BSPJob
from hama_yarn.client import validate_conf
from hama_yarn.config import HamaConfiguration, check_value, parse_bool
from hama_yarn.errors import ConfigError

from .conftest import ECHO, hama_env, one_error_line, run_hama

JOB = f"{ECHO}:Echo"


def _site(tmp: Path, **values: str) -> Path:
    conf_dir = tmp / "site"
    conf_dir.mkdir()
    props = "".join(f"<property><name>{k.replace('_', '.')}</name><value>{v}</value></property>"
                    for k, v in values.items())
    (conf_dir / "hama-site.xml").write_text(f"<configuration>{props}</configuration>")
    return conf_dir


# ---------------------------------------------------------------- every layer, through the CLI
@pytest.mark.timeout(60)
def test_cli_define_overridden_by_option_still_fails(tmp_path: Path) -> None:
    job = run_hama(tmp_path, "run", JOB, "-n", "2", "-D", "bsp.peers.num=abc", "-o", str(tmp_path / "out"))
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert line.startswith("hama: error: bsp.peers.num: expected an integer, got 'abc' (from -D, overridden by")
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(60)
def test_cli_site_file_overridden_by_define_still_fails(tmp_path: Path) -> None:
    site = _site(tmp_path, bsp_peers_num="x2")
    job = run_hama(tmp_path, "run", JOB, "-D", "bsp.peers.num=2", "-o", str(tmp_path / "out"),
                   env={**hama_env(), "HAMA_CONF_DIR": str(site)})
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert "bsp.peers.num: expected an integer, got 'x2'" in line
    assert str(site / "hama-site.xml") in line and "overridden by -D" in line


@pytest.mark.timeout(60)
def test_cli_site_file_bool_not_overridden_fails(tmp_path: Path) -> None:
    site = _site(tmp_path, hama_messenger_runtime_compression="yes")
    job = run_hama(tmp_path, "run", JOB, "-o", str(tmp_path / "out"), env={**hama_env(), "HAMA_CONF_DIR": str(site)})
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert "hama.messenger.runtime.compression: expected true or false, got 'yes'" in line
    assert "overridden" not in line


@pytest.mark.timeout(60)
@pytest.mark.parametrize("value", ["yes", "1", "on", "ture", "no", "0"])
def test_cli_bool_spellings_outside_hadoops_are_errors(value: str, tmp_path: Path) -> None:
    job = run_hama(tmp_path, "run", JOB, "-D", f"bsp.output.compress={value}", "-o", str(tmp_path / "out"))
    assert job.returncode == 2, job.stderr
    assert f"bsp.output.compress: expected true or false, got '{value}'" in one_error_line(job.stderr)


# ---------------------------------------------------------------- the code layer (BSPJob.set)
def _job_conf(tmp: Path) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.work.class", JOB)
    conf.set("hama.tmp.dir", str(tmp / "hama-tmp"))
    return conf


def test_code_layer_malformed_value_fails_at_submit(tmp_path: Path) -> None:
    job = BSPJob(_job_conf(tmp_path))
    job.set("hama.peer.heartbeat.timeout.ms", "30s")
    with pytest.raises(ConfigError, match=r"^hama.peer.heartbeat.timeout.ms: expected an integer, got '30s' "
                                          r"\(from code or a command-line option\)$"):
        job.submit()


def test_define_overridden_in_code_fails(tmp_path: Path) -> None:
    conf = _job_conf(tmp_path)
    conf.set("bsp.peers.num", "abc", layer="command line")
    conf.set("bsp.peers.num", 2)  # code wins, but the -D value is still malformed
    with pytest.raises(ConfigError, match="got 'abc' .from -D, overridden by code"):
        validate_conf(conf)


def test_site_below_minimum_overridden_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMA_CONF_DIR", str(_site(tmp_path, bsp_peers_num="0")))
    conf = _job_conf(tmp_path)
    conf.set("bsp.peers.num", 3)
    with pytest.raises(ConfigError, match="bsp.peers.num: must be at least 1, got 0 .from .*hama-site.xml"):
        validate_conf(conf)


def test_well_formed_layers_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMA_CONF_DIR", str(_site(tmp_path, bsp_peers_num="4", bsp_output_compress="FALSE")))
    conf = _job_conf(tmp_path)
    conf.set("bsp.peers.num", "3", layer="command line")
    conf.set("bsp.output.compress", " True ", layer="command line")
    conf.set("bsp.peers.num", 2)
    validate_conf(conf)
    assert conf.get_int("bsp.peers.num") == 2 and conf.get_bool("bsp.output.compress") is True


def test_expanded_value_is_checked(tmp_path: Path) -> None:
    conf = _job_conf(tmp_path)
    conf.set("my.count", "7")
    conf.set("bsp.peers.num", "${my.count}", layer="command line")
    validate_conf(conf)
    conf.set("my.count", "seven")
    with pytest.raises(ConfigError, match="got 'seven'"):
        validate_conf(conf)


# ---------------------------------------------------------------- Hadoop's boolean spellings
@pytest.mark.parametrize("value, expected", [("true", True), ("TRUE", True), (" True ", True), ("false", False),
                                             ("FALSE", False), ("fAlSe", False)])
def test_parse_bool_accepts_hadoops_spellings(value: str, expected: bool) -> None:
    assert parse_bool("k", value) is expected


@pytest.mark.parametrize("value", ["yes", "no", "1", "0", "on", "off", "ture", "t", "", "true false"])
def test_parse_bool_rejects_everything_else(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^k: expected true or false"):
        parse_bool("k", value)
    with pytest.raises(ConfigError):
        HamaConfiguration(load_defaults=False, values={"k": value or "x"}).get_bool("k")


@pytest.mark.parametrize("kind, value, ok", [("int", "-3", True), ("int:0", "0", True), ("int:1", "0", False),
                                             ("int:1", "1.5", False), ("bool", "true", True), ("bool", "yes", False),
                                             ("string", "anything", True), ("sync", "zookeeper", True)])
def test_check_value(kind: str, value: str, ok: bool) -> None:
    if ok:
        check_value("k", kind, value)
    else:
        with pytest.raises(ConfigError, match="^k: "):
            check_value("k", kind, value)
