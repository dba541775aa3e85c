"""YARN mode on the edge node: stage a job, submit it with skein, hand back the application.

:func:`submit_yarn` returns a :class:`YarnApplicationHandle` (a
:class:`~hama_yarn.launcher.base.MasterHandle`); the client wraps it. Before skein
starts its Java driver, :func:`check_client_setup` checks what the driver needs (a
``yarn`` command for the Hadoop classpath, a Hadoop configuration, Java, a
reachable ResourceManager) and says in one line what is missing.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...config import HamaConfiguration
from ...errors import ConfigError, JobSubmissionError
from ...ft.amrestart import am_max_attempts
from ...registry import new_job_dir
from ...resources import data_path
from ...rpc.auth import new_secret
from ...util import write_json_atomic
from ..base import MasterHandle
from .common import (ACTIVE, ENV_DIR, FINAL, KV_AM_ATTEMPT, KV_MASTER_ADDRESS, KV_UI_ADDRESS, MASTER_ENTRY,
                     PEER_ENTRY, SECRET_FILE, SERVICE, TAG,
                     job_id_for, logs_hint)

log = logging.getLogger(__name__)

__all__ = [
    "submit_yarn", "build_spec", "YarnApplicationHandle", "skein_client", "check_client_setup", "hama_applications",
    "find_application", "job_id_of", "announce", "kill_application",
]

_client_lock = threading.Lock()
_client: Any = None
_listener: list[Callable[[str, str], None]] = []


class YarnSetupError(ConfigError):
    """The YARN client cannot be set up on this machine (exit 2: fix the environment)."""


# ------------------------------------------------------------------ client set-up
def _hadoop_conf_dir() -> str | None:
    for var in ("HADOOP_CONF_DIR", "YARN_CONF_DIR"):
        d = os.environ.get(var)
        if d and Path(d).is_dir():
            return d
    home = os.environ.get("HADOOP_HOME")
    if home and (Path(home) / "etc" / "hadoop").is_dir():
        return str(Path(home) / "etc" / "hadoop")
    return None


def _site_value(conf_dir: str, name: str) -> str | None:
    try:
        root = ET.parse(Path(conf_dir) / "yarn-site.xml").getroot()
    except (OSError, ET.ParseError):
        return None
    for prop in root.iter("property"):
        if (prop.findtext("name") or "").strip() == name:
            return (prop.findtext("value") or "").strip() or None
    return None


def rm_address(conf_dir: str) -> str:
    """The ResourceManager's client address from ``yarn-site.xml`` (Hadoop's defaults otherwise)."""
    address = _site_value(conf_dir, "yarn.resourcemanager.address")
    if not address:
        host = _site_value(conf_dir, "yarn.resourcemanager.hostname") or "0.0.0.0"
        address = f"{host}:8032"
    host, _, port = address.rpartition(":")
    return f"{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


def check_client_setup(conf: HamaConfiguration | None = None, probe_rm: bool = True) -> None:
    """Check that skein's driver can start and reach YARN; raise one clear error if not.

    ``$HADOOP_HOME/bin`` is put on ``PATH`` when ``yarn`` is not there yet.

    Raises
    ------
    YarnSetupError
        Naming what is missing (skein, ``yarn`` on PATH, a Hadoop configuration,
        Java, the ResourceManager) and how to provide it.
    """
    try:
        import skein  # noqa: F401
    except ImportError as exc:
        raise YarnSetupError("bsp.master.address", "YARN mode needs skein: pip install 'hama-yarn[yarn]'") from exc
    if shutil.which("yarn") is None:
        home = os.environ.get("HADOOP_HOME")
        if home and (Path(home) / "bin" / "yarn").exists():
            os.environ["PATH"] = f"{Path(home) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        elif home:
            raise YarnSetupError("bsp.master.address", (
                f"YARN client set-up: no `yarn` command on PATH and none in HADOOP_HOME={home} (no bin/yarn there): "
                "point HADOOP_HOME at a Hadoop installation or put a `yarn` command on PATH"))
        else:
            raise YarnSetupError("bsp.master.address", (
                "YARN client set-up: no `yarn` command on PATH (skein runs `yarn classpath --glob` to find the Hadoop "
                "jars): set HADOOP_HOME to a Hadoop installation or put its bin/ on PATH"))
    conf_dir = _hadoop_conf_dir()
    if conf_dir is None:
        named = [f"{var}={os.environ[var]}" for var in ("HADOOP_CONF_DIR", "YARN_CONF_DIR") if os.environ.get(var)]
        raise YarnSetupError("bsp.master.address", (
            "YARN client set-up: no Hadoop configuration"
            + (f" ({', '.join(named)}: not a directory)" if named else "")
            + ": set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the directory holding the cluster's yarn-site.xml and "
            "core-site.xml"))
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else shutil.which("java")
    if java is None or not Path(java).exists():
        raise YarnSetupError("bsp.master.address", (
            "YARN client set-up: no Java for skein's driver: set JAVA_HOME to a JDK (8-17) or put java on PATH"))
    if probe_rm:
        address = rm_address(conf_dir)
        timeout = conf.get_seconds("hama.client.connect.timeout.ms") if conf is not None else 20.0
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=timeout).close()
        except (OSError, ValueError) as exc:
            source = (f"yarn.resourcemanager.address in {conf_dir}/yarn-site.xml"
                      if _site_value(conf_dir, "yarn.resourcemanager.address") else
                      f"Hadoop's default: {conf_dir}/yarn-site.xml sets no yarn.resourcemanager.address")
            raise YarnSetupError("hama.client.connect.timeout.ms", (
                f"cannot reach the YARN ResourceManager at {address} ({source}) within {timeout:g}s: {exc}. Check "
                "that YARN runs and HADOOP_CONF_DIR names this cluster's configuration")) from exc


def skein_client(conf: HamaConfiguration | None = None) -> Any:
    """The process-wide ``skein.Client`` (its Java driver starts on first use).

    Raises
    ------
    YarnSetupError
        The driver's prerequisites are missing (see :func:`check_client_setup`).
    JobSubmissionError
        The driver cannot start; the message names the usual causes.
    """
    global _client
    with _client_lock:
        if _client is None:
            check_client_setup(conf)
            from .kerberos import login

            # a secured cluster: a valid ticket or a keytab, else one clear error (exit 2) before the driver starts
            creds = login(conf if conf is not None else HamaConfiguration())
            import skein

            logfile = os.environ.get("HAMA_SKEIN_DRIVER_LOG")
            try:
                _client = skein.Client(log=logfile if logfile else False,
                                       principal=creds.principal if creds else None,
                                       keytab=creds.keytab if creds else None)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001 - skein raises FileNotFoundError, CalledProcessError, ...
                raise JobSubmissionError(
                    f"cannot start or reach the skein driver ({type(exc).__name__}: {exc}). Check JAVA_HOME, "
                    f"HADOOP_CONF_DIR (now {os.environ.get('HADOOP_CONF_DIR', 'unset')}), that `yarn classpath` "
                    "works, and any http(s)_proxy variables; set HAMA_SKEIN_DRIVER_LOG=/path/driver.log for the "
                    "driver's log"
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
    job_id, job_dir = new_job_dir(conf, reserve=False)
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

    from .kerberos import file_systems

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
        file_systems=file_systems(conf),  # skein gets their delegation tokens for the containers (Kerberos)
        max_attempts=am_max_attempts(conf),  # capped by the RM's yarn.resourcemanager.am.max-attempts
        master=master,
        services={SERVICE: peer},
    )


# ------------------------------------------------------------------ submission
def submit_yarn(conf: HamaConfiguration) -> YarnApplicationHandle:
    """Stage a validated job, submit it as a skein application, wait for its master.

    The local staging directory is removed once skein has uploaded its files.

    Raises
    ------
    YarnSetupError
        The YARN client cannot be set up here (no ``yarn``, no configuration, RM unreachable).
    JobSubmissionError
        skein cannot submit, or the application ended (or timed out) before its
        master published its address.
    """
    import skein

    client = skein_client(conf)
    job_id, job_dir, secret, files = _stage(conf)
    try:
        spec = build_spec(conf, job_id, files)
        try:
            app_id = client.submit(spec)
        except skein.exceptions.SkeinError as exc:
            raise JobSubmissionError(f"YARN refused the application: {exc}") from exc
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)  # skein uploaded everything, secret included
    job_id = job_id_for(app_id)
    tracking = _tracking_url(client, app_id)
    log.info("Submitted application %s (job %s); tracking URL: %s", app_id, job_id, tracking)
    for cb in list(_listener):
        cb(app_id, tracking)
    try:
        address = _wait_master(client, app_id, conf)
    except BaseException:
        kill_application(app_id)
        raise
    handle = YarnApplicationHandle(job_id, address, secret, app_id=app_id, tracking_url=tracking)
    handle.ui_url = _ui_address(client, app_id)
    if handle.ui_url.startswith("https://"):  # direct HTTPS UI (hama.rpc.tls.enabled): the token is ours to add
        from ...web.server import ui_token

        handle.ui_url += f"t/{ui_token(secret)}/"
    handle.am_max_attempts = am_max_attempts(conf)
    handle.follow_timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms") + conf.get_seconds(
        "hama.master.start.timeout.ms")
    return handle


def _ui_address(client: Any, app_id: str) -> str:
    """The web UI's address through the RM proxy, as the master registered it ('' if it did not)."""
    try:
        value = client.connect(app_id, wait=False).kv.get(KV_UI_ADDRESS)
    except Exception:  # noqa: BLE001 - the URL is a courtesy
        return ""
    return bytes(value).decode() if value else ""


