"""A packed Python environment (venv-pack) shipped with ``hama.yarn.environment`` and used on YARN.

The session fixture builds a fresh venv with hama-yarn (a wheel of this checkout, not an
editable install: those do not pack) plus its ``yarn`` and ``hdfs`` extras, drops a
``sitecustomize`` marker into it and packs it with venv-pack.  The job then runs with the
archive; every container (the ApplicationMaster and each peer) must log the unpacked
``environment/bin/python`` as its interpreter, and the marker must show that the archive's
site-packages (and its copy of hama_yarn) were the ones imported.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, hama, read_parts, wait_final

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs, pytest.mark.slow]

MARKER = "HAMA-PACKED-ENV"

#: Written into the packed env's site-packages: proves at container start that the archive's
#: site-packages are active and that hama_yarn resolves inside it (find_spec does not import).
SITECUSTOMIZE = f'''
import importlib.util, sys
_spec = importlib.util.find_spec("hama_yarn")
print("{MARKER} prefix=%s hama_yarn=%s" % (sys.prefix, _spec.origin if _spec else None), file=sys.stderr, flush=True)
'''


@pytest.fixture(scope="session")
def packed_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``env.tar.gz``: a venv-pack archive of a fresh venv with hama-yarn[yarn,hdfs] installed (once per session)."""
    pytest.importorskip("venv_pack")
    base = tmp_path_factory.mktemp("packed-env")
    env = base / "env"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    pip = [str(env / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    r = subprocess.run([*pip, "install", f"{ROOT}[yarn,hdfs]"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    site = subprocess.run(
        [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (Path(site) / "sitecustomize.py").write_text(SITECUSTOMIZE)
    archive = base / "env.tar.gz"
    subprocess.run([sys.executable, "-m", "venv_pack", "-p", str(env), "-o", str(archive), "-q"],
                   check=True, capture_output=True, text=True)
    print(f"packed env built in {time.monotonic() - started:.1f}s ({archive.stat().st_size >> 20} MiB)")
    yield archive


def test_packed_environment_is_used_on_yarn(packed_env: Path, yarn_env: dict[str, str], skein_client: Any,
                                            cluster: Any, hdfs_dir: str) -> None:
    out = f"{hdfs_dir}/pi"
    r = hama(yarn_env, "run", str(ROOT / "examples" / "pi.py"), "-n", "2", "-o", out, "-r", "yarn",
             "-D", f"hama.yarn.environment={packed_env}")
    assert r.returncode == 0, r.stderr
    m = re.search(r"application_\d+_\d+", r.stderr)
    assert m, r.stderr
    app_id = m.group(0)
    report = wait_final(skein_client, app_id)
    assert (str(report.state), str(report.final_status)) == ("FINISHED", "SUCCEEDED")
    (line,) = read_parts(out)
    assert math.isclose(float(line.split("\t")[-1]), math.pi, abs_tol=0.05)

    logs = cluster.container_logs(app_id)
    banners = {name: text for name, text in logs.items() if "hama-yarn " in text and " on " in text}
    roles: dict[str, int] = {}
    for name, text in banners.items():
        for b in re.finditer(r"^hama-yarn \S+ (master|peer) on \S+: python (\S+) \(\S+\), cwd (\S+)$", text, re.M):
            role, python, cwd = b.groups()
            roles[role] = roles.get(role, 0) + 1
            # the interpreter is the unpacked archive inside the container's working dir, not the client's
            assert python == f"{cwd}/environment/bin/python", (name, python)
            assert python != sys.executable
        markers = re.findall(rf"^{MARKER} prefix=(\S+) hama_yarn=(\S+)$", text, re.M)
        assert markers, (name, text[:2000])
        for prefix, origin in markers:
            assert prefix.endswith("/environment"), (name, prefix)
            assert origin.startswith(prefix + "/lib/"), (name, origin)  # hama_yarn from the archive, not the checkout
            assert not origin.startswith(str(ROOT / "hama_yarn")), origin
    assert roles == {"master": 1, "peer": 2}, (roles, sorted(logs))
