"""The edge-node client on real YARN: SIGTERM, shipped modules, classes from the user's own modules, history.

Issue 22 items 2, 3, 6 and 7.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.user_modules import HELLO, write_driver

from .conftest import hama, read_parts, signal_running_job, wait_final

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]

JOBS = Path(__file__).resolve().parent / "jobs"


def test_sigterm_kills_the_application(yarn_env: dict[str, str], skein_client: Any) -> None:
    code, seen, rest = signal_running_job(yarn_env, signal.SIGTERM)
    assert code == 143, seen + rest
    assert "terminated (SIGTERM)" in rest
    m = re.search(r"application_\d+_\d+", seen)
    assert m, seen
    report = wait_final(skein_client, m.group(0), timeout=60)
    assert str(report.final_status) == "KILLED", (report.state, report.final_status)
    job_id = "job_" + m.group(0).split("_", 1)[1]
    st = hama(yarn_env, "job", "-status", job_id)
    assert st.returncode == 0 and "Job state: KILLED" in st.stdout, st.stdout + st.stderr


_SCRIPT = """
    from hama_yarn import BSP
    from helpers import tokenize
    from shippedpkg.words import shout

    class Words(BSP):
        def bsp(self, peer):
            line = peer.get_configuration().get("test.line")
            for word in tokenize(line):
                peer.write(shout(word), peer.get_peer_index())
"""


def test_shipped_files_and_directories_import_on_yarn(yarn_env: dict[str, str], hdfs_dir: str,
                                                      tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def tokenize(s):\n    return s.split()\n")
    pkg = tmp_path / "shippedpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "words.py").write_text("def shout(w):\n    return w.upper()\n")
    job = tmp_path / "job" / "words.py"  # the script lives elsewhere: its directory is not theirs
    job.parent.mkdir()
    job.write_text(textwrap.dedent(_SCRIPT))
    env = {**yarn_env, "PYTHONPATH": str(tmp_path)}  # so the client can validate the script
    out = f"{hdfs_dir}/words"
    r = hama(env, "run", str(job), "-n", "2", "-r", "yarn", "-o", out, "-D", "test.line=a bb ccc",
             "-D", f"hama.yarn.files={tmp_path / 'helpers.py'},{pkg}")
    assert r.returncode == 0, r.stderr
    assert sorted(read_parts(out)) == sorted(f"{w}\t{i}" for w in ("A", "BB", "CCC") for i in (0, 1))


@pytest.mark.parametrize("module", ["hello", "mypkg.jobs"])
def test_bspjob_class_from_user_module_on_yarn(module: str, yarn_env: dict[str, str], hdfs_dir: str,
                                               tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(HELLO)
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "jobs.py").write_text(HELLO)
    write_driver(tmp_path, module)
    out = f"{hdfs_dir}/hello"
    r = subprocess.run([sys.executable, "driver.py", out, yarn_env["HAMA_TMP"], "yarn"], cwd=tmp_path, env=yarn_env,
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert len(read_parts(out)) == 4