def _tracking_url(client: Any, app_id: str) -> str:
    try:
        url = str(client.application_report(app_id).tracking_url or "")
    except Exception:  # noqa: BLE001 - the URL is a courtesy
        return ""
    return url if "://" in url or not url else f"http://{url}"


def _wait_master(client: Any, app_id: str, conf: HamaConfiguration) -> str:
    timeout = conf.get_seconds("hama.yarn.allocation.timeout.ms") + conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    app = None
    state = "NEW"
    while time.monotonic() < deadline:
        report = client.application_report(app_id)
        state = str(report.state)
        if state in FINAL:
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


class YarnApplicationHandle(MasterHandle):
    """A job's master running in a YARN ApplicationMaster.

    ``force_kill`` kills the application when its master does not answer;
    ``release`` waits for the application to end (and kills it if it does not), so
    no application outlives its client unless it was detached.
    """

    def __init__(self, job_id: str, address: str, secret: str, *, app_id: str, tracking_url: str = "") -> None:
        super().__init__(job_id, address, secret, None)
        self.app_id = app_id
        self.tracking_url = tracking_url
        self.ui_url = ""
        self.am_attempt = 1
        self.am_max_attempts = 1
        self.follow_timeout = 120.0

    def reconnect(self) -> str | None:
        """The master stopped answering: the address of the next ApplicationMaster attempt's master.

        While YARN may restart the ApplicationMaster (``hama.yarn.am.max.attempts``), wait
        (up to :attr:`follow_timeout` seconds) for the master of a newer attempt to publish
        its address; None when the application ended instead, or no attempt remains.
        """
        if self.am_attempt >= self.am_max_attempts:
            return None
        client = skein_client()
        deadline = time.monotonic() + self.follow_timeout
        while time.monotonic() < deadline:
            try:
                state = str(client.application_report(self.app_id).state)
            except Exception:  # noqa: BLE001
                log.debug("application report failed", exc_info=True)
                return None
            if state in FINAL:
                return None
            if state == "RUNNING":
                try:
                    kv = client.connect(self.app_id, wait=False).kv
                    attempt, address = kv.get(KV_AM_ATTEMPT), kv.get(KV_MASTER_ADDRESS)
                except Exception:  # noqa: BLE001 - the old AM is gone, the new one starting
                    attempt = address = None
                if attempt and address and int(bytes(attempt)) > self.am_attempt:
                    self.am_attempt = int(bytes(attempt))
                    self.address = bytes(address).decode()
                    log.info("application %s: ApplicationMaster attempt %d, master at %s", self.app_id,
                             self.am_attempt, self.address)
                    return self.address
            time.sleep(0.5)
        log.warning("no new ApplicationMaster attempt of %s published its master within %.0fs", self.app_id,
                    self.follow_timeout)
        return None

    def registry_fields(self) -> dict[str, object]:
        return {"pid": os.getpid(), "app_id": self.app_id, "tracking_url": self.tracking_url, "ui_url": self.ui_url}

    def failure_hint(self) -> str:
        return logs_hint(self.app_id)

    def lost(self, diagnostics: str) -> tuple[str, str | None]:
        deadline = time.monotonic() + 15.0  # the RM learns of a dead ApplicationMaster within seconds
        try:
            report = skein_client().application_report(self.app_id)
            while str(report.state) not in FINAL and time.monotonic() < deadline:
                time.sleep(0.5)
                report = skein_client().application_report(self.app_id)
        except Exception:  # noqa: BLE001
            log.debug("application report failed", exc_info=True)
            return diagnostics, None
        text = (f"{diagnostics}; YARN application {self.app_id} is {report.state}/{report.final_status}: "
                f"{(report.diagnostics or '').strip()}")
        if str(report.state) == "FAILED":
            text = (f"the ApplicationMaster of {self.app_id} died in attempt {self.am_attempt} of "
                    f"{self.am_max_attempts} (hama.yarn.am.max.attempts={self.am_max_attempts}): {text}")
        return text, ("KILLED" if str(report.final_status) == "KILLED" else None)

    def yarn_state(self) -> str:
        """The application's YARN state (``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``, ...)."""
        return str(skein_client().application_report(self.app_id).state)

    def final_status(self) -> str:
        """The application's YARN final status (``UNDEFINED`` while it runs)."""
        return str(skein_client().application_report(self.app_id).final_status)

    def force_kill(self) -> bool:
        if self.yarn_state() in FINAL:
            return False
        return kill_application(self.app_id)

    def release(self, timeout: float = 60.0) -> None:
        client = skein_client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if str(client.application_report(self.app_id).state) in FINAL:
                return
            time.sleep(0.2)
        log.warning("application %s did not end within %.0fs after the job; killing it", self.app_id, timeout)
        kill_application(self.app_id)


def kill_application(app_id: str) -> bool:
    """Kill a YARN application; True if the request went through (failures are logged)."""
    try:
        skein_client().kill_application(app_id)
        return True
    except Exception:  # noqa: BLE001
        log.debug("killing %s failed", app_id, exc_info=True)
        return False


def hama_applications(states: tuple[str, ...] = ("SUBMITTED", "ACCEPTED", "RUNNING")) -> list[Any]:
    """YARN application reports of hama-yarn applications (tag ``hama``) in *states*."""
    reports = skein_client().get_applications(states=list(states))
    return [r for r in reports if TAG in set(r.tags or ())]


def job_id_of(report: Any) -> str:
    """The hama job id of an application report."""
    return job_id_for(str(report.id))


def find_application(ident: str, states: tuple[str, ...] = ACTIVE[2:] + FINAL) -> Any | None:
    """The report of the hama application whose app id or job id is *ident* (newest first)."""
    candidates = [r for r in hama_applications(states) if ident in (r.id, job_id_of(r))]
    return max(candidates, key=lambda r: r.start_time) if candidates else None
