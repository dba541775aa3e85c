"""Install what the test cluster needs; every step is skipped when already done.

* apt ``zookeeper`` (Debian's ZooKeeper 3.8; only its jars are used, never the system service),
* Maven Central jars (``pom.xml`` profiles ``hadoop`` → ``lib/``, ``hbase`` → ``lib/hbase/``),
* Apache Hama 0.7.1's jars (``pom-hama.xml`` → ``lib/hama/``, for ``benchmarks/bench_vs_hama.py``; never on the
  cluster's class path: they bring Hadoop 2.7),
* the pinned Python client packages, into the running interpreter when it is a virtualenv.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.cluster.config import Layout

log = logging.getLogger("cluster.install")

ZOOKEEPER_JAR = Path("/usr/share/java/zookeeper.jar")
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

#: import name -> pip requirement (the versions pinned by the project)
PYTHON_PACKAGES: dict[str, str] = {
    "kazoo": "kazoo==2.11.0",
    "happybase": "happybase==1.3.0",
    "hdfs_native": "hdfs-native==0.14.7",
    "skein": "skein==0.8.2",
    "requests": "requests==2.34.2",
}

#: (profile, output dir relative to the layout, a jar that must be there afterwards)
MAVEN_SETS: tuple[tuple[str, str, str], ...] = (
    ("hadoop", "lib", "hadoop-yarn-server-nodemanager-"),
    ("hbase", "lib/hbase", "hbase-thrift-"),
)


def _run(cmd: list[str], what: str) -> None:
    log.info("%s: %s", what, " ".join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}")


def ensure_zookeeper() -> None:
    """apt packages: zookeeper (its jars) and chromium (the web UI's headless browser test)."""
    packages = [name for name, there in (("zookeeper", ZOOKEEPER_JAR.exists()),
                                         ("chromium", Path("/usr/bin/chromium").exists())) if not there]
    if not packages:
        return
    if os.geteuid() != 0:
        if "zookeeper" not in packages:
            return  # no chromium: the browser test is skipped
        raise RuntimeError(f"{ZOOKEEPER_JAR} missing: run `sudo apt-get install -y zookeeper` (Debian package)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    t0 = time.monotonic()
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]):
        log.info("apt: %s", " ".join(cmd))
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}")
    # the package enables a system service on port 2181 on some setups: we never use it
    if shutil.which("systemctl"):
        subprocess.run(["systemctl", "disable", "--now", "zookeeper"], capture_output=True)
    log.info("apt %s installed in %.1fs", " ".join(packages), time.monotonic() - t0)


def _pom_digest(layout: Layout) -> str:
    return hashlib.sha256(layout.pom.read_bytes()).hexdigest()


def ensure_jars(layout: Layout) -> None:
    digest = _pom_digest(layout)
    for profile, rel, probe_jar in MAVEN_SETS:
        out = layout.root / rel
        marker = out / f".{profile}.pom-sha256"
        if marker.exists() and marker.read_text().strip() == digest and any(out.glob(f"{probe_jar}*.jar")):
            continue
        if shutil.which("mvn") is None:
            raise RuntimeError("Maven (`mvn`) not found: apt-get install -y maven")
        t0 = time.monotonic()
        # drop jars of an older pom so version changes never leave two copies of a library
        if out.exists():
            for jar in out.glob("*.jar"):
                jar.unlink()
        out.mkdir(parents=True, exist_ok=True)
        _run(
            ["mvn", "-q", "-B", "-f", str(layout.pom), "-P", profile,
             f"{DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={out}"],
            f"maven ({profile} jars)",
        )
        if not any(out.glob(f"{probe_jar}*.jar")):
            raise RuntimeError(f"maven ran but {probe_jar}*.jar is not in {out}")
        marker.write_text(digest + "\n")
        log.info("maven %s jars -> %s in %.1fs", profile, out, time.monotonic() - t0)


#: Apache Hama 0.7.1 (hama-core, -graph, -ml, -commons and their runtime deps), apart from the cluster's jars
HAMA_POM = Path(__file__).resolve().parent / "pom-hama.xml"


def ensure_hama_jars(layout: Layout) -> Path:
    """Copy Apache Hama 0.7.1's jars into ``lib/hama/`` (skipped when its pom is unchanged); returns the dir."""
    out = layout.root / "lib" / "hama"
    digest = hashlib.sha256(HAMA_POM.read_bytes()).hexdigest()
    marker = out / ".hama.pom-sha256"
    if marker.exists() and marker.read_text().strip() == digest and any(out.glob("hama-core-*.jar")):
        return out
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (`mvn`) not found: apt-get install -y maven")
    t0 = time.monotonic()
    if out.exists():
        for jar in out.glob("*.jar"):
            jar.unlink()
    out.mkdir(parents=True, exist_ok=True)
    _run(["mvn", "-q", "-B", "-f", str(HAMA_POM), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
          f"-DoutputDirectory={out}"], "maven (Apache Hama 0.7.1 jars)")
    if not any(out.glob("hama-graph-*.jar")):
        raise RuntimeError(f"maven ran but hama-graph-*.jar is not in {out}")
    marker.write_text(digest + "\n")
    log.info("maven hama jars -> %s in %.1fs", out, time.monotonic() - t0)
    return out


def ensure_python_packages() -> None:
    missing = [req for mod, req in PYTHON_PACKAGES.items() if importlib.util.find_spec(mod) is None]
    if not missing:
        return
    if sys.prefix == sys.base_prefix:
        raise RuntimeError(f"missing Python packages {missing}; install them (not into the system Python)")
    _run([sys.executable, "-m", "pip", "install", "-q", *missing], "pip install")


def install(layout: Layout, python_packages: bool = True) -> None:
    """Everything needed before ``up``: idempotent and fast when already done."""
    ensure_zookeeper()
    ensure_jars(layout)
    ensure_hama_jars(layout)
    if python_packages:
        ensure_python_packages()


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
