"""Submitting jobs and talking to their masters (Hama's ``BSPJobClient``).

:func:`submit_job` validates the configuration, stages the job
(``${hama.tmp.dir}/staging/<job_id>/job.json``), starts the master through the
mode's launcher and returns a :class:`RunningJob` connected to it over Thrift.
Every job is recorded in the registry (:mod:`hama_yarn.registry`) so that
``hama job -list|-status|-kill`` can find it, also after it ended.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import registry
from .config import HamaConfiguration, default_keys
from .errors import ConfigError, HamaError, RPCError
from .plugins import CLASS_KEYS
from .launcher.base import MasterHandle
from .registry import FINISHED, list_jobs, record_final_state, registry_dir
from .rpc.auth import new_secret
from .rpc.client import RPCClient
from .rpc.idl import counters_from_thrift
from .util import refuse_nested_submit, write_json_atomic

if TYPE_CHECKING:
    from .launcher.local import PendingMaster

log = logging.getLogger(__name__)

__all__ = ["Counters", "RunningJob", "submit_job", "validate_conf", "registry_dir", "list_jobs", "connect_job",
           "record_final_state", "FINISHED"]


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
        conf.check_layers(key, spec.type)  # every layer: a malformed value overridden later still fails
    mode = (conf.get("bsp.master.address") or "local").strip()
    if mode not in ("local", "inline", "yarn", "cluster") and ":" not in mode:
        raise ConfigError("bsp.master.address", f"expected local, inline, yarn, cluster or host:port, got {mode!r}")
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
    if not conf.get("bsp.input.dir") and not conf.get("bsp.output.dir"):
        return  # no I/O: the filesystems (fsspec) stay unloaded
    from .io.fs import qualify
    from .io.output import check_output_dir

    # Qualify paths here (fs.defaultFS of the submitting machine), so the master and
    # peers, wherever they run, see the same URLs.
    if conf.get("bsp.input.dir"):
        from .io.splits import list_input_files  # lazy: a job with only an output needs no input formats

        conf.set("bsp.input.dir", ",".join(qualify(p, conf) for p in conf.get_list("bsp.input.dir")))
        list_input_files(conf)  # raises InputError for a missing path
    if conf.get("bsp.output.dir"):
        conf.set("bsp.output.dir", qualify(conf.get("bsp.output.dir") or "", conf))
    check_output_dir(conf)


# ----------------------------------------------------------------- running job
class RunningJob:
    """A submitted job (Hama's ``RunningJob``): status, progress, counters, kill.

    Parameters
    ----------
    handle : MasterHandle
        What the launcher handed back: the job id, the master's address, the secret,
        and how to end what it started.
    rpc_timeout : float
        Seconds an RPC to the master may take.
    failure_note : str
        What a failed job may leave behind (the output format's note, e.g. HBase's rows that stay);
        added to the diagnostics of a FAILED job.
    """

    def __init__(self, handle: MasterHandle, rpc_timeout: float = 60.0, failure_note: str = "") -> None:
        self.handle = handle
        self.failure_note = failure_note
        self.job_id = handle.job_id
        self.address = handle.address
        self.job_dir = handle.job_dir
        self._rpc_timeout = rpc_timeout
        self._rpc = RPCClient(handle.address, "MasterService", handle.secret, timeout=rpc_timeout)
        #: The configuration of the job's registry entry (updated when the master moves), if known.
        self.registry_conf: HamaConfiguration | None = None
        self._status: Any = None
        self._lost: str = ""
        self._finished_seen: float | None = None
        #: The generated TLS files of the job, removed by :meth:`release` (hama.rpc.tls.enabled).
        self.tls_dir = ""

    @property
    def app_id(self) -> str:
        """The YARN application id ('' for local jobs)."""
        return str(getattr(self.handle, "app_id", ""))

    @property
    def tracking_url(self) -> str:
        """The YARN tracking URL ('' for local jobs)."""
        return str(getattr(self.handle, "tracking_url", ""))

    @property
    def ui_url(self) -> str:
        """The job's web UI: through the YARN RM proxy, or the local master's URL with its token ('' if none)."""
        return str(getattr(self.handle, "ui_url", "") or "")

    # -- status ----------------------------------------------------------
    def status(self) -> Any:
        """Fetch the master's current ``JobStatus``."""
        if self._finished_status() is not None:
            return self._status
        try:
            self._status = self._rpc.get_status()
        except RPCError as exc:
            if not self._follow():
                self._master_lost(exc)
        return self._with_hint(self._status)

    def _with_hint(self, status: Any) -> Any:
        if status is None or status.state != "FAILED":
            return status
        for hint in (self.handle.failure_hint(), self.failure_note):
            if hint and hint not in (status.diagnostics or ""):
                status.diagnostics = f"{status.diagnostics or ''}\n{hint}".strip()
        return status

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

    def _follow(self) -> bool:
        """The master stopped answering: connect to its successor (a restarted YARN ApplicationMaster's)."""
        address = self.handle.reconnect()
        if not address:
            return False
        log.warning("job %s: the master at %s is gone; following its successor at %s", self.job_id, self.address,
                    address)
        self._rpc.close()
        self._rpc = RPCClient(address, "MasterService", self.handle.secret, timeout=self._rpc_timeout)
        self.address = address
        if self.registry_conf is not None:
            registry.note(self.registry_conf, self.job_id, address=address)
        return True

    def _master_lost(self, exc: Exception) -> None:
        ended = self.handle.exit_description()
        how = f" ({ended})" if ended else ""
        self._lost, state = self.handle.lost(f"lost contact with the master at {self.address}{how}: {exc}")
        from .rpc.idl import idl

        old = self._status
        self._status = idl().JobStatus(
            job_id=self.job_id, state=state or "FAILED", diagnostics=self._lost,
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
            if not self._follow():
                self._master_lost(exc)
        return self._with_hint(self._status)

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
        """Ask the master to kill the job; True if it was still running.

        When the master does not answer, what the launcher started is killed instead
        (the YARN application, the local master process).
        """
        try:
            return bool(self._rpc.kill_job(reason))
        except RPCError:
            return self.handle.force_kill()

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
        """Tell the master the client is done with it; wait for the launch to end, clean up staging."""
        try:
            self._rpc.release()
        except RPCError:
            pass
        self._rpc.close()
        self.handle.release()
        if self.tls_dir:  # the job's generated TLS files (hama.rpc.tls.enabled)
            from .rpc import tls

            tls.uninstall(self.handle.secret)
            tls.remove_dir(self.tls_dir)

    def close(self) -> None:
        """Drop the connection without releasing the master (it keeps serving other clients)."""
        self._rpc.close()


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
    refuse_nested_submit()
    conf = conf.copy()
    early = _fork_master_early(conf)  # a local master imports its modules while this process validates
    try:
        return _submit(conf, detach, early)
    finally:
        if early is not None:
            early.cancel()  # not started (the submission failed): the child goes


def _fork_master_early(conf: HamaConfiguration) -> PendingMaster | None:
    """Local mode: fork the master now (:func:`~hama_yarn.launcher.local.fork_master_early`)."""
    if (conf.get("bsp.master.address") or "local").strip() != "local":
        return None
    from .entry import master_main, warm_master
    from .launcher.local import fork_master_early

    return fork_master_early(conf, master_main, warm_master)


def _submit(conf: HamaConfiguration, detach: bool, early: PendingMaster | None) -> RunningJob:
    validate_conf(conf)
    from .web.snapshot import record_sources

    record_sources(conf)  # the web UI's configuration page shows where each key came from
    if (conf.get("bsp.master.address") or "").strip() == "yarn":
        from .launcher.yarn.kerberos import login

        login(conf)  # a Kerberos cluster: a ticket or --keytab, else exit 2 before HDFS or YARN is contacted
    _check_io(conf)
    make_classes_importable(conf)
    registry.clean_stale_staging(conf)
    from .rpc import tls

    tls_files = tls.prepare(conf, registry.tmp_dir(conf))  # None unless hama.rpc.tls.enabled
    from .sync import settle_conf

    settle_conf(conf)  # zookeeper sync: hama.zookeeper.acl=auto -> sasl (a Kerberos login to the quorum) or digest
    mode = (conf.get("bsp.master.address") or "local").strip()
    handle: MasterHandle
    if mode == "yarn":
        from .launcher.yarn.submit import submit_yarn

        handle = submit_yarn(conf)
    elif mode in ("local", "inline"):
        from .sync import server_class

        server_class(conf).preflight(conf)  # the master runs here: an unreachable sync service fails now
        handle = _start_local(conf, mode, detach, early if mode == "local" else None)
    else:  # a bspmaster (hama_yarn/daemons): host:port, or "cluster" for bsp.master.hostname:port
        from .daemons.client import submit_cluster

        handle = submit_cluster(conf)
    tls_fields: dict[str, Any] = {}
    if tls_files is not None:
        tls.install(handle.secret, tls_files)
        tls_fields["tls"] = {"cert": tls_files.cert, "key": tls_files.key, "ca": tls_files.ca}
    registry.register(conf, handle.job_id, address=handle.address, secret=handle.secret,
                      name=conf.get("bsp.job.name"), client_pid=None if detach else os.getpid(),
                      **handle.registry_fields(), **tls_fields)
    if not getattr(handle, "ui_url", ""):  # a local master noted its UI in the registry entry
        setattr(handle, "ui_url", (registry.find_job(conf, handle.job_id) or {}).get("ui_url", ""))  # noqa: B010
    log.info("Running job: %s", handle.job_id)
    from .io.formats import output_format

    job = RunningJob(handle, conf.get_seconds("hama.rpc.timeout.ms"), output_format(conf).failure_note(conf))
    job.registry_conf = conf
    if not detach:
        job.tls_dir = tls.generated_dir(conf)
    return job


def _start_local(conf: HamaConfiguration, mode: str, detach: bool, early: PendingMaster | None = None) -> MasterHandle:
    job_id, job_dir = registry.new_job_dir(conf)
    try:
        if not conf.get("bsp.job.name"):
            conf.set("bsp.job.name", (conf.get("bsp.work.class") or job_id).rsplit(":", 1)[-1])
        secret = new_secret()
        from .rpc.tls import install_from_conf

        install_from_conf(conf, secret)  # before the master starts: inline peers connect at once
        write_json_atomic(job_dir / "job.json", {"job_id": job_id, "conf": conf.to_dict()})
        if mode == "inline":
            from .launcher.inline import start_inline_master

            return start_inline_master(conf, job_id, job_dir, secret)
        from .entry import master_main
        from .launcher.local import start_local_master

        # The master is forked from this process when it can be (hama.local.master.fork).
        return start_local_master(conf, job_id, job_dir, secret,
                                  registry.master_log_path(conf, job_id) if detach else None, fork_main=master_main,
                                  early=early)
    except BaseException:
        import shutil

        shutil.rmtree(job_dir, ignore_errors=True)
        record_final_state(conf, job_id, "FAILED", 0, diagnostics="the master did not start")
        raise




def _installed(path: Path) -> bool:
    import site
    import sysconfig

    roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.update(site.getsitepackages())
    roots.add(site.getusersitepackages())
    return any(path.is_relative_to(Path(r).resolve()) for r in roots if r)


def make_classes_importable(conf: HamaConfiguration) -> None:
    """Make the user's classes loadable where peers run, as ``hama run`` does with its script.

    A class named ``module:Class`` whose module is the user's own (not installed) is
    rewritten to ``/path/module.py:Class`` (a single-file module: shipped and loaded
    as a script), or its package directory is added to ``hama.job.python.path``
    (local modes) or shipped: ``hama.yarn.files`` (YARN, localized into every container),
    ``hama.job.files`` (a bspmaster's grooms unpack it into every task's directory).

    Raises
    ------
    ConfigError
        A class defined in ``__main__`` of an interactive session: no other process can load it.
    """
    import importlib.util

    mode = (conf.get("bsp.master.address") or "local").strip()
    for key in CLASS_KEYS:
        value = conf.get(key) or ""
        target, sep, name = value.rpartition(":")
        if not sep or not target or target.endswith(".py") or os.sep in target:
            continue
        if target == "__main__":
            raise ConfigError(key, (
                f"{name} is defined in __main__ of an interactive session, which peers cannot import: "
                "define it in a .py file (run as a script or imported as a module)"))
        top = target.split(".")[0]
        if top == "hama_yarn":
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        origin = Path(locations[0] if locations else (spec.origin or "")).resolve()
        if not spec.origin and not locations or _installed(origin):
            continue
        if not locations and origin.suffix == ".py" and "." not in target:
            conf.set(key, f"{origin}:{name}")
            continue
        if not locations:
            continue  # an extension module: it must be installed where peers run
        if mode not in ("local", "inline"):  # shipped: localized by YARN, unpacked by the grooms
            ship = "hama.yarn.files" if mode == "yarn" else "hama.job.files"
            files = [f for f in (conf.get(ship) or "").split(",") if f.strip()]
            if str(origin) not in files:
                conf.set(ship, ",".join([*files, str(origin)]))
        else:
            paths = [p for p in (conf.get("hama.job.python.path") or "").split(",") if p.strip()]
            if str(origin.parent) not in paths:
                conf.set("hama.job.python.path", ",".join([*paths, str(origin.parent)]))


def record_job_end(conf: HamaConfiguration, job: RunningJob) -> None:
    """Record a finished job's final state, supersteps, counters and diagnostics in the registry."""
    status = job.status()
    if status is None or status.state not in FINISHED:
        return
    counters = [[g, n, v] for g, n, v in job.get_counters()]
    record_final_state(conf, job.job_id, str(status.state), int(status.superstep), counters,
                       str(status.diagnostics or ""), str(getattr(status, "user", "") or ""))


def connect_job(conf: HamaConfiguration, job_id: str) -> RunningJob:
    """A :class:`RunningJob` for a job in the registry (found by job id or YARN application id).

    Raises
    ------
    HamaError
        ``Could not find job <id>`` when it is not registered.
    """
    entry = registry.find_job(conf, job_id)
    if entry is None or not entry.get("address"):
        raise HamaError(f"Could not find job {job_id}")
    handle = MasterHandle(str(entry["job_id"]), str(entry["address"]), str(entry["secret"]))
    tls_entry = entry.get("tls")
    if isinstance(tls_entry, dict) and Path(str(tls_entry.get("key", ""))).is_file():
        from .rpc import tls

        tls.install(handle.secret, tls.TLSFiles(str(tls_entry["cert"]), str(tls_entry["key"]), str(tls_entry["ca"])))
    setattr(handle, "ui_url", entry.get("ui_url") or "")  # noqa: B010
    return RunningJob(handle, rpc_timeout=10.0)
