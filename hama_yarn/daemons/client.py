"""Submitting to a bspmaster (``-D bsp.master.address=host:port`` or ``-r cluster``)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from ..config import HamaConfiguration
from ..errors import HamaError, JobSubmissionError, RPCError
from ..launcher.base import MasterHandle
from ..rpc.auth import new_secret
from ..rpc.client import RPCClient
from .common import cluster_secret, master_address

log = logging.getLogger(__name__)

__all__ = ["ClusterMasterHandle", "submit_cluster", "cluster_client", "pack_job_files"]


def cluster_client(conf: HamaConfiguration, timeout: float = 30.0) -> RPCClient:
    """A ``ClusterService`` connection to the bspmaster of *conf*."""
    return RPCClient(master_address(conf), "ClusterService", cluster_secret(conf), timeout=timeout, connect_timeout=10)


class ClusterMasterHandle(MasterHandle):
    """A job's master inside a bspmaster: killed through the bspmaster when it does not answer."""

    def __init__(self, job_id: str, address: str, secret: str, cluster: str, conf: HamaConfiguration,
                 ui_url: str = "") -> None:
        super().__init__(job_id, address, secret)
        self.cluster = cluster
        self.ui_url = ui_url
        self._conf = conf

    def registry_fields(self) -> dict[str, object]:
        return {"cluster": self.cluster}

    def failure_hint(self) -> str:
        return f"task logs: <hama.log.dir>/tasklogs/{self.job_id}/ on the grooms of bspmaster {self.cluster}"

    def force_kill(self) -> bool:
        try:
            with cluster_client(self._conf) as c:
                return bool(c.kill_job(self.job_id, "killed by the client"))
        except HamaError:
            return False


def submit_cluster(conf: HamaConfiguration) -> ClusterMasterHandle:
    """Send the job to the bspmaster and wait (in its FIFO queue) until its master runs.

    Raises
    ------
    JobSubmissionError
        The bspmaster refused the job, or it ended in the queue (timeout, killed).
    """
    cluster = master_address(conf)
    if not conf.get("bsp.job.name"):
        conf.set("bsp.job.name", (conf.get("bsp.work.class") or "job").rsplit(":", 1)[-1])
    secret = new_secret()
    client = cluster_client(conf)
    try:
        try:
            shipped = conf.copy()
            files = pack_job_files(shipped)
            doc: dict[str, Any] = {"conf": shipped.to_dict()}
            if files:
                doc["files"] = files
            job_id = str(client.submit_job(json.dumps(doc), secret))
        except RPCError as exc:
            raise JobSubmissionError(f"cannot submit to the bspmaster at {cluster}: {exc}") from exc
        announced = False
        try:
            while True:
                job = client.call("wait_placed", job_id, 1000, timeout=40)
                if job.state == "QUEUED":
                    if not announced:
                        print(f"Job {job_id} queued at {cluster}: waiting for {job.num_peers} free task slots",
                              file=sys.stderr, flush=True)
                        announced = True
                    continue
                if job.master_address:
                    log.info("job %s runs on %s (master %s)", job_id, job.placement, job.master_address)
                    return ClusterMasterHandle(job_id, job.master_address, secret, cluster, conf, job.ui_url or "")
                raise JobSubmissionError(f"job {job_id} {job.state}: {job.diagnostics}")
        except BaseException as exc:
            if not isinstance(exc, JobSubmissionError):
                try:
                    client.kill_job(job_id, "the client went away while the job was queued")
                except HamaError:
                    pass
            raise
    finally:
        client.close()


#: Largest compressed archive of shipped files a job may carry to the grooms.
MAX_SHIPPED_BYTES = 32 << 20


def pack_job_files(conf: HamaConfiguration) -> str:
    """Pack what the grooms' tasks need into a base64 ``tar.gz``; rewrite *conf* to the shipped names.

    Shipped: the user's ``/path/script.py:Class`` classes (rewritten to ``script.py:Class``,
    loaded from the task's working directory) and the files and directories of
    ``hama.job.files``; a groom unpacks them into each task's working directory, which is
    first on the task's ``PYTHONPATH`` (Hama shipped the job jar through the shared filesystem).

    Raises
    ------
    JobSubmissionError
        A file is missing, two files share a name, or the archive is over 32 MiB.
    """
    import base64
    import io
    import tarfile
    from pathlib import Path

    from ..plugins import CLASS_KEYS

    files: dict[str, Path] = {}

    def add(src: Path, key: str) -> str:
        if not src.exists():
            raise JobSubmissionError(f"{key}: {src} does not exist")
        if files.get(src.name, src) != src:
            raise JobSubmissionError(f"{key}: two different files are both called {src.name}")
        files[src.name] = src
        return src.name

    for key in CLASS_KEYS:
        target, sep, name = (conf.get(key) or "").rpartition(":")
        if sep and target.endswith(".py"):
            conf.set(key, f"{add(Path(target).expanduser().resolve(), key)}:{name}")
    for entry in (conf.get("hama.job.files") or "").split(","):
        if entry.strip():
            add(Path(entry.strip()).expanduser().resolve(), "hama.job.files")
    if not files:
        return ""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, src in sorted(files.items()):
            tar.add(src, arcname=name)
    if buf.tell() > MAX_SHIPPED_BYTES:
        raise JobSubmissionError(f"hama.job.files: the shipped files are {buf.tell() >> 20} MiB compressed, over "
                                 f"{MAX_SHIPPED_BYTES >> 20} MiB: put large files on the shared filesystem "
                                 "(HDFS) and read them from there")
    return base64.b64encode(buf.getvalue()).decode()


def cluster_status(conf: HamaConfiguration) -> Any:
    """The bspmaster's ``ClusterStatus`` (grooms, capacity, queue)."""
    with cluster_client(conf) as c:
        return c.get_cluster_status()


def print_grooms(conf: HamaConfiguration, as_json: bool) -> int:
    """``hama job -list-active-grooms`` against a bspmaster: one live groom per line (name first)."""
    status = cluster_status(conf)
    rows = [{"name": g.name, "host": g.host, "max_tasks": g.max_tasks, "running_tasks": g.running_tasks,
             "failures": g.failures, "last_seen_ms": g.last_seen_ms} for g in status.grooms if g.state == "ALIVE"]
    if as_json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        print(f"{r['name']}\t{r['host']}\tslots {r['max_tasks']}\trunning {r['running_tasks']}\t"
              f"failures {r['failures']}")
    return 0
