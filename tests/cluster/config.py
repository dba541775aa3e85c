"""Layout, ports and generated configuration of the real-services test cluster.

Everything that describes *where* things are lives here: the lib dirs filled by Maven,
the runtime dir ``tests/cluster/.work/``, the ports, the JVM flags and the generated
Hadoop/HBase/ZooKeeper/Hama configuration plus ``env.sh``. No process is started here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent

HOST = "127.0.0.1"

#: JPMS flags that Hadoop's own scripts add on JDK 17+ (HADOOP-19310), plus nio extras.
HADOOP_JPMS: tuple[str, ...] = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.zip=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.util=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.x509=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)

#: What HBase 2.6's bin/hbase adds on JDK 11+ (add_jdk11_jvm_flags).
HBASE_JPMS: tuple[str, ...] = (
    "-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true",
    "--add-modules=jdk.unsupported",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "--add-exports=java.base/sun.net.dns=ALL-UNNAMED",
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
)

#: Small-machine options for every daemon JVM (fast start-up, little memory).
SMALL_JVM: tuple[str, ...] = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Xss512k",
    "-XX:MaxMetaspaceSize=256m",
    "-Djava.net.preferIPv4Stack=true",
)


@dataclasses.dataclass(frozen=True)
class Ports:
    """All TCP ports of the stack. ``HAMA_CLUSTER_PORT_OFFSET`` shifts every one of them."""

    zookeeper: int = 2181
    namenode_rpc: int = 9000
    namenode_http: int = 9870
    datanode: int = 9866
    datanode_http: int = 9864
    datanode_ipc: int = 9867
    rm: int = 8032
    rm_scheduler: int = 8030
    rm_tracker: int = 8031
    rm_admin: int = 8033
    rm_web: int = 8088
    nm: int = 8041
    nm_localizer: int = 8040
    nm_web: int = 8042
    hbase_zookeeper: int = 2182
    hbase_master: int = 16000
    hbase_regionserver: int = 16020
    hbase_thrift: int = 9090

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Ports":
        env = os.environ if environ is None else environ
        offset = int(env.get("HAMA_CLUSTER_PORT_OFFSET", "0") or 0)
        base = cls()
        return cls(**{f.name: getattr(base, f.name) + offset for f in dataclasses.fields(cls)})

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, int]) -> "Ports":
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class Heaps:
    """-Xmx per daemon in MiB (keep the total modest: the CI machine has 2 cores)."""

    zookeeper: int = 128
    namenode: int = 384
    datanode: int = 256
    resourcemanager: int = 512
    nodemanager: int = 384
    hbase: int = 768
    thrift: int = 256


@dataclasses.dataclass(frozen=True)
class Layout:
    """Paths. ``lib`` holds the Hadoop jars (``javac -cp 'lib/*'``), ``lib/hbase`` the HBase jars."""

    root: Path = HERE

    @property
    def pom(self) -> Path:
        return self.root / "pom.xml"

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def hbase_lib(self) -> Path:
        return self.lib / "hbase"

    @property
    def work(self) -> Path:
        return self.root / ".work"

    @property
    def conf(self) -> Path:
        return self.work / "conf"

    @property
    def hbase_conf(self) -> Path:
        return self.work / "hbase-conf"

    @property
    def zk_conf(self) -> Path:
        return self.work / "zk-conf"

    @property
    def data(self) -> Path:
        return self.work / "data"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def pids(self) -> Path:
        return self.work / "pids"

    @property
    def bin(self) -> Path:
        return self.work / "bin"

    @property
    def env_file(self) -> Path:
        return self.work / "env.sh"

    @property
    def state_file(self) -> Path:
        return self.work / "state.json"

    @property
    def skein_config(self) -> Path:
        return self.work / "skein"

    @property
    def hadoop_classpath(self) -> str:
        """Conf dir first: some jars carry their own *-site.xml / log4j files."""
        return f"{self.conf}:{self.lib}/*"

    @property
    def hbase_classpath(self) -> str:
        return f"{self.hbase_conf}:{self.hbase_lib}/*"


def java_home() -> Path:
    """JDK 17: $HAMA_TEST_JAVA_HOME, else $JAVA_HOME if it is a 17, else the Debian JDK 17, else `java` on PATH."""
    for var in ("HAMA_TEST_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(var)
        if value and (Path(value) / "bin" / "java").exists():
            if var == "HAMA_TEST_JAVA_HOME" or "17" in Path(value).resolve().name:
                return Path(value)
    debian = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    if (debian / "bin" / "java").exists():
        return debian
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("no JDK found: install openjdk-17-jdk or set HAMA_TEST_JAVA_HOME")
    return Path(java).resolve().parent.parent


# --------------------------------------------------------------------------- XML / files


def _xml(props: dict[str, str | int | float | bool]) -> str:
    lines = ['<?xml version="1.0"?>', "<!-- generated by tests/cluster/config.py -->", "<configuration>"]
    for key, value in props.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append(f"  <property><name>{escape(key)}</name><value>{escape(str(value))}</value></property>")
    lines.append("</configuration>")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def core_site(layout: Layout, ports: Ports) -> dict[str, str | int | float | bool]:
    return {
        "fs.defaultFS": f"hdfs://{HOST}:{ports.namenode_rpc}",
        "hadoop.tmp.dir": str(layout.data / "tmp"),
        "hadoop.security.authentication": "simple",
        "hadoop.http.staticuser.user": "root",
        # fail fast instead of retrying for a minute against a dead daemon
        "ipc.client.connect.max.retries": 3,
        "ipc.client.connect.retry.interval": 500,
        "ipc.client.connect.max.retries.on.timeouts": 3,
        "hadoop.proxyuser.root.hosts": "*",
        "hadoop.proxyuser.root.groups": "*",
    }


def hdfs_site(layout: Layout, ports: Ports) -> dict[str, str | int | float | bool]:
    return {
        "dfs.namenode.name.dir": f"file://{layout.data / 'dfs' / 'name'}",
        "dfs.datanode.data.dir": f"file://{layout.data / 'dfs' / 'data'}",
        "dfs.replication": 1,
        "dfs.namenode.rpc-address": f"{HOST}:{ports.namenode_rpc}",
        "dfs.namenode.rpc-bind-host": HOST,
        "dfs.namenode.http-address": f"{HOST}:{ports.namenode_http}",
        "dfs.namenode.secondary.http-address": f"{HOST}:0",
        "dfs.datanode.address": f"{HOST}:{ports.datanode}",
        "dfs.datanode.http.address": f"{HOST}:{ports.datanode_http}",
        "dfs.datanode.ipc.address": f"{HOST}:{ports.datanode_ipc}",
        "dfs.datanode.hostname": HOST,
        "dfs.namenode.datanode.registration.ip-hostname-check": False,
        "dfs.webhdfs.enabled": True,
        "dfs.permissions.enabled": False,
        "dfs.namenode.safemode.extension": 0,
        "dfs.namenode.safemode.min.datanodes": 0,
        "dfs.heartbeat.interval": 1,
        "dfs.blockreport.initialDelay": 0,
        "dfs.namenode.fs-limits.min-block-size": 1024,
        "dfs.datanode.max.locked.memory": 0,
        "dfs.namenode.handler.count": 10,
        "dfs.datanode.handler.count": 5,
    }


def yarn_site(layout: Layout, ports: Ports) -> dict[str, str | int | float | bool]:
    whitelist = (
        "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,CLASSPATH_PREPEND_DISTCACHE,"
        "HADOOP_YARN_HOME,HADOOP_HOME,PATH,LANG,TZ,JDK_JAVA_OPTIONS,HAMA_CONF_DIR"
    )
    return {
        "yarn.resourcemanager.hostname": HOST,
        "yarn.resourcemanager.bind-host": HOST,
        "yarn.resourcemanager.address": f"{HOST}:{ports.rm}",
        "yarn.resourcemanager.scheduler.address": f"{HOST}:{ports.rm_scheduler}",
        "yarn.resourcemanager.resource-tracker.address": f"{HOST}:{ports.rm_tracker}",
        "yarn.resourcemanager.admin.address": f"{HOST}:{ports.rm_admin}",
        "yarn.resourcemanager.webapp.address": f"{HOST}:{ports.rm_web}",
        "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms": 250,
        "yarn.resourcemanager.scheduler.class":
            "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler",
        "yarn.resourcemanager.recovery.enabled": False,
        "yarn.resourcemanager.system-metrics-publisher.enabled": False,
        "yarn.resourcemanager.connect.max-wait.ms": 20000,
        "yarn.resourcemanager.connect.retry-interval.ms": 500,
        "yarn.timeline-service.enabled": False,
        "yarn.nodemanager.hostname": HOST,
        "yarn.nodemanager.bind-host": HOST,
        "yarn.nodemanager.address": f"{HOST}:{ports.nm}",
        "yarn.nodemanager.localizer.address": f"{HOST}:{ports.nm_localizer}",
        "yarn.nodemanager.webapp.address": f"{HOST}:{ports.nm_web}",
        "yarn.nodemanager.container-executor.class":
            "org.apache.hadoop.yarn.server.nodemanager.DefaultContainerExecutor",
        "yarn.nodemanager.resource.memory-mb": 8192,
        "yarn.nodemanager.resource.cpu-vcores": 16,
        "yarn.nodemanager.resource.detect-hardware-capabilities": False,
        "yarn.scheduler.minimum-allocation-mb": 128,
        "yarn.scheduler.maximum-allocation-mb": 8192,
        "yarn.scheduler.minimum-allocation-vcores": 1,
        "yarn.scheduler.maximum-allocation-vcores": 16,
        "yarn.nodemanager.pmem-check-enabled": False,
        "yarn.nodemanager.vmem-check-enabled": False,
        "yarn.nodemanager.container-monitor.enabled": False,
        "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage": 100,
        "yarn.nodemanager.disk-health-checker.min-free-space-per-disk-mb": 0,
        "yarn.nodemanager.local-dirs": str(layout.data / "yarn" / "local"),
        "yarn.nodemanager.log-dirs": str(layout.data / "yarn" / "logs"),
        "yarn.nodemanager.env-whitelist": whitelist,
        "yarn.nodemanager.user-home-dir": os.environ.get("HOME", "/root"),
        "yarn.nodemanager.delete.debug-delay-sec": 3600,
        "yarn.nodemanager.recovery.enabled": False,
        "yarn.nodemanager.sleep-delay-before-sigkill.ms": 250,
        "yarn.nodemanager.process-kill-wait.ms": 1000,
        "yarn.log-aggregation-enable": True,
        "yarn.nodemanager.remote-app-log-dir": f"hdfs://{HOST}:{ports.namenode_rpc}/tmp/logs",
        "yarn.log-aggregation.retain-seconds": 86400,
        # NB: Hadoop 3.3+ aggregates to <root>/<user>/bucket-logs-tfile/<bucket>/<appId>; skein 0.8.2's
        # application_logs() looks in the Hadoop 2 place <root>/<user>/logs/<appId> and cannot find them.
        # Tests read container logs from the NM log dir instead (ClusterInfo.container_logs).
        "yarn.nodemanager.remote-app-log-dir-suffix": "logs",
        "yarn.application.classpath": f"{layout.conf},{layout.lib}/*",
        "yarn.am.liveness-monitor.expiry-interval-ms": 60000,
        "yarn.nm.liveness-monitor.expiry-interval-ms": 60000,
    }


def capacity_scheduler() -> dict[str, str | int | float | bool]:
    return {
        "yarn.scheduler.capacity.root.queues": "default",
        "yarn.scheduler.capacity.root.default.capacity": 100,
        "yarn.scheduler.capacity.root.default.maximum-capacity": 100,
        "yarn.scheduler.capacity.root.default.user-limit-factor": 1,
        "yarn.scheduler.capacity.root.default.state": "RUNNING",
        "yarn.scheduler.capacity.root.default.acl_submit_applications": "*",
        "yarn.scheduler.capacity.root.default.acl_administer_queue": "*",
        "yarn.scheduler.capacity.maximum-am-resource-percent": 1.0,
        "yarn.scheduler.capacity.node-locality-delay": -1,
        "yarn.scheduler.capacity.resource-calculator":
            "org.apache.hadoop.yarn.util.resource.DefaultResourceCalculator",
    }


def hbase_site(layout: Layout, ports: Ports) -> dict[str, str | int | float | bool]:
    return {
        "hbase.cluster.distributed": False,
        "hbase.rootdir": f"file://{layout.data / 'hbase'}",
        "hbase.tmp.dir": str(layout.data / "hbase-tmp"),
        "hbase.unsafe.stream.capability.enforce": False,
        "hbase.zookeeper.quorum": HOST,
        "hbase.zookeeper.property.clientPort": ports.hbase_zookeeper,
        "hbase.zookeeper.property.dataDir": str(layout.data / "hbase-zk"),
        "hbase.master.ipc.address": HOST,
        "hbase.regionserver.ipc.address": HOST,
        "hbase.master.hostname": HOST,
        "hbase.regionserver.hostname": HOST,
        "hbase.master.port": ports.hbase_master,
        "hbase.regionserver.port": ports.hbase_regionserver,
        "hbase.master.info.port": -1,
        "hbase.regionserver.info.port": -1,
        "hbase.regionserver.thrift.port": ports.hbase_thrift,
        "hbase.regionserver.thrift.ipaddress": HOST,
        "hbase.thrift.info.port": -1,
        "hbase.regionserver.handler.count": 10,
        # one region server: stop waiting for more as soon as it has registered (default ~4.5 s)
        "hbase.master.wait.on.regionservers.mintostart": 1,
        "hbase.master.wait.on.regionservers.timeout": 500,
        "hbase.master.wait.on.regionservers.interval": 100,
        "hbase.master.procedure.threads": 4,
        "hbase.regionserver.global.memstore.size": 0.2,
        "zookeeper.session.timeout": 30000,
    }


def hama_site(ports: Ports) -> dict[str, str | int | float | bool]:
    return {
        "hama.zookeeper.quorum": f"{HOST}:{ports.zookeeper}",
        "hama.zookeeper.property.clientPort": ports.zookeeper,
        "fs.defaultFS": f"hdfs://{HOST}:{ports.namenode_rpc}",
        "yarn.resourcemanager.address": f"{HOST}:{ports.rm}",
        "hbase.thrift.address": f"{HOST}:{ports.hbase_thrift}",
    }


HADOOP_LOG4J = """\
# generated by tests/cluster/config.py: daemons log to stdout, which cluster.py sends to .work/logs/<daemon>.log
log4j.rootLogger=INFO,console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.org.apache.hadoop.conf.Configuration.deprecation=WARN
log4j.logger.org.apache.hadoop.ipc.Server=WARN
log4j.logger.org.eclipse.jetty=WARN
log4j.logger.com.sun.jersey=WARN
"""

HBASE_LOG4J2 = """\
# generated by tests/cluster/config.py
status = warn
appender.console.type = Console
appender.console.target = SYSTEM_ERR
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %m%n
rootLogger = INFO,console
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = WARN
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = WARN
logger.hbase.name = org.apache.hadoop.hbase
logger.hbase.level = INFO
"""


#: ZooKeeper server settings for a low-latency test ensemble (documented ZooKeeper knobs; the
#: sync barrier benchmark's numbers depend on them, see benchmarks/bench_sync.py):
#: - requests are served on the NIO selector thread, without a hand-off to a worker pool
#:   (``nio.numWorkerThreads=0``; each hand-off costs a context switch on a 2-core machine);
#: - no incremental DataTree digest per transaction (``digest.enabled=false``; a consistency
#:   check between ensemble members, pointless for a standalone server).
#: ``forceSync=no`` in zoo.cfg does the rest: the transaction log lives on the same VM disk as
#: HDFS and HBase, throwaway data, and an fsync there measures the disk, not ZooKeeper.
ZK_TUNING = ("-Dzookeeper.nio.numWorkerThreads=0", "-Dzookeeper.digest.enabled=false")


def zoo_cfg(layout: Layout, ports: Ports) -> str:
    return "\n".join(
        [
            "# generated by tests/cluster/config.py",
            "tickTime=500",
            "initLimit=10",
            "syncLimit=5",
            f"dataDir={layout.data / 'zookeeper'}",
            f"clientPort={ports.zookeeper}",
            f"clientPortAddress={HOST}",
            "maxClientCnxns=0",
            "admin.enableServer=false",
            "4lw.commands.whitelist=ruok,srvr,stat,mntr,conf",
            "minSessionTimeout=1000",
            "maxSessionTimeout=60000",
            "forceSync=no",  # throwaway test data; see ZK_TUNING
            "",
        ]
    )


YARN_SHIM = """\
#!/bin/sh
# generated by tests/cluster/config.py: stand-in for `yarn|hadoop classpath [--glob]`
# (skein 0.8.2's driver runs `yarn classpath --glob`; there is no Hadoop tarball here)
case "$1" in
  classpath) echo "{classpath}" ;;
  *) echo "$(basename "$0"): only 'classpath' is supported by this test shim" >&2; exit 1 ;;
