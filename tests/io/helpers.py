"""Helpers of the I/O job tests: run the ``hama`` CLI, write SequenceFiles, read job output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hama_yarn.io import fs as _fs
from hama_yarn.io.sequencefile import SequenceFileReader

JOBS = Path(__file__).resolve().parent / "jobs"
RECORDS_JOB = f"{JOBS / 'records.py'}:Records"
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]


def run_hama(tmp: Path, *args: str, timeout: float = 180, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``hama ARGS -D hama.tmp.dir=<tmp>/hama-tmp`` and return the finished process."""
    base = dict(os.environ)
    base.pop("HAMA_KEEP_STAGING", None)
    base.update(env or {})
    cmd = [*HAMA, *args, "-D", f"hama.tmp.dir={tmp / 'hama-tmp'}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=base, stdin=subprocess.DEVNULL)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``hama ARGS`` (no job options)."""
    return subprocess.run([*HAMA, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def run_records_job(tmp: Path, inp: str, out: str, peers: int, *extra: str, env: dict[str, str] | None = None
                    ) -> subprocess.CompletedProcess[str]:
    """Run the ``records.py`` job (each record read -> one JSON line) over *inp*."""
    return run_hama(tmp, "run", RECORDS_JOB, "-n", str(peers), "-i", inp, "-o", out, *extra, env=env)


def list_dir(url: str) -> list[str]:
    """Names in a directory on any filesystem ([] if it does not exist)."""
    fs, path = _fs.resolve(url)
    if not fs.exists(path):
        return []
    return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False))


def read_text_parts(url: str) -> list[str]:
    """Every line of every ``part-*`` file in an output directory."""
    fs, path = _fs.resolve(url)
    lines: list[str] = []
    for name in list_dir(url):
        if name.startswith("part-"):
            with fs.open(f"{path}/{name}", "rb") as f:
                lines.extend(f.read().decode().splitlines())
    return lines


def read_json_records(url: str) -> list[list[Any]]:
    """``[peer, key, value, setup_step]`` rows written by ``records.py``."""
    return [json.loads(line) for line in read_text_parts(url)]


def read_seq_parts(url: str) -> list[tuple[Any, Any]]:
    """Every record of every ``part-*`` SequenceFile in an output directory."""
    fs, path = _fs.resolve(url)
    out: list[tuple[Any, Any]] = []
    for name in list_dir(url):
        if name.startswith("part-"):
            with fs.open(f"{path}/{name}", "rb") as f, SequenceFileReader(f) as r:
                out.extend(r)
    return out


def compile_java_tool(source: Path, cluster: Any, out: Path) -> tuple[list[str], dict[str, str]]:
    """Compile the Java test tool *source* against the test cluster's Hadoop jars.

    Returns the ``java ... <Class>`` command prefix and the environment to run it in
    (``JAVA_HOME`` of the cluster's JDK first on ``PATH``; ``HAMA_TEST_JDK_JAVA_OPTIONS``
    are passed to ``java``).
    """
    env = dict(os.environ)
    java_home = getattr(cluster, "java_home", None)
    if java_home:
        env["JAVA_HOME"] = str(java_home)
        env["PATH"] = f"{java_home}/bin:{env.get('PATH', '')}"
    lib = Path(cluster.lib_dir)
    javac = shutil.which("javac", path=env["PATH"]) or "javac"
    subprocess.run([javac, "-nowarn", "-cp", f"{lib}/*", "-d", str(out), str(source)], check=True,
                   capture_output=True, env=env, timeout=180)
    opts = os.environ.get("HAMA_TEST_JDK_JAVA_OPTIONS", "").split()
    java = shutil.which("java", path=env["PATH"]) or "java"
    return [java, *opts, "-cp", f"{out}:{lib}/*", source.stem], env
