"""YARN mode: the job runs as a skein application.

Shape of the application (one per job)::

    skein master  (the ApplicationMaster container)
        python hama_appmaster.py --job-dir . --launcher yarn
        = BSPMaster + SyncServer + Thrift, publishes its address in skein's
          key-value store (``hama.master.address``), progress with set_progress,
          and shuts the application down with the job's final status.
    service "peer"  (0 instances at submit; the master adds one container per task)
        python hama_container.py --job-dir . --yarn
        = one BSP peer; task index from the container's env, master address
          from the key-value store.

The job's ``job.json``, the user's script, the two thin entry points and the job
secret (a private file, never in the key-value store, whose contents skein's web
UI shows) are localized into every container.  skein is imported lazily: nothing
here is loaded unless a job runs on YARN.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..client import RunningJob, _new_job_dir, registry_dir
from ..config import HamaConfiguration
from ..errors import JobSubmissionError
from ..resources import data_path
from ..rpc.auth import new_secret
from ..util import write_json_atomic
from .base import PeerExit, PeerLauncher

log = logging.getLogger(__name__)

__all__ = [
    "submit_yarn",
    "build_spec",
    "YarnRunningJob",
    "YarnPeerLauncher",
    "run_yarn_master",
    "yarn_peer_context",
    "skein_client",
    "hama_applications",
    "find_application",
    "announce",
    "KV_MASTER_ADDRESS",
    "SERVICE",
    "TAG",
]

#: skein key-value store key holding the master's ``host:port``.
KV_MASTER_ADDRESS = "hama.master.address"
#: Name of the skein service whose containers run the peers.
SERVICE = "peer"
#: Tag on every hama-yarn application (``hama-job:<job id>`` is added per job).
TAG = "hama"
#: File name of the job secret inside each container.
SECRET_FILE = "hama-secret"
#: Environment variable carrying a peer container's task index.
TASK_INDEX_ENV = "HAMA_TASK_INDEX"
#: Files of the two thin entry points inside the containers.
MASTER_ENTRY, PEER_ENTRY = "hama_appmaster.py", "hama_container.py"
#: Directory an ``hama.yarn.environment`` archive is unpacked to.
ENV_DIR = "environment"

_ACTIVE = ("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")
_FINAL = ("FINISHED", "FAILED", "KILLED")

_client_lock = threading.Lock()
_client: Any = None
_listener: list[Callable[[str, str], None]] = []


# ------------------------------------------------------------------ skein client
def skein_client() -> Any:
    """The process-wide ``skein.Client`` (its Java driver starts on first use).

    Raises
    ------
    JobSubmissionError
        The driver cannot start; the message names the usual causes.
    """
    global _client
    with _client_lock:
        if _client is None:
            import skein

            logfile = os.environ.get("HAMA_SKEIN_DRIVER_LOG")
            try:
                _client = skein.Client(log=logfile if logfile else False)
            except (skein.exceptions.DriverError, skein.exceptions.ConnectionError) as exc:
                raise JobSubmissionError(
                    f"cannot start or reach the skein driver: {exc}. Check JAVA_HOME, HADOOP_CONF_DIR "
                    f"(now {os.environ.get('HADOOP_CONF_DIR', 'unset')}), that `yarn classpath` works, and any "
                    "http(s)_proxy variables; set HAMA_SKEIN_DRIVER_LOG=/path/driver.log for the driver's log"
                ) from exc
        return _client


@contextmanager
def announce(callback: Callable[[str, str], None]) -> Iterator[None]:
    """While active, ``callback(app_id, tracking_url)`` runs as soon as an application is submitted."""
    _listener.append(callback)
    try:
        yield
    finally:
        _listener.remove(callback)


# ------------------------------------------------------------------ staging + spec
def _python(conf: HamaConfiguration) -> str:
    if conf.get("hama.yarn.environment"):
        return f"{ENV_DIR}/bin/python"
    return conf.get("hama.peer.python") or sys.executable


def _ship_class(conf: HamaConfiguration, key: str, shipped: dict[str, str]) -> None:
    """Rewrite ``/abs/script.py:Class`` to ``script.py:Class`` and remember the file to localize."""
    value = conf.get(key)
    if not value:
        return
    target, sep, name = value.rpartition(":")
    if not sep or not target.endswith(".py"):
        return  # a module path: it must be importable in the containers' environment
    src = Path(target).expanduser().resolve()
    dest = src.name
    if shipped.get(dest, str(src)) != str(src):
        raise JobSubmissionError(f"{key}: two different scripts are both called {dest}")
    shipped[dest] = str(src)
    conf.set(key, f"{dest}:{name}")


def _stage(conf: HamaConfiguration) -> tuple[str, Path, str, dict[str, str]]:
    """Write job.json and the secret; return ``(job_id, job_dir, secret, files dest -> local source)``."""
    job_id, job_dir = _new_job_dir(conf)
    if not conf.get("bsp.job.name"):
        conf.set("bsp.job.name", (conf.get("bsp.work.class") or job_id).rsplit(":", 1)[-1])
    staged = conf.copy()
    files: dict[str, str] = {}
    for key in ("bsp.work.class", "bsp.combiner.class", "bsp.input.partitioner.class"):
        _ship_class(staged, key, files)
    for extra in (conf.get("hama.yarn.files") or "").split(","):
        extra = extra.strip()
        if extra:
            p = Path(extra).expanduser().resolve()
            if not p.exists():
                raise JobSubmissionError(f"hama.yarn.files: {extra} does not exist")
            files[p.name] = str(p)
    secret = new_secret()
    write_json_atomic(job_dir / "job.json", {"job_id": job_id, "conf": staged.to_dict()})
    secret_path = job_dir / SECRET_FILE
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w") as f:
        f.write(secret)
    files["job.json"] = str(job_dir / "job.json")
    files[SECRET_FILE] = str(secret_path)
    files[MASTER_ENTRY] = str(data_path("appmaster") / "__main__.py")
    files[PEER_ENTRY] = str(data_path("container") / "__main__.py")
    return job_id, job_dir, secret, files


def _script(conf: HamaConfiguration, command: str) -> str:
    lines = ["set -e"]
    if conf.get("hama.yarn.environment"):
        # venv-pack and conda-pack archives both ship bin/activate; activation fixes PATH and prefixes
        lines.append(f"if [ -f {ENV_DIR}/bin/activate ]; then . {ENV_DIR}/bin/activate; fi")
    lines.append(f"exec {shlex.quote(_python(conf))} {command}")
    return "\n".join(lines) + "\n"


def build_spec(conf: HamaConfiguration, job_id: str, files: dict[str, str]) -> Any:
    """The skein ``ApplicationSpec`` of a staged job.

    Parameters
    ----------
    conf : HamaConfiguration
        The job's configuration (resources, queue, name, tags, environment).
    job_id : str
        The staging job id (the application name when no job name is set).
    files : dict
        Destination name -> local path of every file to localize.
    """
    import skein

    localized: dict[str, Any] = {dest: skein.File(source=src, type="file") for dest, src in files.items()}
    archive = conf.get("hama.yarn.environment")
    if archive:
        localized[ENV_DIR] = skein.File(source=archive, type="archive")
    env = {
        "PYTHONUNBUFFERED": "1",
        "HAMA_LOG_LEVEL": os.environ.get("HAMA_LOG_LEVEL", "INFO"),
    }
    extra_tags = [t.strip() for t in (conf.get("hama.yarn.tags") or "").split(",") if t.strip()]
    linger = conf.get_seconds("hama.yarn.master.linger.ms")
    master = skein.Master(
        resources=skein.Resources(memory=conf.get_int("hama.yarn.master.memory"), vcores=conf.get_int("hama.yarn.master.vcores")),
        files=localized,
        env=env,
        script=_script(conf, f"{MASTER_ENTRY} --job-dir . --launcher yarn --linger {linger:g}"),
    )
    peer = skein.Service(
        instances=0,
        resources=skein.Resources(memory=conf.get_int("bsp.child.mem.in.mb"), vcores=conf.get_int("hama.yarn.peer.vcores")),
        files=localized,
        env=env,
        script=_script(conf, f"{PEER_ENTRY} --job-dir . --yarn"),
        max_restarts=0,
        allow_failures=True,  # the master decides: the first failing peer fails the job (gang semantics)
    )
    return skein.ApplicationSpec(
        name=conf.get("hama.yarn.app.name") or conf.get("bsp.job.name") or job_id,
        queue=conf.get("hama.yarn.queue") or "default",
        tags=[TAG, *extra_tags],
        max_attempts=1,
        master=master,
        services={SERVICE: peer},
    )


# ------------------------------------------------------------------ client side
def submit_yarn(conf: HamaConfiguration) -> YarnRunningJob:
    """Stage a validated job, submit it as a skein application, wait for its master.

    Raises
    ------
    JobSubmissionError
        skein cannot submit, or the application ended (or timed out) before its
        master published its address.
    """
    import skein

    job_id, job_dir, secret, files = _stage(conf)
    spec = build_spec(conf, job_id, files)
    client = skein_client()
    try:
        app_id = client.submit(spec)
    except skein.exceptions.SkeinError as exc:
        shutil.rmtree(job_dir, ignore_errors=True)
        raise JobSubmissionError(f"YARN refused the application: {exc}") from exc
    job_id = job_id_for(app_id)
    tracking = _tracking_url(client, app_id)
    log.info("Submitted application %s (job %s); tracking URL: %s", app_id, job_id, tracking)
    for cb in list(_listener):
        cb(app_id, tracking)
    try:
        address = _wait_master(client, app_id, conf)
    except BaseException:
        _kill_quietly(client, app_id)
        shutil.rmtree(job_dir, ignore_errors=True)
        raise
    reg = registry_dir(conf)
    reg.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_atomic(reg / f"{job_id}.json", {
        "job_id": job_id, "address": address, "secret": secret, "name": conf.get("bsp.job.name"),
        "pid": os.getpid(), "submitted": time.time(), "app_id": app_id, "tracking_url": tracking,
    })
    return YarnRunningJob(job_id, address, secret, job_dir, app_id=app_id, tracking_url=tracking,
                          rpc_timeout=conf.get_seconds("hama.rpc.timeout.ms"))


def _tracking_url(client: Any, app_id: str) -> str:
    try:
        url = str(client.application_report(app_id).tracking_url or "")
    except Exception:  # noqa: BLE001 - the URL is a courtesy
        return ""
    return url if "://" in url or not url else f"http://{url}"


def _kill_quietly(client: Any, app_id: str) -> None:
    try:
        client.kill_application(app_id)
    except Exception:  # noqa: BLE001
        log.debug("killing %s failed", app_id, exc_info=True)


def _wait_master(client: Any, app_id: str, conf: HamaConfiguration) -> str:
    timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms") + conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    app = None
    state = "NEW"
    while time.monotonic() < deadline:
        report = client.application_report(app_id)
        state = str(report.state)
        if state in _FINAL:
            raise JobSubmissionError(
                f"application {app_id} ended ({state}/{report.final_status}) before its master started: "
                f"{(report.diagnostics or '').strip()}\n{logs_hint(app_id)}"
            )
        if state == "RUNNING":
            if app is None:
                app = client.connect(app_id, wait=False)
            try:
                value = app.kv.get(KV_MASTER_ADDRESS)
            except Exception:  # noqa: BLE001 - the AM may be starting or already gone
                value = None
            if value:
                return bytes(value).decode()
        time.sleep(0.1 if state == "RUNNING" else 0.25)
    raise JobSubmissionError(
        f"the master of {app_id} did not start within {timeout:g}s (last YARN state {state}; "
        "hama.yarn.allocation.timeout.ms + hama.master.start.timeout.ms); the application was killed. "
        f"Check that queue {conf.get('hama.yarn.queue')!r} has room for {conf.get_int('hama.yarn.master.memory')} MiB.\n"
        + logs_hint(app_id)
    )


def job_id_for(app_id: str) -> str:
    """The job id of the application: ``application_<cluster ts>_<n>`` -> ``job_<cluster ts>_<n>``.

    As MapReduce does, the job id mirrors the application id, so it is unique on the
    cluster and the master and every peer derive the same one.
    """
    return "job_" + app_id.split("_", 1)[1] if app_id.startswith("application_") else app_id


def logs_hint(app_id: str) -> str:
    """The ``yarn logs`` command that shows an application's container logs."""
    return f"Container logs: yarn logs -applicationId {app_id}"


