"""hama_yarn.config.HamaConfiguration: layers, typed getters, ${var} expansion, validation at submit."""

from __future__ import annotations

import pytest

from hama_yarn.client import validate_conf
from hama_yarn.config import HamaConfiguration, default_keys, parse_bool, parse_define
from hama_yarn.errors import ConfigError


@pytest.fixture(autouse=True)
def no_site(monkeypatch):
    monkeypatch.delenv("HAMA_CONF_DIR", raising=False)


def write_site(tmp_path, props: dict[str, str]) -> None:
    body = "".join(f"<property><name>{k}</name><value>{v}</value></property>" for k, v in props.items())
    (tmp_path / "hama-site.xml").write_text(f'<?xml version="1.0"?><configuration>{body}</configuration>')


def test_defaults_loaded_from_hama_default_xml():
    conf = HamaConfiguration()
    assert conf.get_int("bsp.peers.num") == 1
    assert conf.source("bsp.peers.num") == "default"
    assert "bsp.peers.num" in default_keys()
    assert default_keys()["bsp.peers.num"].description
    assert HamaConfiguration(load_defaults=False).get("bsp.peers.num") is None


def test_layers_weakest_first(tmp_path, monkeypatch):
    write_site(tmp_path, {"bsp.peers.num": "5", "a": "site", "b": "site", "c": "site"})
    monkeypatch.setenv("HAMA_CONF_DIR", str(tmp_path))
    conf = HamaConfiguration()
    conf.set("b", "cli", layer="command line")
    conf.set("c", "cli", layer="command line")
    conf.set("c", "code")
    assert conf.get_int("bsp.peers.num") == 5 and conf.source("bsp.peers.num") == "site"
    assert (conf["a"], conf["b"], conf["c"]) == ("site", "cli", "code")
    assert (conf.source("a"), conf.source("b"), conf.source("c")) == ("site", "command line", "code")
    # a code-layer removal uncovers the command line, unset() uncovers the default
    conf.set("c", None)
    assert conf["c"] == "cli"
    conf.unset("bsp.peers.num")
    assert conf["bsp.peers.num"] == "1"
    with pytest.raises(ValueError):
        conf.set("x", 1, layer="nope")


def test_site_file_ignored_without_env(tmp_path):
    write_site(tmp_path, {"bsp.peers.num": "5"})
    assert HamaConfiguration().get_int("bsp.peers.num") == 1


