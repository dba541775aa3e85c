"""The daemon JVMs of the test cluster: how to start them, their pid files, and how to stop them.

Each daemon runs in its own session/process group (``start_new_session=True``); its pid file
records pid, process start time and main class, so ``down`` never signals a recycled pid.
YARN containers are started by the NodeManager with ``setsid``; they are found as the
NodeManager's descendants and stopped together with it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from tests.cluster import config
from tests.cluster.config import Heaps, Layout, Ports

log = logging.getLogger("cluster.daemons")


@dataclasses.dataclass(frozen=True)
class Daemon:
    """One long-running JVM."""

    name: str
    main_class: str
    classpath: str
    heap_mb: int
    args: tuple[str, ...] = ()
    jvm_flags: tuple[str, ...] = ()
    extra_env: tuple[tuple[str, str], ...] = ()

    def log_file(self, layout: Layout) -> Path:
        return layout.logs / f"{self.name}.log"

    def pid_file(self, layout: Layout) -> Path:
        return layout.pids / f"{self.name}.json"

    def command(self, java: Path) -> list[str]:
        return [
            str(java / "bin" / "java"),
            f"-Xmx{self.heap_mb}m",
            *config.SMALL_JVM,
            *self.jvm_flags,
            "-cp",
            self.classpath,
            self.main_class,
            *self.args,
        ]


def hadoop_daemon(name: str, main_class: str, layout: Layout, heap: int, *args: str) -> Daemon:
    flags = (
        *config.HADOOP_JPMS,
        f"-Dhadoop.log.dir={layout.logs}",
        f"-Dyarn.log.dir={layout.logs}",
        f"-Dhadoop.log.file={name}.log",
        "-Dhadoop.root.logger=INFO,console",
        "-Dhadoop.security.logger=INFO,NullAppender",
        f"-Dlog4j.configuration=file:{layout.conf / 'log4j.properties'}",
    )
    env: tuple[tuple[str, str], ...] = ()
    if name == "nodemanager":
        # whitelisted in yarn-site.xml: containers (the skein AM's JVM) inherit the JPMS flags
        env = (("JDK_JAVA_OPTIONS", " ".join(config.HADOOP_JPMS)),)
    return Daemon(name, main_class, layout.hadoop_classpath, heap, tuple(args), flags, env)


def all_daemons(layout: Layout, heaps: Heaps) -> dict[str, Daemon]:
    zk_cp = f"{layout.zk_conf}:/usr/share/java/zookeeper.jar"
    hbase_flags = (
        *config.HBASE_JPMS,
        "-Dzookeeper.admin.enableServer=false",
        f"-Dhbase.log.dir={layout.logs}",
        f"-Dlog4j2.configurationFile=file:{layout.hbase_conf / 'log4j2.properties'}",
    )
    daemons = [
        Daemon(
            "zookeeper",
            "org.apache.zookeeper.server.ZooKeeperServerMain",
            zk_cp,
            heaps.zookeeper,
            (str(layout.zk_conf / "zoo.cfg"),),
            ("-Dzookeeper.admin.enableServer=false", f"-Dzookeeper.log.dir={layout.logs}", *config.ZK_TUNING),
        ),
        hadoop_daemon("namenode", "org.apache.hadoop.hdfs.server.namenode.NameNode", layout, heaps.namenode),
        hadoop_daemon("datanode", "org.apache.hadoop.hdfs.server.datanode.DataNode", layout, heaps.datanode),
        hadoop_daemon(
            "resourcemanager",
            "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager",
            layout,
            heaps.resourcemanager,
        ),
        hadoop_daemon(
            "nodemanager", "org.apache.hadoop.yarn.server.nodemanager.NodeManager", layout, heaps.nodemanager
        ),
        Daemon(
            "hbase",
            "org.apache.hadoop.hbase.master.HMaster",
            layout.hbase_classpath,
            heaps.hbase,
            ("start",),
            hbase_flags,
        ),
        Daemon(
            "thrift",
            "org.apache.hadoop.hbase.thrift.ThriftServer",
            layout.hbase_classpath,
            heaps.thrift,
            ("-threadpool", "start"),
            hbase_flags,
        ),
    ]
    return {d.name: d for d in daemons}


def format_namenode(layout: Layout, java: Path, timeout: float = 120.0) -> None:
    """One-shot `NameNode -format` (fresh data dir on every cold start)."""
    d = hadoop_daemon("namenode-format", "org.apache.hadoop.hdfs.server.namenode.NameNode", layout, 256,
                      "-format", "-force", "-nonInteractive", "-clusterid", "hama-test")
    out = d.log_file(layout)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        rc = subprocess.run(d.command(java), stdout=fh, stderr=subprocess.STDOUT, timeout=timeout,
                            env=_daemon_env(java, layout, d)).returncode
    if rc != 0:
        raise RuntimeError(f"NameNode -format failed (exit {rc}); see {out}")


def _daemon_env(java: Path, layout: Layout, daemon: Daemon) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLASSPATH", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"))}
    env.update(
        JAVA_HOME=str(java),
        HADOOP_CONF_DIR=str(layout.conf),
        HADOOP_LOG_DIR=str(layout.logs),
        HADOOP_USER_NAME="root",
        PATH=f"{layout.bin}:{env.get('PATH', '/usr/bin:/bin')}",
        LANG=env.get("LANG", "C.UTF-8"),
    )
    env.update(dict(daemon.extra_env))
    return env


# --------------------------------------------------------------------------- pid records


@dataclasses.dataclass(frozen=True)
class PidRecord:
    name: str
    pid: int
    create_time: float
    main_class: str
    log: str
    # Start time in seconds since boot: unlike create_time (boot time + ticks, read from the wall
    # clock) it does not move when the machine's clock is stepped (a VM's clock catching up).
    since_boot: float | None = None

    @staticmethod
    def of(name: str, pid: int, main_class: str, log: str) -> PidRecord:
        """The record of the live process *pid*."""
        boot = psutil.boot_time()
        created = psutil.Process(pid).create_time()
        return PidRecord(name, pid, created, main_class, log, created - boot)

    def process(self) -> psutil.Process | None:
        """The live process if it is still the one we started (pid + start time + main class)."""
        try:
            proc = psutil.Process(self.pid)
            if self.since_boot is not None:
                boot = psutil.boot_time()
                if abs(proc.create_time() - boot - self.since_boot) > 1.0:
                    return None
            elif abs(proc.create_time() - self.create_time) > 1.0:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            if self.main_class not in proc.cmdline():
                return None
            return proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None


def read_pid(layout: Layout, name: str) -> PidRecord | None:
    path = layout.pids / f"{name}.json"
    try:
        return PidRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def start(daemon: Daemon, layout: Layout, java: Path) -> PidRecord:
    """Start one daemon in its own process group, stdout+stderr to its log file."""
    out = daemon.log_file(layout)
    out.parent.mkdir(parents=True, exist_ok=True)
    layout.pids.mkdir(parents=True, exist_ok=True)
    with out.open("ab") as fh:
        fh.write(f"\n==== {time.strftime('%F %T')} starting {daemon.name}\n".encode())
        fh.flush()
        proc = subprocess.Popen(
            daemon.command(java),
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=str(layout.work),
            env=_daemon_env(java, layout, daemon),
            start_new_session=True,
        )
    rec = PidRecord.of(daemon.name, proc.pid, daemon.main_class, str(out))
    daemon.pid_file(layout).write_text(json.dumps(dataclasses.asdict(rec)) + "\n")
    log.info("started %-15s pid %-7d log %s", daemon.name, proc.pid, out)
    return rec


def running(layout: Layout, names: list[str]) -> dict[str, psutil.Process | None]:
    out: dict[str, psutil.Process | None] = {}
    for name in names:
        rec = read_pid(layout, name)
        out[name] = rec.process() if rec else None
    return out


def _signal_group(proc: psutil.Process, sig: int) -> None:
    try:
        pgid = os.getpgid(proc.pid)
        if pgid == proc.pid:  # we made it a group leader: signal the whole group
            os.killpg(pgid, sig)
        else:
            proc.send_signal(sig)
    except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
        pass


def stop(layout: Layout, name: str, grace: float = 6.0) -> bool:
    """Stop the daemon recorded under ``name`` and its descendants (YARN containers). True if it was up."""
    rec = read_pid(layout, name)
    proc = rec.process() if rec else None
    pid_file = layout.pids / f"{name}.json"
    if proc is None:
        pid_file.unlink(missing_ok=True)
        return False
    try:
        children = proc.children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    log.info("stopping %-15s pid %d (+%d descendants)", name, proc.pid, len(children))
    _signal_group(proc, signal.SIGTERM)
    for child in children:
        _signal_group(child, signal.SIGTERM)
    victims = [proc, *children]
    _, alive = psutil.wait_procs(victims, timeout=grace)
    for p in alive:
        log.warning("%s: pid %d did not exit after SIGTERM, sending SIGKILL", name, p.pid)
        _signal_group(p, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=5)
    pid_file.unlink(missing_ok=True)
    return True


def rss_mb(procs: list[psutil.Process]) -> dict[int, float]:
    """RSS in MiB per pid (including descendants)."""
    out: dict[int, float] = {}
    for proc in procs:
        total = 0
        try:
            for p in [proc, *proc.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            continue
        out[proc.pid] = total / 2**20
    return out


__all__ = ["Daemon", "PidRecord", "all_daemons", "format_namenode", "read_pid", "rss_mb", "running", "start",
           "stop", "Ports"]
