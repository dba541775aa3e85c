"""The skein ApplicationSpec of a YARN job (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration

ROOT = Path(__file__).resolve().parents[2]

skein = pytest.importorskip("skein")


def _conf(tmp_path: Path, **values: str) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "yarn")
    conf.set("hama.tmp.dir", str(tmp_path))
    conf.set("bsp.work.class", f"{ROOT / 'examples' / 'pi.py'}:PiEstimator")
    for k, v in values.items():
        conf.set(k, v)
    return conf


def test_spec_resources_queue_tags_files(tmp_path: Path) -> None:
    from hama_yarn.launcher.yarn.common import MASTER_ENTRY, PEER_ENTRY, SECRET_FILE
    from hama_yarn.launcher.yarn.submit import _stage, build_spec
    from hama_yarn.peer.main import load_job

    conf = _conf(tmp_path, **{"hama.yarn.queue": "q1", "hama.yarn.master.memory": "700", "bsp.child.mem.in.mb": "300",
                              "hama.yarn.peer.vcores": "2", "hama.yarn.tags": "team-a, nightly", "bsp.job.name": "pi"})
    job_id, job_dir, secret, files = _stage(conf)
    spec = build_spec(conf, job_id, files)
    assert spec.name == "pi" and spec.queue == "q1" and spec.max_attempts == 1
    assert set(spec.tags) == {"hama", "team-a", "nightly"}
    assert (spec.master.resources.memory, spec.master.resources.vcores) == (700, 1)
    peer = spec.services["peer"]
    assert peer.instances == 0 and peer.max_restarts == 0 and peer.allow_failures
    assert (peer.resources.memory, peer.resources.vcores) == (300, 2)
    assert {"job.json", SECRET_FILE, MASTER_ENTRY, PEER_ENTRY, "pi.py"} <= set(peer.files)
    assert "--launcher yarn" in spec.master.script and "--yarn" in peer.script
    # the script is shipped and referenced relative to the container's working directory
    _, staged = load_job(job_dir)
    assert staged.get("bsp.work.class") == "pi.py:PiEstimator"
    assert (job_dir / SECRET_FILE).read_text() == secret
    assert (job_dir / SECRET_FILE).stat().st_mode & 0o077 == 0
    assert secret not in (job_dir / "job.json").read_text()


def test_spec_with_packed_environment(tmp_path: Path) -> None:
    from hama_yarn.launcher.yarn.submit import _stage, build_spec

    archive = tmp_path / "env.tar.gz"
    archive.write_bytes(b"")
    conf = _conf(tmp_path, **{"hama.yarn.environment": str(archive)})
    job_id, _, _, files = _stage(conf)
    spec = build_spec(conf, job_id, files)
    env_file = spec.master.files["environment"]
    assert str(env_file.type) == "ARCHIVE"
    assert "environment/bin/python" in spec.master.script and "bin/activate" in spec.services["peer"].script


def test_job_id_mirrors_application_id() -> None:
    from hama_yarn.launcher.yarn.common import job_id_for

    assert job_id_for("application_1795315139990_0042") == "job_1795315139990_0042"