class YarnRunningJob(RunningJob):
    """A job running as a YARN application: a :class:`RunningJob` plus the application.

    ``kill`` falls back to killing the application when its master does not answer;
    ``release`` waits for the application to end (and kills it if it does not), so no
    application outlives its client unless it was detached.
    """

    def __init__(self, job_id: str, address: str, secret: str, job_dir: Path | None = None, *, app_id: str,
                 tracking_url: str = "", rpc_timeout: float = 60.0) -> None:
        super().__init__(job_id, address, secret, job_dir, rpc_timeout=rpc_timeout)
        self.app_id = app_id
        self.tracking_url = tracking_url

    def status(self) -> Any:
        status = super().status()
        hint = logs_hint(self.app_id)
        if status is not None and status.state == "FAILED" and hint not in (status.diagnostics or ""):
            status.diagnostics = f"{status.diagnostics or ''}\n{hint}".strip()
        return status

    def wait_change(self, timeout: float = 1.0) -> Any:
        super().wait_change(timeout)
        return self.status()

    def _master_lost(self, exc: Exception) -> None:
        super()._master_lost(exc)
        try:
            report = skein_client().application_report(self.app_id)
            self._status.diagnostics = (
                f"{self._lost}; YARN application {self.app_id} is {report.state}/{report.final_status}: "
                f"{(report.diagnostics or '').strip()}"
            )
            if str(report.final_status) == "KILLED":
                self._status.state = "KILLED"
        except Exception:  # noqa: BLE001
            log.debug("application report failed", exc_info=True)

    def kill(self, reason: str = "killed by user") -> bool:
        if super().kill(reason):
            return True
        state = self.yarn_state()
        if state in _FINAL:
            return False
        _kill_quietly(skein_client(), self.app_id)
        return True

    def yarn_state(self) -> str:
        """The application's YARN state (``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``, ...)."""
        return str(skein_client().application_report(self.app_id).state)

    def final_status(self) -> str:
        """The application's YARN final status (``UNDEFINED`` while it runs)."""
        return str(skein_client().application_report(self.app_id).final_status)

    def release(self, timeout: float = 60.0) -> None:
        super().release()
        client = skein_client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if str(client.application_report(self.app_id).state) in _FINAL:
                return
            time.sleep(0.2)
        log.warning("application %s did not end within %.0fs after the job; killing it", self.app_id, timeout)
        _kill_quietly(client, self.app_id)


