"""Submitting jobs and talking to their masters (Hama's ``BSPJobClient``).

:func:`submit_job` validates the configuration, stages the job
(``${hama.tmp.dir}/staging/<job_id>/job.json``), starts the master through the
mode's launcher and returns a :class:`RunningJob` connected to it over Thrift.
Local masters record themselves in ``${hama.tmp.dir}/jobs/`` so that
``hama job -list|-status|-kill`` can find them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import HamaConfiguration, default_keys, parse_bool
from .errors import ConfigError, HamaError, JobSubmissionError, RPCError
from .rpc.auth import SECRET_ENV, new_secret
from .rpc.client import RPCClient
from .rpc.idl import counters_from_thrift
from .util import write_json_atomic

log = logging.getLogger(__name__)

__all__ = ["Counters", "RunningJob", "submit_job", "validate_conf", "registry_dir", "list_jobs", "connect_job",
           "record_final_state"]

FINISHED = ("SUCCEEDED", "FAILED", "KILLED")


class Counters:
    """Job counters by group and name (Hama's ``Counters``).

    Iterating yields ``(group, name, value)`` sorted by group then name.
    """

    def __init__(self, values: dict[tuple[str, str], int] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, group: str, name: str, default: int = 0) -> int:
        """Value of counter *group*/*name* (``default`` if absent)."""
        return self._values.get((group, name), default)

    def find(self, name: str) -> int:
        """Value of the first counter called *name* in any group (0 if none)."""
        return next((v for (g, n), v in sorted(self._values.items()) if n == name), 0)

    def groups(self) -> list[str]:
        """Group names, sorted."""
        return sorted({g for g, _ in self._values})

    def to_dict(self) -> dict[tuple[str, str], int]:
        """A copy as ``{(group, name): value}``."""
        return dict(self._values)

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        for (g, n), v in sorted(self._values.items()):
            yield g, n, v

    def __len__(self) -> int:
        return len(self._values)

    def format(self) -> str:
        """Hama's ``Counters.log`` layout: ``Counters: N``, then groups and ``NAME=value``."""
        lines = [f"Counters: {len(self._values)}"]
        for group in self.groups():
            lines.append(f"  {group}")
            lines.extend(f"    {n}={v}" for g, n, v in self if g == group)
        return "\n".join(lines)


# ----------------------------------------------------------------- validation
def validate_conf(conf: HamaConfiguration) -> None:
    """Check every typed key and plug-in name; raise :class:`ConfigError` naming the key.

    Also loads the BSP class and combiner, so a missing class fails at submit.
    """
    for key, spec in default_keys().items():
        value = conf.get(key)
        if value is None or value == "":
            continue
        kind = spec.type
        if kind.startswith("int"):
            n = conf.get_int(key)
            low = int(kind.split(":")[1]) if ":" in kind else None
            if low is not None and n < low:
                raise ConfigError(key, f"must be at least {low}, got {n}")
        elif kind == "bool":
            parse_bool(key, value)
    mode = (conf.get("bsp.master.address") or "local").strip()
    if mode not in ("local", "inline", "yarn") and ":" not in mode:
        raise ConfigError("bsp.master.address", f"expected local, inline, yarn or host:port, got {mode!r}")
    from .io.formats import input_format, output_format
    from .sync import client_class, server_class

    input_format(conf)
    output_format(conf)
    client_class(conf)
    server_class(conf)
    if conf.get_bool("hama.messenger.runtime.compression"):
        from .messaging.codec import compressor_id

        compressor_id(conf.get("hama.messenger.compression.class") or "zlib")
    from .bsp import BSP, Combiner
    from .plugins import load_object

    work = conf.get("bsp.work.class")
    if not work:
        raise ConfigError("bsp.work.class", "no BSP class set (BSPJob.set_bsp_class or hama run SCRIPT.py)")
    cls = load_object(work, "bsp.work.class")
    if not (isinstance(cls, type) and issubclass(cls, BSP)):
        raise ConfigError("bsp.work.class", f"{work} is not a BSP subclass")
    combiner = conf.get("bsp.combiner.class")
    if combiner:
        ccls = load_object(combiner, "bsp.combiner.class")
        if not (isinstance(ccls, type) and issubclass(ccls, Combiner)):
            raise ConfigError("bsp.combiner.class", f"{combiner} is not a Combiner subclass")


def _check_io(conf: HamaConfiguration) -> None:
    from .io.fs import qualify
    from .io.output import check_output_dir
    from .io.text import list_input_files

    # Qualify paths here (fs.defaultFS of the submitting machine), so the master and
    # peers, wherever they run, see the same URLs.
    if conf.get("bsp.input.dir"):
        conf.set("bsp.input.dir", ",".join(qualify(p, conf) for p in conf.get_list("bsp.input.dir")))
        list_input_files(conf)  # raises InputError for a missing path
    if conf.get("bsp.output.dir"):
        conf.set("bsp.output.dir", qualify(conf.get("bsp.output.dir") or "", conf))
    check_output_dir(conf)


# ----------------------------------------------------------------- staging
def _tmp_dir(conf: HamaConfiguration) -> Path:
    return Path(conf.get("hama.tmp.dir") or "/tmp/hama")


def registry_dir(conf: HamaConfiguration) -> Path:
    """Where local masters record themselves: ``${hama.tmp.dir}/jobs``."""
    return _tmp_dir(conf) / "jobs"


def _new_job_dir(conf: HamaConfiguration) -> tuple[str, Path]:
    staging = _tmp_dir(conf) / "staging"
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = time.strftime("%Y%m%d%H%M")
    for n in range(1, 100000):
        job_id = f"job_{stamp}_{n:04d}"
        try:
            (staging / job_id).mkdir(mode=0o700)
        except FileExistsError:
            continue
        return job_id, staging / job_id
    raise JobSubmissionError(f"cannot allocate a job id in {staging}")


# ----------------------------------------------------------------- running job
@dataclass
class _Launch:
    process: subprocess.Popen[bytes] | None = None
    thread: threading.Thread | None = None


class RunningJob:
    """A submitted job (Hama's ``RunningJob``): status, progress, counters, kill.

    Parameters
    ----------
    job_id : str
        The job's id.
    address : str
        ``host:port`` of its master.
    secret : str
        The job secret.
    """

    def __init__(self, job_id: str, address: str, secret: str, job_dir: Path | None = None,
                 launch: _Launch | None = None, rpc_timeout: float = 60.0) -> None:
        self.job_id = job_id
        self.address = address
        self.job_dir = job_dir
        self._launch = launch or _Launch()
        self._rpc = RPCClient(address, "MasterService", secret, timeout=rpc_timeout)
        self._status: Any = None
        self._lost: str = ""
        self._finished_seen: float | None = None

    # -- status ----------------------------------------------------------
    def status(self) -> Any:
        """Fetch the master's current ``JobStatus``."""
        if self._finished_status() is not None:
            return self._status
        try:
            self._status = self._rpc.get_status()
        except RPCError as exc:
            self._master_lost(exc)
        return self._status

    def _finished_status(self) -> Any:
        """The cached status once it is final: finished and settled (counters complete)."""
        s = self._status
        if s is not None and s.state in FINISHED and (s.settled or s.version == -1 or self._settle_deadline_passed()):
            return s
        return None

    def _settle_deadline_passed(self) -> bool:
        # A master that never reports settled (older, or stuck stopping peers) is not waited on forever.
        if self._finished_seen is None:
            self._finished_seen = time.monotonic()
        return time.monotonic() - self._finished_seen > 20.0

    def _master_lost(self, exc: Exception) -> None:
        code = self._launch.process.poll() if self._launch.process is not None else None
        how = f" (master process exit code {code})" if code is not None else ""
        self._lost = f"lost contact with the master at {self.address}{how}: {exc}"
        from .rpc.idl import idl

        old = self._status
        self._status = idl().JobStatus(
            job_id=self.job_id, state="FAILED", diagnostics=self._lost,
            superstep=old.superstep if old else 0, counters=old.counters if old else [], peers=old.peers if old else [],
            version=-1, job_name=old.job_name if old else "", num_peers=old.num_peers if old else 0,
        )

    def wait_change(self, timeout: float = 1.0) -> Any:
        """Long-poll the master: return as soon as the status changes, or after *timeout*."""
        if self._finished_status() is not None:
            return self._status
        version = self._status.version if self._status is not None else -1
        try:
            self._status = self._rpc.call("wait_status", version, int(timeout * 1000), timeout=timeout + 30)
        except RPCError as exc:
            self._master_lost(exc)
        return self._status

    def is_complete(self) -> bool:
        """True once the job SUCCEEDED, FAILED or was KILLED."""
        return bool(self.status().state in FINISHED)

    def is_successful(self) -> bool:
        """True if the job SUCCEEDED."""
        return bool(self.status().state == "SUCCEEDED")

    def get_state(self) -> str:
        """``PREP``, ``RUNNING``, ``SUCCEEDED``, ``FAILED`` or ``KILLED``."""
        return str(self.status().state)

    def get_superstep_count(self) -> int:
        """Supersteps completed so far (Hama's ``progress()``)."""
        return int(self.status().superstep)

    def get_counters(self) -> Counters:
        """The job's aggregated counters."""
        return Counters(counters_from_thrift(self.status().counters))

    def diagnostics(self) -> str:
        """Why the job failed: the first failing peer, its superstep, the traceback."""
        return str(self.status().diagnostics or "")

    def kill(self, reason: str = "killed by user") -> bool:
        """Ask the master to kill the job; True if it was still running."""
        try:
            return bool(self._rpc.kill_job(reason))
        except RPCError:
            return False

    def wait(self, timeout: float | None = None, on_change: Any = None) -> Any:
        """Block until the job finishes (or *timeout*); returns the final status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        status = self.status()
        while self._finished_status() is None:
            if deadline is not None and time.monotonic() >= deadline:
                break
            status = self.wait_change(1.0)
            if on_change is not None:
                on_change(status)
        return status

    def release(self) -> None:
        """Tell the master the client is done with it; clean up the staging directory."""
        try:
            self._rpc.release()
        except RPCError:
            pass
        self._rpc.close()
        if self._launch.process is not None:
            try:
                self._launch.process.wait(30)
            except subprocess.TimeoutExpired:
                self._launch.process.kill()
        if self._launch.thread is not None:
            self._launch.thread.join(30)
        if self.job_dir is not None and not parse_bool("HAMA_KEEP_STAGING", os.environ.get("HAMA_KEEP_STAGING", "false")):
            shutil.rmtree(self.job_dir, ignore_errors=True)


# ----------------------------------------------------------------- submit
def submit_job(conf: HamaConfiguration, detach: bool = False) -> RunningJob:
    """Validate, stage and start a job; return it running.

    Raises
    ------
    ConfigError
        A configuration value is malformed or names something that does not exist.
    InputError, OutputError
        The input is missing, or the output directory is not empty.
    JobSubmissionError
        The master could not be started.
    """
    conf = conf.copy()
    validate_conf(conf)
    _check_io(conf)
    mode = (conf.get("bsp.master.address") or "local").strip()
    if mode == "yarn":
        from .launcher.yarn import submit_yarn  # type: ignore[import-not-found, import-untyped, unused-ignore]

        job: RunningJob = submit_yarn(conf)
        return job
    if mode not in ("local", "inline"):
        raise ConfigError("bsp.master.address", f"connecting to a standing master at {mode} is not supported yet; use local or yarn")
    from .sync import server_class

    server_class(conf).preflight(conf)  # the master runs here: an unreachable sync service fails now
    job_id, job_dir = _new_job_dir(conf)
    if not conf.get("bsp.job.name"):
        conf.set("bsp.job.name", (conf.get("bsp.work.class") or job_id).rsplit(":", 1)[-1])
    secret = new_secret()
    write_json_atomic(job_dir / "job.json", {"job_id": job_id, "conf": conf.to_dict()})
    launch = _start_master(conf, job_dir, secret, mode, detach)
    address = _wait_for_master(conf, job_dir, launch)
    _register(conf, job_id, address, secret, launch)
    log.info("Running job: %s", job_id)
    return RunningJob(job_id, address, secret, job_dir, launch, conf.get_seconds("hama.rpc.timeout.ms"))


def _start_master(conf: HamaConfiguration, job_dir: Path, secret: str, mode: str, detach: bool = False) -> _Launch:
    if mode == "inline":
        from .launcher.inline import InlinePeerLauncher
        from .master.server import Master
        from .util import write_json_atomic as publish_json

        master = Master(
            str(job_dir), secret, lambda on_exit: InlinePeerLauncher(on_exit, str(job_dir), secret),
            publish=lambda addr: publish_json(job_dir / "master.json", {"address": addr, "pid": os.getpid()}),
        )
        thread = threading.Thread(target=master.run, kwargs={"linger": 5.0}, name=f"master-{job_dir.name}", daemon=True)
        thread.start()
        return _Launch(thread=thread)
    from .launcher.local import python_command

    env = dict(os.environ)
    env[SECRET_ENV] = secret
    cmd = python_command(conf.get("hama.peer.python") or None, "appmaster") + ["--job-dir", str(job_dir)]
    # A session of its own: Ctrl-C in the terminal reaches only the client, which kills the job.
    # Detached, the master (and its peers) log to <job dir>/master.log, so the client's
    # output stream closes as soon as it prints the job id.
    log_file = open(job_dir / "master.log", "ab") if detach else None  # noqa: SIM115
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                start_new_session=True)
    finally:
        if log_file is not None:
            log_file.close()
    return _Launch(process=proc)


def _wait_for_master(conf: HamaConfiguration, job_dir: Path, launch: _Launch) -> str:
    timeout = conf.get_seconds("hama.master.start.timeout.ms")
    deadline = time.monotonic() + timeout
    path = job_dir / "master.json"
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return str(json.loads(path.read_text())["address"])
            except (ValueError, KeyError, OSError):
                pass
        if launch.process is not None and launch.process.poll() is not None:
            raise JobSubmissionError(f"the master process exited with code {launch.process.returncode} before it started")
        if launch.thread is not None and not launch.thread.is_alive():
            raise JobSubmissionError("the inline master ended before it started")
        time.sleep(0.01)
    if launch.process is not None:
        launch.process.kill()
    raise JobSubmissionError(f"the master did not start within {timeout:g}s (hama.master.start.timeout.ms)")


def _register(conf: HamaConfiguration, job_id: str, address: str, secret: str, launch: _Launch) -> None:
    reg = registry_dir(conf)
    reg.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_json_atomic(reg / f"{job_id}.json", {
        "job_id": job_id, "address": address, "secret": secret, "name": conf.get("bsp.job.name"),
        "pid": launch.process.pid if launch.process else os.getpid(), "submitted": time.time(),
    })


def record_final_state(conf: HamaConfiguration, job_id: str, state: str, superstep: int) -> None:
    """Note a job's final state in the local registry (``hama job -list all``); best effort."""
    path = registry_dir(conf) / f"{job_id}.json"
    try:
        if path.exists():
            entry = json.loads(path.read_text())
            entry.update(final_state=state, superstep=superstep, finished=time.time())
            write_json_atomic(path, entry)
    except (OSError, ValueError):
        log.debug("cannot update the job registry", exc_info=True)


def list_jobs(conf: HamaConfiguration) -> list[dict[str, Any]]:
    """Registry entries of local jobs, newest first (each with ``job_id``, ``address``, ``secret``)."""
    reg = registry_dir(conf)
    out = []
    for p in sorted(reg.glob("job_*.json")) if reg.is_dir() else []:
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, ValueError):
            continue
    return sorted(out, key=lambda e: e.get("submitted", 0), reverse=True)


def connect_job(conf: HamaConfiguration, job_id: str) -> RunningJob:
    """A :class:`RunningJob` for a job in the local registry.

    Raises
    ------
    HamaError
        ``Could not find job <id>`` when it is not registered.
    """
    for entry in list_jobs(conf):
        if entry.get("job_id") == job_id:
            return RunningJob(job_id, entry["address"], entry["secret"], rpc_timeout=10.0)
    raise HamaError(f"Could not find job {job_id}")
