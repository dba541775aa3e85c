"""Fixtures for the HBase tests: the real HBase + Thrift1 server of tests/cluster."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hb_env(hbase: Any, cluster_env: dict[str, str], hama_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Client env: cluster env, the Java admin tool's classpath, an isolated hama.tmp.dir."""
    monkeypatch.setenv("HAMA_HBASE_CLASSPATH", os.environ["HAMA_TEST_HBASE_CLASSPATH"])
    monkeypatch.setenv("HBASE_THRIFT_ADDRESS", f"{hbase.hbase_thrift_host}:{hbase.hbase_thrift_port}")
    env = dict(os.environ)
    env["HAMA_TMP"] = str(hama_tmp)
    return env


@pytest.fixture
def happy(hb_env: dict[str, str]) -> Iterator[Any]:
    """A plain happybase connection (the reference client)."""
    import happybase

    host, port = hb_env["HBASE_THRIFT_ADDRESS"].split(":")
    conn = happybase.Connection(host, int(port), timeout=60000)
    yield conn
    conn.close()


@pytest.fixture
def make_table(happy: Any) -> Iterator[Callable[..., str]]:
    """``make_table(families, splits=(), max_versions=1) -> name``; dropped after the test."""
    from hama_yarn.io.hbase.admin import create_table

    made: list[str] = []

    def make(families: list[str] | None = None, splits: tuple[bytes, ...] = (), max_versions: int = 1) -> str:
        name = f"t_{uuid.uuid4().hex[:10]}"
        host, port = happy.host, happy.port
        create_table(host, port, name, families or ["cf"], splits, max_versions)
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            happy.delete_table(name, disable=True)
        except Exception:  # noqa: BLE001 - best effort
            pass


def hama(env: dict[str, str], *args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    """Run the ``hama`` CLI of this checkout."""
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def read_parts(out: Path) -> dict[int, list[str]]:
    """``{task index: lines}`` of a text output directory."""
    return {int(p.name[5:]): p.read_text().splitlines() for p in sorted(out.glob("part-*"))}
