"""Helpers of the fault-tolerance suite: the ``hama`` CLI fixture of the core suite, the test job."""

from __future__ import annotations

from pathlib import Path

from tests.core.conftest import Hama, hama  # noqa: F401 - the fixture, re-exported

JOBS = Path(__file__).resolve().parent / "jobs"
FT_ON = ["-D", "bsp.ft.enabled=true", "-D", "bsp.checkpoint.enabled=true"]


def ft_job(name: str = "ft_steps.py") -> str:
    path = JOBS / name
    assert path.is_file(), path
    return str(path)


def read_tree(out: Path) -> dict[str, bytes]:
    """Every file of an output directory by name, as bytes."""
    return {f.name: f.read_bytes() for f in sorted(out.iterdir())}
