"""YARN mode in a peer container: where this peer is, and its job file."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ...util import write_json_atomic
from .common import KV_MASTER_ADDRESS, SECRET_FILE, TASK_INDEX_ENV, add_workdir_to_path, banner, job_id_for

__all__ = ["yarn_peer_context", "container_job_dir"]


def container_job_dir(job_dir: str, role: str) -> str:
    """Copy job.json with the cluster-wide job id (and this node's host for peers) into ./hama-<role>-job."""
    import skein

    from ...peer.main import load_job

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


    banner("peer")
    add_workdir_to_path()
    index_env = os.environ.get(TASK_INDEX_ENV)
    if index_env is None:
        index_env = (skein.properties.container_id or "_0").rsplit("_", 1)[1]
    index = int(index_env)
    app = skein.ApplicationClient.from_current()
    address = bytes(app.kv.wait(KV_MASTER_ADDRESS)).decode()
    secret = (Path(job_dir) / SECRET_FILE).read_text().strip()
    job_dir = container_job_dir(job_dir, "peer")
    print(f"peer {index} of job {job_id_for(skein.properties.application_id or '')}: master {address}",
          file=sys.stderr, flush=True)
    return job_dir, index, address, secret
