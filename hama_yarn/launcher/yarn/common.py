"""Names shared by every place YARN-mode code runs (edge node, AM, containers)."""

from __future__ import annotations

import os
import socket
import sys

__all__ = [
    "KV_MASTER_ADDRESS", "KV_UI_ADDRESS", "KV_AM_ATTEMPT", "SERVICE", "TAG", "SECRET_FILE", "TASK_INDEX_ENV", "ATTEMPT_ENV",
    "MASTER_ENTRY", "PEER_ENTRY",
    "ENV_DIR", "ACTIVE", "FINAL", "job_id_for", "logs_hint", "banner", "add_workdir_to_path",
]

#: skein key-value store key holding the master's ``host:port``.
KV_MASTER_ADDRESS = "hama.master.address"
#: skein key-value store key holding the ApplicationMaster attempt of the published master (``1``, ``2``, ...).
KV_AM_ATTEMPT = "hama.am.attempt"
#: skein key-value store key holding the web UI's address through the RM proxy.
KV_UI_ADDRESS = "hama.ui.address"
#: Name of the skein service whose containers run the peers.
SERVICE = "peer"
#: Tag on every hama-yarn application (``hama-job:<job id>`` is added per job).
TAG = "hama"
#: File name of the job secret inside each container.
SECRET_FILE = "hama-secret"
#: Environment variable carrying a peer container's task index.
TASK_INDEX_ENV = "HAMA_TASK_INDEX"
#: Environment variable carrying the job attempt a peer container was started for (fault tolerance).
ATTEMPT_ENV = "HAMA_TASK_ATTEMPT"
#: Files of the two thin entry points inside the containers.
MASTER_ENTRY, PEER_ENTRY = "hama_appmaster.py", "hama_container.py"
#: Directory an ``hama.yarn.environment`` archive is unpacked to.
ENV_DIR = "environment"
#: YARN application states before and after the end.
ACTIVE = ("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")
FINAL = ("FINISHED", "FAILED", "KILLED")


def job_id_for(app_id: str) -> str:
    """The job id of the application: ``application_<cluster ts>_<n>`` -> ``job_<cluster ts>_<n>``.

    As MapReduce does, the job id mirrors the application id, so it is unique on the
    cluster and the master and every peer derive the same one.
    """
    return "job_" + app_id.split("_", 1)[1] if app_id.startswith("application_") else app_id


def logs_hint(app_id: str) -> str:
    """The ``yarn logs`` command that shows an application's container logs."""
    return f"Container logs: yarn logs -applicationId {app_id}"


def banner(role: str) -> None:
    """One line on stderr naming the process, its interpreter and working directory."""
    from ... import __version__

    print(f"hama-yarn {__version__} {role} on {socket.gethostname()}: python {sys.executable} "
          f"({sys.version.split()[0]}), cwd {os.getcwd()}", file=sys.stderr, flush=True)


def add_workdir_to_path() -> None:
    """Put the container's working directory first on ``sys.path``.

    YARN localizes every shipped file (``hama.yarn.files``, the user's script) as a
    link in the working directory, each into a cache directory of its own, so the
    working directory is the one place where they are siblings and importable.
    """
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