def test_broken_site_file_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "hama-site.xml").write_text("<configuration><property>")
    monkeypatch.setenv("HAMA_CONF_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="hama-site.xml"):
        HamaConfiguration()


def test_bspjob_set_is_the_code_layer(tmp_path, monkeypatch):
    from hama_yarn import BSPJob

    write_site(tmp_path, {"bsp.peers.num": "5"})
    monkeypatch.setenv("HAMA_CONF_DIR", str(tmp_path))
    conf = HamaConfiguration()
    conf.set("bsp.peers.num", "4", layer="command line")
    job = BSPJob(conf)
    job.set_num_bsp_task(3)
    assert job.get_num_bsp_task() == 3
    assert conf.get_int("bsp.peers.num") == 4  # BSPJob works on a copy
    job.set_input_path("/in")
    job.set_output_path("/out")
    job.set_input_format("keyvalue")
    job.set_job_name("n")
    assert (job.get("bsp.input.dir"), job.get("bsp.output.dir"), job.get("bsp.input.format.class"),
            job.get("bsp.job.name")) == ("/in", "/out", "keyvalue", "n")


def test_values_are_strings():
    conf = HamaConfiguration(load_defaults=False, values={"i": 3, "t": True, "f": False, "x": 1.5})
    assert dict(conf) == {"i": "3", "t": "true", "f": "false", "x": "1.5"}
    assert len(conf) == 4 and set(conf) == {"i", "t", "f", "x"}


@pytest.mark.parametrize("getter,value", [("get_int", "abc"), ("get_int", "1.5"), ("get_float", "x1"),
                                          ("get_bool", "maybe")])
def test_typed_getters_name_the_key(getter, value):
    conf = HamaConfiguration(load_defaults=False, values={"my.key": value})
    with pytest.raises(ConfigError) as ei:
        getattr(conf, getter)("my.key")
    assert ei.value.key == "my.key"
    assert str(ei.value).startswith("my.key:")
    assert value in str(ei.value)


def test_typed_getters_values_and_defaults():
    conf = HamaConfiguration(load_defaults=False, values={"i": " 42 ", "f": "2.5", "b": "TRUE", "ms": "1500",
                                                         "l": " a, b ,,c ", "empty": ""})
    assert conf.get_int("i") == 42
    assert conf.get_float("f") == 2.5
    assert conf.get_bool("b") is True
    assert conf.get_seconds("ms") == 1.5
    assert conf.get_list("l") == ["a", "b", "c"]
    assert conf.get_int("missing", 7) == 7
    assert conf.get_int("empty", 8) == 8
    assert conf.get("empty") == "" and conf.get("empty", "d") == "d"
    with pytest.raises(ConfigError, match="missing"):
        conf.get_int("missing")
    assert parse_bool("k", "False") is False
    with pytest.raises(ConfigError, match="^k:"):
        parse_bool("k", "nah")


def test_variable_expansion(monkeypatch):
    monkeypatch.setenv("HAMA_TEST_ENV_VAR", "envval")
    conf = HamaConfiguration(load_defaults=False, values={
        "base": "/data", "dir": "${base}/in", "deep": "${dir}/x", "env": "${HAMA_TEST_ENV_VAR}/y",
        "unknown": "${no.such.key}/z", "self": "a${self}b", "user": "${user.name}",
    })
    assert conf["dir"] == "/data/in"
    assert conf["deep"] == "/data/in/x"
    assert conf.get("env") == "envval/y"
    assert conf["unknown"] == "${no.such.key}/z"
    assert conf["self"] == "a${self}b"
    assert conf["user"] and "${" not in conf["user"]
    conf.set("base", "/other")  # expansion is lazy: follows the current value
    assert conf["deep"] == "/other/in/x"
    assert "${" in conf.to_dict()["dir"]  # shipped unexpanded


def test_expansion_cycle_raises_config_error():
    conf = HamaConfiguration(load_defaults=False, values={"a": "${b}", "b": "${a}"})
    with pytest.raises(ConfigError, match="deep"):
        conf["a"]


def test_default_tmp_dir_expands_user():
    conf = HamaConfiguration()
    assert conf.get("hama.tmp.dir").startswith("/tmp/hama-") and "${" not in conf.get("hama.tmp.dir")


def test_copy_is_independent_and_from_dict_round_trip():
    conf = HamaConfiguration()
    conf.set("k", "v")
    c2 = conf.copy()
    c2.set("k", "w")
    assert conf["k"] == "v" and c2["k"] == "w"
    c3 = HamaConfiguration.from_dict(conf.to_dict())
    assert c3["k"] == "v" and c3.get_int("bsp.peers.num") == 1


def test_write_xml_round_trip(tmp_path, monkeypatch):
    conf = HamaConfiguration(load_defaults=False, values={"a": "1", "b": "x<&>y"})
    conf.write_xml(tmp_path / "hama-site.xml")
    monkeypatch.setenv("HAMA_CONF_DIR", str(tmp_path))
    back = HamaConfiguration()
    assert back["a"] == "1" and back["b"] == "x<&>y" and back.source("b") == "site"


def test_parse_define():
    assert parse_define("a.b=c=d") == ("a.b", "c=d")
    assert parse_define("k=") == ("k", "")
    for bad in ("novalue", "=v"):
        with pytest.raises(ConfigError):
            parse_define(bad)


# ----------------------------------------------------------------- validate_conf (what submit checks)
def valid_conf(**values) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.work.class", "hama_yarn.bsp:BSP")
    for k, v in values.items():
        conf.set(k.replace("_", "."), v)
    return conf


def test_validate_accepts_a_good_conf():
    validate_conf(valid_conf())


@pytest.mark.parametrize("key,value", [
    ("bsp.peers.num", "abc"),
    ("bsp.peers.num", "0"),
    ("hama.queue.behaviour.persistent", "perhaps"),
    ("bsp.input.format.class", "bogus"),
    ("bsp.output.format.class", "bogus"),
    ("bsp.master.address", "nowhere"),
    ("hama.sync.client.class", "bogus"),
    ("bsp.combiner.class", "hama_yarn.bsp:BSP"),
    ("bsp.work.class", "hama_yarn.bsp:Combiner"),
    ("bsp.work.class", "no_such_module_xyz:Thing"),
])
def test_validate_names_the_key(key, value):
    conf = valid_conf()
    conf.set(key, value)
    with pytest.raises(ConfigError) as ei:
        validate_conf(conf)
    assert ei.value.key == key, str(ei.value)


def test_validate_compression_codec():
    conf = valid_conf()
    conf.set("hama.messenger.runtime.compression", "true")
    conf.set("hama.messenger.compression.class", "nope")
    with pytest.raises(ConfigError) as ei:
        validate_conf(conf)
    assert ei.value.key == "hama.messenger.compression.class"