def hama_applications(states: tuple[str, ...] = ("SUBMITTED", "ACCEPTED", "RUNNING")) -> list[Any]:
    """YARN application reports of hama-yarn applications (tag ``hama``) in *states*."""
    reports = skein_client().get_applications(states=list(states))
    return [r for r in reports if TAG in set(r.tags or ())]


def job_id_of(report: Any) -> str:
    """The hama job id of an application report."""
    return job_id_for(str(report.id))


def find_application(ident: str, states: tuple[str, ...] = _ACTIVE[2:] + _FINAL) -> Any | None:
    """The report of the hama application whose app id or job id is *ident* (newest first)."""
    candidates = [r for r in hama_applications(states) if ident in (r.id, job_id_of(r))]
    return max(candidates, key=lambda r: r.start_time) if candidates else None


# ------------------------------------------------------------------ AM side
class YarnPeerLauncher(PeerLauncher):
    """Runs peers as containers of the skein service ``peer`` and watches them.

    Parameters
    ----------
    on_exit : callable
        Reports a container's end to the master.
    app : skein.ApplicationClient
        The running application.
    allocation_timeout : float
        Seconds a requested container may wait for YARN before the job fails.
    """

    def __init__(self, on_exit: Callable[[PeerExit], None], app: Any, allocation_timeout: float, poll: float = 0.5) -> None:
        super().__init__(on_exit)
        self.app = app
        self.allocation_timeout = allocation_timeout
        self.poll = poll
        self._containers: dict[int, str] = {}  # task index -> skein container id (peer_<instance>)
        self._reported: set[int] = set()
        self._launched_at = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None

    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        self._launched_at = time.monotonic()
        for i in indexes:
            c = self.app.add_container(SERVICE, env={TASK_INDEX_ENV: str(i)})
            with self._lock:
                self._containers[i] = f"{c.service_name}_{c.instance}"
        log.info("requested %d peer containers", len(indexes))
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="watch-peer-containers", daemon=True)
            self._watcher.start()

    def _snapshot(self) -> dict[str, Any]:
        import skein

        states = list(skein.model.ContainerState)
        return {f"{c.service_name}_{c.instance}": c for c in self.app.get_containers(services=[SERVICE], states=states)}

    def _watch(self) -> None:
        while not self._closed.wait(self.poll):
            try:
                snapshot = self._snapshot()
            except Exception as exc:  # noqa: BLE001 - the AM is shutting down
                log.debug("get_containers failed: %s", exc)
                continue
            now = time.monotonic()
            with self._lock:
                pending = [(i, cid) for i, cid in self._containers.items() if i not in self._reported]
            for index, cid in pending:
                c = snapshot.get(cid)
                if c is None:
                    continue
                state = str(c.state)
                if state in ("SUCCEEDED", "FAILED", "KILLED"):
                    self._reported.add(index)
                    self.on_exit(PeerExit(index, _exit_code(state, c.exit_message), _describe(c)))
                elif state in ("WAITING", "REQUESTED") and now - self._launched_at > self.allocation_timeout:
                    self._reported.add(index)
                    self.on_exit(PeerExit(index, 1, (
                        f"YARN allocated no container for it within {self.allocation_timeout:g}s "
                        f"(hama.yarn.allocation.timeout.ms; container {cid} still {state})"
                    )))

    def stop(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                live = [cid for cid, c in self._snapshot().items()
                        if cid in self._containers.values() and str(c.state) in ("WAITING", "REQUESTED", "RUNNING")]
            except Exception:  # noqa: BLE001
                return
            if not live:
                return
            time.sleep(0.2)
        for cid in live:
            try:
                self.app.kill_container(cid)
            except Exception:  # noqa: BLE001
                log.debug("kill_container %s failed", cid, exc_info=True)

    def close(self) -> None:
        self._closed.set()


def _exit_code(state: str, message: str) -> int:
    if state == "SUCCEEDED":
        return 0
    m = re.search(r"exit code[: ]+(-?\d+)", message or "", re.IGNORECASE)
    if m and int(m.group(1)) != 0:
        return int(m.group(1))
    return 137 if state == "KILLED" else 1


def _describe(c: Any) -> str:
    what = f"container {c.yarn_container_id} {str(c.state).lower()}"
    message = (c.exit_message or "").strip().splitlines()
    if message:
        what += f": {message[0][:300]}"
    tail = _log_tail(c)
    if tail:
        what += "\n--- tail of its log ---\n" + tail
    return what


def _log_tail(c: Any, limit: int = 3000) -> str:
    """Last lines of a peer container's log from its NodeManager (empty if unreachable)."""
    if not c.yarn_node_http_address or not c.yarn_container_id:
        return ""
    url = f"http://{c.yarn_node_http_address}/ws/v1/node/containers/{c.yarn_container_id}/logs/{SERVICE}.log"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - NodeManager REST
            text = resp.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001
        return ""
    lines = [ln for ln in text[-limit:].splitlines() if not _NM_ENVELOPE.match(ln)]
    return "\n".join(lines[-25:])


#: Header and footer lines the NodeManager wraps around a log file.
_NM_ENVELOPE = re.compile(
    r"^(Container: container_\S+ on \S+|LogAggregationType: \w+|=+|\*+|LogType:.*|LogLastModifiedTime:.*|"
    r"LogLength:\d+|LogContents:|End of LogType:.*)\s*$"
)


def _banner(role: str) -> None:
    from .. import __version__

    print(f"hama-yarn {__version__} {role} on {socket.gethostname()}: python {sys.executable} "
          f"({sys.version.split()[0]}), cwd {os.getcwd()}", file=sys.stderr, flush=True)


def _progress(state: Any, superstep: int) -> float:
    if state.finished:
        return 1.0
    return min(0.95, 0.1 + 0.85 * superstep / (superstep + 10.0))


def run_yarn_master(job_dir: str, linger: float) -> int:
    """Body of the master inside the skein ApplicationMaster container; returns the exit code."""
    import skein

    from ..master.server import Master
    from ..peer.main import load_job

    _banner("master")
    app = skein.ApplicationClient.from_current()
    app_id = skein.properties.application_id
    secret = (Path(job_dir) / SECRET_FILE).read_text().strip()
    job_dir = _container_job_dir(job_dir, "master")
    _, conf = load_job(job_dir)
    host = os.environ.get("NM_HOST") or socket.getfqdn()

    def publish(address: str) -> None:
        app.kv[KV_MASTER_ADDRESS] = address.encode()

    timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms")
    master = Master(job_dir, secret, lambda on_exit: YarnPeerLauncher(on_exit, app, timeout),
                    host="0.0.0.0", advertise=host, publish=publish)

    def report_progress() -> None:
        version = -1
        while True:
            status = master.wait_status(version, 5.0)
            version = status.version
            try:
                app.set_progress(_progress(master.machine.state, status.superstep))
            except Exception:  # noqa: BLE001
                return
            if master.machine.state.finished:
                return

    threading.Thread(target=report_progress, name="yarn-progress", daemon=True).start()
    state = master.run(linger=linger)
    final = {"SUCCEEDED": "SUCCEEDED", "KILLED": "KILLED"}.get(state.value, "FAILED")
    diagnostics = f"hama job {master.job_id} {state.value} after {master.machine.superstep} supersteps"
    if master.machine.diagnostics:
        diagnostics += f": {master.machine.diagnostics[-4000:]}"
    if final != "SUCCEEDED":
        diagnostics += f"\n{logs_hint(app_id)}"
    log.info("shutting down %s: %s", app_id, final)
    try:
        app.shutdown(final, diagnostics)
    except Exception:  # noqa: BLE001
        log.warning("skein shutdown failed", exc_info=True)
    return 0 if final == "SUCCEEDED" else 1


# ------------------------------------------------------------------ container side
def _container_job_dir(job_dir: str, role: str) -> str:
    """Copy job.json with the cluster-wide job id (and this node's host for peers) into ./hama-<role>-job."""
    import skein

    from ..peer.main import load_job

    _, conf = load_job(job_dir)
    if role == "peer" and not conf.get("bsp.peer.hostname"):
        conf.set("bsp.peer.hostname", os.environ.get("NM_HOST") or socket.getfqdn())
    local = Path(f"hama-{role}-job")
    local.mkdir(exist_ok=True)
    job_id = job_id_for(skein.properties.application_id or "")
    write_json_atomic(local / "job.json", {"job_id": job_id, "conf": conf.to_dict()})
    return str(local)


def yarn_peer_context(job_dir: str) -> tuple[str, int, str, str]:
    """``(job_dir, task_index, master_address, secret)`` of the peer in this container.

    The task index comes from the container env (``HAMA_TASK_INDEX``, else the skein
    instance number), the master address from the key-value store.  The job file is
    copied with ``bsp.peer.hostname`` set to the node's host when unset.
    """
    import skein


    _banner("peer")
    index_env = os.environ.get(TASK_INDEX_ENV)
    if index_env is None:
        index_env = (skein.properties.container_id or "_0").rsplit("_", 1)[1]
    index = int(index_env)
    app = skein.ApplicationClient.from_current()
    address = bytes(app.kv.wait(KV_MASTER_ADDRESS)).decode()
    secret = (Path(job_dir) / SECRET_FILE).read_text().strip()
    job_dir = _container_job_dir(job_dir, "peer")
    print(f"peer {index} of job {job_id_for(skein.properties.application_id or '')}: master {address}",
          file=sys.stderr, flush=True)
    return job_dir, index, address, secret

