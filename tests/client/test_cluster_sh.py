"""``tests/cluster/cluster.sh`` on a fresh clone: it bootstraps ``.venv`` itself, or stops with one line.

Issue 11 item 1. The script is copied into a throw-away root with a fake ``dev.sh`` and a stub
``tests.cluster.cluster`` module, so the real ``.venv`` and the shared cluster are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_PYTHON = sys.executable  # the project's interpreter: it has psutil

STUB = """\
import sys
import psutil  # what the real harness needs
print("stub-cluster", *sys.argv[1:])
"""

FAKE_DEV_SH = """\
#!/usr/bin/env bash
# stands in for ./dev.sh: records the call, says something on stdout, builds .venv/bin/python
set -eu
root="$(cd "$(dirname "$0")" && pwd)"
echo "$*" >> "$root/dev-calls.log"
echo "fake dev.sh: creating .venv"
if [[ -f "$root/dev-fails" ]]; then echo "pip exploded" >&2; exit 1; fi
mkdir -p "$root/.venv/bin"
printf '#!/bin/sh\\nexec %s "$@"\\n' "{python}" > "$root/.venv/bin/python"
chmod +x "$root/.venv/bin/python"
"""


def _python_without_psutil(directory: Path) -> Path:
    """An interpreter that cannot import psutil (no site-packages), as the system python of a fresh machine."""
    directory.mkdir(parents=True, exist_ok=True)
    python = directory / "python"
    python.write_text(f'#!/bin/sh\nexec {REAL_PYTHON} -S "$@"\n')
    python.chmod(0o755)
    probe = subprocess.run([str(python), "-c", "import psutil"], capture_output=True)
    assert probe.returncode != 0, "precondition: this interpreter must lack psutil"
    return python


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A root with the real cluster.sh, a fake dev.sh and a stub harness module; no .venv."""
    root = tmp_path / "clone"
    (root / "tests" / "cluster").mkdir(parents=True)
    shutil.copy2(ROOT / "tests" / "cluster" / "cluster.sh", root / "tests" / "cluster" / "cluster.sh")
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "cluster" / "__init__.py").write_text("")
    (root / "tests" / "cluster" / "cluster.py").write_text(STUB)
    (root / "dev.sh").write_text(FAKE_DEV_SH.replace("{python}", REAL_PYTHON))
    (root / "dev.sh").chmod(0o755)
    return root


def _run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # a fresh shell: nothing from this session leaks in (no VIRTUAL_ENV, no HAMA_TEST_PYTHON)
    base = {"HOME": str(root), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["bash", str(root / "tests" / "cluster" / "cluster.sh"), *args],
                          capture_output=True, text=True, timeout=60, env={**base, **env}, cwd=root)


def _calls(root: Path) -> list[str]:
    log = root / "dev-calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_missing_venv_is_bootstrapped_with_dev_sh_setup(clone: Path) -> None:
    r = _run(clone, "env")
    assert r.returncode == 0, r.stderr
    # stdout is what `eval "$(cluster.sh env)"` runs: only the harness's output, nothing from the set-up
    assert r.stdout == "stub-cluster env\n"
    assert "running ./dev.sh setup" in r.stderr and "fake dev.sh: creating .venv" in r.stderr
    assert _calls(clone) == ["setup"]
    # the next call finds the venv and does not set up again
    again = _run(clone, "up")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "stub-cluster up\n" and again.stderr == ""
    assert _calls(clone) == ["setup"]


def test_incomplete_venv_is_set_up_again(clone: Path, tmp_path: Path) -> None:
    bare = _python_without_psutil(tmp_path / "bare")
    (clone / ".venv" / "bin").mkdir(parents=True)
    os.symlink(bare, clone / ".venv" / "bin" / "python")  # a venv made by hand, without the project's deps
    r = _run(clone, "status")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "stub-cluster status\n"
    assert _calls(clone) == ["setup"]


def test_failed_setup_stops_with_one_line_naming_the_command(clone: Path) -> None:
    (clone / "dev-fails").write_text("")
    r = _run(clone, "up")
    assert r.returncode == 2
    assert r.stdout == ""
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("cluster.sh: ") and "run ./dev.sh setup by hand" in last, r.stderr
    assert "Traceback" not in r.stderr and "ModuleNotFoundError" not in r.stderr


def test_test_python_without_psutil_stops_with_one_line(clone: Path, tmp_path: Path) -> None:
    bare = _python_without_psutil(tmp_path / "bare")
    r = _run(clone, "up", HAMA_TEST_PYTHON=str(bare))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "HAMA_TEST_PYTHON" in lines[0] and "psutil" in lines[0] and "./dev.sh setup" in lines[0]
    assert _calls(clone) == []  # an interpreter the user chose is never replaced


def test_real_script_runs_with_the_project_venv() -> None:
    """The real cluster.sh with the real .venv: `env` prints an env file that puts the yarn shim and hama on PATH."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in this checkout")
    r = subprocess.run(["bash", str(ROOT / "tests" / "cluster" / "cluster.sh"), "env"], capture_output=True,
                       text=True, timeout=60, env={"HOME": os.environ.get("HOME", "/tmp"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    shell = subprocess.run(["bash", "-c", 'eval "$1" && command -v yarn && command -v hama && echo "$PATH"', "-",
                            r.stdout], capture_output=True, text=True, timeout=30,
                           env={"HOME": os.environ.get("HOME", "/tmp"), "PATH": "/usr/bin:/bin"})
    assert shell.returncode == 0, shell.stderr
    yarn, hama, path = shell.stdout.splitlines()
    assert yarn == str(ROOT / "tests" / "cluster" / ".work" / "bin" / "yarn")
    assert hama == str(ROOT / ".venv" / "bin" / "hama")
    assert path.endswith(":/usr/bin:/bin")