esac
"""


def environment(layout: Layout, ports: Ports) -> dict[str, str]:
    """Client settings for tests, Java helpers and skein (also written to env.sh)."""
    jhome = java_home()
    return {
        "JAVA_HOME": str(jhome),
        "HADOOP_CONF_DIR": str(layout.conf),
        "YARN_CONF_DIR": str(layout.conf),
        "HAMA_CONF_DIR": str(layout.conf),
        "HBASE_CONF_DIR": str(layout.hbase_conf),
        "HADOOP_LIB_DIR": str(layout.lib),
        "HAMA_TEST_LIB_DIR": str(layout.lib),
        "HAMA_TEST_HADOOP_CLASSPATH": layout.hadoop_classpath,
        "HAMA_TEST_HBASE_CLASSPATH": layout.hbase_classpath,
        "HAMA_TEST_JDK_JAVA_OPTIONS": " ".join(HADOOP_JPMS),
        "HAMA_ZOOKEEPER_QUORUM": f"{HOST}:{ports.zookeeper}",
        "HAMA_HDFS_URL": f"hdfs://{HOST}:{ports.namenode_rpc}",
        "HAMA_WEBHDFS_URL": f"http://{HOST}:{ports.namenode_http}/webhdfs/v1",
        "HAMA_YARN_RM_ADDRESS": f"{HOST}:{ports.rm}",
        "HAMA_YARN_RM_WEB": f"http://{HOST}:{ports.rm_web}",
        "HBASE_THRIFT_ADDRESS": f"{HOST}:{ports.hbase_thrift}",
        "HBASE_ZOOKEEPER_QUORUM": f"{HOST}:{ports.hbase_zookeeper}",
        "HADOOP_USER_NAME": "root",
        "SKEIN_CONFIG": str(layout.skein_config),
        "SKEIN_DRIVER_JAVA_OPTIONS": "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        "PATH": ":".join([*map(str, client_path_dirs(layout)), os.environ.get("PATH", "/usr/bin:/bin")]),
    }


def client_path_dirs(layout: Layout) -> list[Path]:
    """Directories a client shell needs first on PATH: the ``yarn``/``hadoop`` shims (skein's driver runs
    ``yarn classpath --glob``) and the bin dir of the interpreter running the harness when it holds ``hama``
    (``.venv/bin`` after ``./dev.sh setup``), so ``eval "$(cluster.sh env)"`` alone makes ``hama run -r yarn`` work."""
    dirs = [layout.bin]
    venv_bin = Path(sys.executable).parent
    if (venv_bin / "hama").exists() and venv_bin != layout.bin:
        dirs.append(venv_bin)
    return dirs


def env_sh(env: dict[str, str], layout: Layout) -> str:
    lines = ["# generated by tests/cluster/cluster.py -- source me: . tests/cluster/.work/env.sh"]
    for key, value in env.items():
        if key == "PATH":
            # prepend each directory once (sourcing twice does not grow PATH); the caller's PATH stays after them
            for directory in reversed(client_path_dirs(layout)):
                quoted = shlex.quote(str(directory))
                lines.append(f'case ":$PATH:" in *:{quoted}:*) ;; *) export PATH={quoted}:"$PATH" ;; esac')
        else:
            lines.append(f"export {key}={shlex.quote(value)}")
    return "\n".join(lines) + "\n"


def write_all(layout: Layout, ports: Ports) -> dict[str, str]:
    """Write every generated file; returns the client environment."""
    conf = layout.conf
    _write(conf / "core-site.xml", _xml(core_site(layout, ports)))
    _write(conf / "hdfs-site.xml", _xml(hdfs_site(layout, ports)))
    _write(conf / "yarn-site.xml", _xml(yarn_site(layout, ports)))
    _write(conf / "capacity-scheduler.xml", _xml(capacity_scheduler()))
    _write(conf / "hama-site.xml", _xml(hama_site(ports)))
    _write(conf / "log4j.properties", HADOOP_LOG4J)
    _write(layout.hbase_conf / "hbase-site.xml", _xml(hbase_site(layout, ports)))
    _write(layout.hbase_conf / "log4j2.properties", HBASE_LOG4J2)
    _write(layout.zk_conf / "zoo.cfg", zoo_cfg(layout, ports))
    _write(layout.zk_conf / "log4j.properties", HADOOP_LOG4J)
    # Maven's hadoop-hdfs jar has no webapps/ (the tarball ships them separately); HttpServer2 only needs
    # the directories to exist on the classpath: WebHDFS and /jmx are registered in code.
    for app in ("hdfs", "datanode", "secondary", "journal", "static"):
        _write(conf / "webapps" / app / "index.html", f"<html><body>{app} (test cluster)</body></html>\n")
    for name in ("yarn", "hadoop"):
        shim = layout.bin / name
        _write(shim, YARN_SHIM.replace("{classpath}", layout.hadoop_classpath))
        shim.chmod(0o755)
    env = environment(layout, ports)
    _write(layout.env_file, env_sh(env, layout))
    _write(layout.state_file, json.dumps({"ports": ports.to_json()}, indent=2) + "\n")
    return env


def digest(layout: Layout, ports: Ports) -> str:
    """Fingerprint of everything generated: a running stack with another fingerprint is restarted."""
    import hashlib

    parts = [
        json.dumps([core_site(layout, ports), hdfs_site(layout, ports), yarn_site(layout, ports),
                    capacity_scheduler(), hbase_site(layout, ports), hama_site(ports)], sort_keys=True),
        zoo_cfg(layout, ports), HADOOP_LOG4J, HBASE_LOG4J2, " ".join(HADOOP_JPMS + HBASE_JPMS + SMALL_JVM + ZK_TUNING),
        json.dumps(dataclasses.asdict(Heaps())),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load_ports(layout: Layout) -> Ports:
    """Ports of the generated config (what a running stack uses), else the defaults from the env."""
    try:
        return Ports.from_json(json.loads(layout.state_file.read_text())["ports"])
    except (OSError, ValueError, KeyError, TypeError):
        return Ports.from_env()
