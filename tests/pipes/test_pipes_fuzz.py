"""Fuzzing the Pipes uplink (a few hundred cases; ``benchmarks/fuzz_pipes.py`` runs >= 10k).

Every mutated child stream served by BinaryBSP / PipesPartitioner either completes or fails with a
ChildError naming the peer, an uplink byte offset inside the stream and the child's stderr tail;
no other exception, no hang."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_pipes.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_pipes", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_a_few_hundred_streams(seed: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load().fuzz(300, seed, verbose=False) == 0
    out = capsys.readouterr().out
    assert "300 cases" in out and "no violations" in out
    assert "completed" in out and "ChildError" in out  # both outcomes are exercised


def test_checker_catches_an_unclear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property can fail: an error that names no uplink offset (or another exception) is a violation."""
    fuzz = _load()
    shape = fuzz.Shape("strings", {}, [], [[b"\x16"]])
    ok = fuzz.check_case(shape, bytes([99]))
    assert ok.violation is None and ok.result.startswith("ChildError")
    monkeypatch.setattr(fuzz.FuzzChild, "describe_failure", lambda self, what: f"{self.label}: it broke")
    assert "names no uplink offset" in fuzz.check_case(shape, bytes([99])).violation
    monkeypatch.setattr(fuzz.FuzzChild, "describe_failure", lambda self, what: 1 / 0)
    assert fuzz.check_case(shape, bytes([99])).violation.startswith("crash: ZeroDivisionError")
