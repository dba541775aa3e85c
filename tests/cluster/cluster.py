"""Real ZooKeeper, HDFS, YARN and HBase (+Thrift1) on 127.0.0.1 for the integration tests.

Usage (from anywhere; ``tests/cluster/cluster.sh`` is a thin wrapper)::

    python -m tests.cluster.cluster install   # apt zookeeper + Maven jars + Python clients, no start
    python -m tests.cluster.cluster up        # install, start, wait for real probes (idempotent)
    python -m tests.cluster.cluster status    # daemons, pids, RSS, probe results
    python -m tests.cluster.cluster env       # print the env file (source it: eval "$(cluster.sh env)")
    python -m tests.cluster.cluster down      # stop exactly what `up` started

The pytest plugin ``tests.cluster.fixtures`` calls :func:`up` / :func:`down`.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import dataclasses
import fcntl
import logging
import shutil
import sys
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from tests.cluster import config, daemons, install, probes
from tests.cluster.config import HOST, Heaps, Layout, Ports

log = logging.getLogger("cluster")

ORDER = ["zookeeper", "namenode", "datanode", "resourcemanager", "nodemanager", "hbase", "thrift"]
#: stop order: containers (under the NM) and clients of HDFS first
STOP_ORDER = ["nodemanager", "resourcemanager", "thrift", "hbase", "datanode", "namenode", "zookeeper"]

#: service -> (daemons it needs, default timeout in seconds)
SERVICES: dict[str, tuple[tuple[str, ...], float]] = {
    "zookeeper": (("zookeeper",), 60.0),
    "hdfs": (("namenode", "datanode"), 150.0),
    "yarn": (("resourcemanager", "nodemanager"), 150.0),
    "hbase": (("hbase", "thrift"), 240.0),
}


class ClusterError(RuntimeError):
    """The cluster could not be brought up (message names the failing daemon and its log)."""


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    """What tests need to talk to the running stack."""

    layout: Layout
    ports: Ports
    env: dict[str, str]
    started: bool  # True if this call started the daemons (so the caller owns tear-down)

    @property
    def zk_quorum(self) -> str:
        return f"{HOST}:{self.ports.zookeeper}"

    @property
    def hdfs_url(self) -> str:
        return f"hdfs://{HOST}:{self.ports.namenode_rpc}"

    @property
    def webhdfs_url(self) -> str:
        return f"http://{HOST}:{self.ports.namenode_http}/webhdfs/v1"

    @property
    def namenode_http(self) -> str:
        return f"http://{HOST}:{self.ports.namenode_http}"

    @property
    def rm_address(self) -> str:
        return f"{HOST}:{self.ports.rm}"

    @property
    def rm_web(self) -> str:
        return f"http://{HOST}:{self.ports.rm_web}"

    @property
    def hbase_thrift_host(self) -> str:
        return HOST

    @property
    def hbase_thrift_port(self) -> int:
        return self.ports.hbase_thrift

    @property
    def hbase_thrift_address(self) -> str:
        return f"{HOST}:{self.ports.hbase_thrift}"

    @property
    def conf_dir(self) -> Path:
        return self.layout.conf

    @property
    def lib_dir(self) -> Path:
        return self.layout.lib

    @property
    def log_dir(self) -> Path:
        return self.layout.logs

    @property
    def java_home(self) -> str:
        return self.env["JAVA_HOME"]

    @property
    def hadoop_classpath(self) -> str:
        return self.layout.hadoop_classpath

    def container_logs(self, app_id: str) -> dict[str, str]:
        """``{"<container id>/<file>": text}`` for a YARN application, from the NodeManager's log dir.

        (skein's ``application_logs()`` cannot read Hadoop 3.3+'s bucketed aggregated-log layout.)
        """
        root = self.layout.data / "yarn" / "logs" / app_id
        return {
            str(path.relative_to(root)): path.read_text(errors="replace")
            for path in sorted(root.glob("*/*"))
            if path.is_file()
        }


# --------------------------------------------------------------------------- probes


def _probe_fns(ports: Ports) -> dict[str, Callable[[], bool]]:
    return {
        "zookeeper": lambda: probes.zookeeper_ready(ports),
        "hdfs": lambda: probes.hdfs_ready(ports),
        "yarn": lambda: probes.yarn_ready(ports),
        "hbase": lambda: probes.hbase_ready(ports),
    }


def _dead_daemon(layout: Layout, names: tuple[str, ...]) -> Callable[[], str | None]:
    def check() -> str | None:
        for name, proc in daemons.running(layout, list(names)).items():
            if proc is None:
                return name
        return None

    return check


def _wait_service(layout: Layout, ports: Ports, service: str, timeout: float | None = None) -> float:
    names, default_timeout = SERVICES[service]
    logs = [layout.logs / f"{n}.log" for n in names]
    waited = probes.wait_for(
        f"{service} ({', '.join(names)})",
        _probe_fns(ports)[service],
        default_timeout if timeout is None else timeout,
        logs,
        alive=_dead_daemon(layout, names),
    )
    if service == "hdfs":
        probes.hdfs_prepare(ports)
    log.info("%-9s ready after %5.1fs", service, waited)
    return waited


def healthy(
    layout: Layout, ports: Ports, services: tuple[str, ...] = tuple(SERVICES), attempts: int = 3
) -> dict[str, str | None]:
    """service -> None if healthy, else the reason (a quick probe each, retried on transient errors)."""
    out: dict[str, str | None] = {}
    procs = daemons.running(layout, ORDER)
    fns = _probe_fns(ports)
    for service in services:
        dead = [n for n in SERVICES[service][0] if procs.get(n) is None]
        if dead:
            out[service] = f"not running: {', '.join(dead)}"
            continue
        for attempt in range(attempts):
            try:
                out[service] = None if fns[service]() else "probe failed"
            except Exception as exc:  # noqa: BLE001
                out[service] = f"probe error: {type(exc).__name__}: {exc}"
            if out[service] is None:
                break
            time.sleep(1.0 * (attempt + 1))
    return out


# --------------------------------------------------------------------------- up / down


def _check_ports_free(ports: Ports) -> None:
    busy = [f"{name}={port}" for name, port in ports.to_json().items() if probes.port_open(port)]
    if busy:
        raise ClusterError(
            f"ports already in use by something this harness did not start: {', '.join(busy)}; "
            "stop it, or shift all ports with HAMA_CLUSTER_PORT_OFFSET=<n>"
        )


@contextlib.contextmanager
def _locked(layout: Layout) -> Iterator[None]:
    """Serialize up/down between processes (two pytest sessions on one machine)."""
    layout.work.mkdir(parents=True, exist_ok=True)
    with open(layout.work / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def up(layout: Layout | None = None, *, do_install: bool = True, ports: Ports | None = None) -> ClusterInfo:
    """Bring the whole stack up (or return at once if it already runs and is healthy)."""
    layout = layout or Layout()
    with _locked(layout):
        return _up(layout, do_install, ports)


def _up(layout: Layout, do_install: bool, ports: Ports | None) -> ClusterInfo:
    t0 = time.monotonic()
    if do_install:
        install.install(layout)
    java = config.java_home()

    procs = daemons.running(layout, ORDER)
    if all(procs.values()):
        current = config.load_ports(layout)
        status = healthy(layout, current)
        fingerprint = layout.pids / "config.sha256"
        recorded = fingerprint.read_text().strip() if fingerprint.exists() else ""
        if recorded != config.digest(layout, current):
            status["config"] = "generated configuration changed since start"
        if not any(status.values()):
            env = config.write_all(layout, current)
            log.info("cluster already up and healthy (%.1fs)", time.monotonic() - t0)
            return ClusterInfo(layout, current, env, started=False)
        log.warning("cluster running but unhealthy (%s): restarting", status)
    if any(procs.values()):
        log.info("some daemons left from an earlier run: stopping them first")
        _down(layout)

    ports = ports or Ports.from_env()
    _check_ports_free(ports)
    # fresh state on every cold start (formatting is cheaper than recovering stale metadata)
    for d in (layout.data, layout.logs, layout.skein_config):
        shutil.rmtree(d, ignore_errors=True)
    layout.data.mkdir(parents=True)
    layout.logs.mkdir(parents=True)
    env = config.write_all(layout, ports)
    layout.pids.mkdir(parents=True, exist_ok=True)
    (layout.pids / "config.sha256").write_text(config.digest(layout, ports) + "\n")
    all_d = daemons.all_daemons(layout, Heaps())

    t_start = time.monotonic()
    try:
        with cf.ThreadPoolExecutor(max_workers=1) as pool:
            fmt = pool.submit(daemons.format_namenode, layout, java)
            for name in ("zookeeper", "resourcemanager", "nodemanager", "hbase", "thrift"):
                daemons.start(all_d[name], layout, java)
            fmt.result()
        daemons.start(all_d["namenode"], layout, java)
        daemons.start(all_d["datanode"], layout, java)
        log.info("all daemons launched in %.1fs; waiting for readiness", time.monotonic() - t_start)

        wait_ready(SERVICES, lambda s: _wait_service(layout, ports, s), "test cluster")
    except BaseException:
        log.error("start-up failed; daemons are left running for inspection (run `cluster.sh down`)")
        raise
    log.info("cluster up in %.1fs (daemons %.1fs)", time.monotonic() - t0, time.monotonic() - t_start)
    return ClusterInfo(layout, ports, env, started=True)


def wait_ready(services: Collection[str], wait: Callable[[str], object], what: str) -> None:
    """Run *wait* for every service in parallel; one ClusterError naming each that failed."""
    errors: list[str] = []
    with cf.ThreadPoolExecutor(max_workers=len(services)) as pool:
        futures = {pool.submit(wait, s): s for s in services}
        for fut in cf.as_completed(futures):
            try:
                fut.result()
            except Exception as exc:  # noqa: BLE001
                errors.append(f"[{futures[fut]}] {exc}")
    if errors:
        raise ClusterError(f"{what} failed to start:\n" + "\n".join(errors))


def down(layout: Layout | None = None) -> list[str]:
    """Stop every daemon recorded in .work/pids (and the YARN containers under the NodeManager)."""
    layout = layout or Layout()
    with _locked(layout):
        return _down(layout)


def _down(layout: Layout) -> list[str]:
    stopped = []
    # the NodeManager first, alone, so its containers die while HDFS is still there;
    # the rest in parallel
    if daemons.stop(layout, "nodemanager"):
        stopped.append("nodemanager")
    rest = [n for n in STOP_ORDER if n != "nodemanager"]
    with cf.ThreadPoolExecutor(max_workers=len(rest)) as pool:
        for name, was_up in zip(rest, pool.map(lambda n: daemons.stop(layout, n), rest)):
            if was_up:
                stopped.append(name)
    log.info("stopped: %s", ", ".join(stopped) or "nothing was running")
    return stopped


def info(layout: Layout | None = None) -> ClusterInfo:
    """ClusterInfo of the current generated config (does not start anything)."""
    layout = layout or Layout()
    ports = config.load_ports(layout)
    return ClusterInfo(layout, ports, config.environment(layout, ports), started=False)


def status(layout: Layout | None = None) -> int:
    layout = layout or Layout()
    ports = config.load_ports(layout)
    procs = daemons.running(layout, ORDER)
    live = [p for p in procs.values() if p is not None]
    rss = daemons.rss_mb(live)
    print(f"{'daemon':16} {'pid':>7} {'RSS MiB':>8}  log")
    for name in ORDER:
        proc = procs[name]
        pid = str(proc.pid) if proc else "-"
        mem = f"{rss.get(proc.pid, 0):.0f}" if proc else "-"
        print(f"{name:16} {pid:>7} {mem:>8}  {layout.logs / (name + '.log')}")
    print(f"{'total':16} {'':>7} {sum(rss.values()):8.0f}")
    result = healthy(layout, ports)
    for service, problem in result.items():
        print(f"{service:10} {'OK' if problem is None else 'DOWN: ' + problem}")
    return 0 if not any(result.values()) else 1


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cluster.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["install", "up", "down", "status", "env"])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--secure", action="store_true",
                        help="the secured profile (Kerberos KDC, HDFS+YARN in Kerberos mode; tests/cluster/secure.py), "
                             "beside the normal stack: own ports and tests/cluster/.work-secure/")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    if args.secure:
        return _secure_main(args.command)
    layout = Layout()
    try:
        if args.command == "install":
            t0 = time.monotonic()
            install.install(layout)
            log.info("install done in %.1fs; lib dir %.0f MiB", time.monotonic() - t0,
                     install.dir_size_mb(layout.lib))
        elif args.command == "up":
            cluster = up(layout)
            print(cluster.layout.env_file)
        elif args.command == "down":
            down(layout)
        elif args.command == "status":
            return status(layout)
        elif args.command == "env":
            if not layout.env_file.exists():
                config.write_all(layout, config.load_ports(layout))
            # always the current client environment (an env.sh written by an older harness may lack PATH entries)
            ports = config.load_ports(layout)
            text = config.env_sh(config.environment(layout, ports), layout)
            if layout.env_file.read_text() != text:
                layout.env_file.write_text(text)
            sys.stdout.write(text)
    except (ClusterError, probes.ProbeError, RuntimeError) as exc:
        log.error("%s", exc)
        return 1
    return 0


def _secure_main(command: str) -> int:
    from tests.cluster import secure

    try:
        if command == "install":
            secure.ensure_krb5()
            install.install(secure.SecureLayout())
        elif command == "up":
            print(secure.up().layout.env_file)
        elif command == "down":
            secure.down()
        elif command == "status":
            return secure.status()
        elif command == "env":
            sys.stdout.write(secure.env_text())
    except (ClusterError, probes.ProbeError, RuntimeError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
