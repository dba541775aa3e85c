"""``hama job ... | head`` (issue 22 item 10): a reader that goes away early ends the command quietly.

It used to print a ``BrokenPipeError`` traceback (and Python's "Exception ignored ... stdout").
Now the command stops at once with exit 141 (128 + SIGPIPE, what a shell shows for a tool
killed by SIGPIPE) and prints nothing on stderr.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hama_yarn.cli.main import EXIT_BROKEN_PIPE

from .conftest import HAMA, ROOT, hama_env


def _closed_pipe_run(*args: str) -> tuple[int, str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before hama writes
    try:
        proc = subprocess.run([*HAMA, *args], cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              env=hama_env(), stdin=subprocess.DEVNULL, timeout=60)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr


@pytest.mark.timeout(90)
@pytest.mark.parametrize("args", [["job", "-list", "all"], ["example", "pi", "-n", "2", "--iterations", "1000"]],
                         ids=["job-list", "example-pi"])
def test_closed_stdout_is_quiet(args: list[str], tmp_path: Path) -> None:
    code, err = _closed_pipe_run(*args, "-D", f"hama.tmp.dir={tmp_path}")
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert code == EXIT_BROKEN_PIPE == 141, err


@pytest.mark.timeout(60)
def test_head_reads_the_first_line(tmp_path: Path) -> None:
    """The usual shell pipeline: head gets its line, hama's end of the pipe says nothing."""
    env = {**hama_env(), "HAMA_TMP": str(tmp_path)}
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {' '.join(HAMA)} job -list all "
                           f"-D hama.tmp.dir=$HAMA_TMP | head -1; echo \"status=${{PIPESTATUS[0]}}\""],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    out = proc.stdout.splitlines()
    assert out[0].endswith("jobs submitted"), proc.stdout
    assert out[-1] in ("status=0", "status=141"), proc.stdout  # 0 when hama finished writing before head closed
    assert proc.stderr == "", proc.stderr
