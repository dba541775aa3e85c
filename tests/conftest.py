"""Test configuration: the real-services cluster plugin and shared helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest_plugins = ["tests.cluster.fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def hama_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated ``hama.tmp.dir`` (staging, job registry) for one test."""
    d = tmp_path / "hama-tmp"
    d.mkdir()
    return d


@pytest.fixture
def hama_cli() -> list[str]:
    """Command prefix that runs the ``hama`` CLI of this checkout."""
    return [sys.executable, "-m", "hama_yarn.cli.main"]
