"""A missing optional dependency (issue 22 item 8) is named with the extra that installs it, exit 2.

Each case runs the real ``hama`` CLI in a subprocess where the module cannot be imported
(``sys.modules[name] = None`` before hama_yarn loads, as if the extra were not installed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hama_yarn.optional import EXTRAS, MissingDependencyError, require

from .conftest import ECHO, one_error_line, run_hama


def _without(*modules: str) -> str:
    return "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)


CASES = {
    "kazoo": (("kazoo",), ["-D", "hama.sync.client.class=zookeeper", "-D", "hama.sync.server.class=zookeeper"],
              "ZooKeeper sync needs kazoo: pip install 'hama-yarn[zookeeper]'"),
    "hdfs_native": (("hdfs_native",), ["-i", "hdfs://127.0.0.1:9/x"],
                    "hdfs:// access needs hdfs_native: pip install 'hama-yarn[hdfs]'"),
    "requests": (("requests",), ["-i", "webhdfs://127.0.0.1:9/x"],
                 "webhdfs:// access needs requests: pip install 'hama-yarn[hdfs]'"),
    "lz4": (("lz4", "lz4.frame"), ["-D", "hama.messenger.runtime.compression=true",
                                   "-D", "hama.messenger.compression.class=lz4"],
            "lz4 message compression needs lz4: pip install 'hama-yarn[compression]'"),
    "zstandard": (("zstandard",), ["-D", "hama.messenger.runtime.compression=true",
                                   "-D", "hama.messenger.compression.class=zstd"],
                  "zstd message compression needs zstandard: pip install 'hama-yarn[compression]'"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_names_the_missing_extra(name: str, tmp_path: Path) -> None:
    modules, args, message = CASES[name]
    job = run_hama(tmp_path, "run", f"{ECHO}:Echo", "-o", str(tmp_path / "out"), *args, prelude=_without(*modules))
    assert job.returncode == 2, job.stderr
    assert one_error_line(job.stderr) == f"hama: error: {message}"


@pytest.mark.timeout(60)
def test_hbase_command_names_happybase(tmp_path: Path) -> None:
    job = run_hama(tmp_path, "hbase", "dump", "t", "--address", "127.0.0.1:9", prelude=_without("happybase"))
    assert job.returncode == 2, job.stderr
    assert "needs happybase: pip install 'hama-yarn[hbase]'" in one_error_line(job.stderr)


@pytest.mark.parametrize("codec, module", [("lz4", "lz4.block"), ("zstd", "zstandard"), ("snappy", "cramjam")])
def test_sequencefile_codec_names_the_compression_extra(codec: str, module: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from hama_yarn.io.codecs import CodecUnavailableError, get_codec

    monkeypatch.setitem(sys.modules, module.split(".")[0], None)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(CodecUnavailableError) as info:
        get_codec(codec)
    assert isinstance(info.value, MissingDependencyError)  # exit 2 from the CLI
    assert str(info.value).endswith(f"needs {module.split('.')[0]}: pip install 'hama-yarn[compression]'")


def test_require_names_a_broken_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed module whose own dependency is missing: the failing import is shown too."""
    import types

    def broken_import(name: str, *a: object, **k: object) -> types.ModuleType:
        raise ModuleNotFoundError("No module named 'six'", name="six")

    monkeypatch.setattr("importlib.import_module", broken_import)
    with pytest.raises(MissingDependencyError, match=r"kazoo: pip install 'hama-yarn\[zookeeper\]' "
                                                     r"\(importing it failed: No module named 'six'\)"):
        require("kazoo", "zookeeper", "ZooKeeper sync")


def test_extras_match_pyproject() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    dist = {"kazoo": "kazoo", "hdfs_native": "hdfs-native", "requests": "requests", "skein": "skein",
            "happybase": "happybase", "lz4": "lz4", "zstandard": "zstandard", "cramjam": "python-snappy",
            "pyarrow": "pyarrow", "cryptography": "cryptography"}
    for extra, modules in EXTRAS.items():
        pins = {p.split("==")[0] for p in extras[extra]}
        for m in modules:
            assert dist[m] in pins, (extra, m, pins)
