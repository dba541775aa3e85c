"""The peer-launcher interface the master uses."""

from __future__ import annotations

import abc
import signal
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PeerLauncher", "PeerExit", "MasterHandle", "describe_returncode"]


@dataclass(frozen=True)
class PeerExit:
    """A peer process ended."""

    index: int
    returncode: int
    description: str
    attempt: int = 0  # the job attempt the process belonged to (fault tolerance)


def describe_returncode(code: int) -> str:
    """``exit code 3`` or ``killed by signal SIGKILL`` (negative codes are signals)."""
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class PeerLauncher(abc.ABC):
    """Starts, watches and stops a job's peers.

    Parameters
    ----------
    on_exit : callable
        Called (from any thread) with a :class:`PeerExit` whenever a peer ends.
    """

    #: True when :meth:`replace` works (fault tolerance needs it).
    supports_replace: bool = False

    def __init__(self, on_exit: Callable[[PeerExit], None]) -> None:
        self.on_exit = on_exit

    @abc.abstractmethod
    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        """Start the peers with these task indexes, pointing them at the master."""

    def replace(self, indexes: tuple[int, ...], master_address: str, attempt: int,
                prepare: Callable[[], None] | None = None) -> None:
        """Recovery: end these peers at once, call *prepare*, start them again for job attempt *attempt*.

        Exits of the new processes are reported with ``PeerExit.attempt == attempt``;
        *prepare* runs once every old process is gone.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot replace peers")

    @abc.abstractmethod
    def stop(self, grace: float) -> None:
        """Stop peers still running: ask first, force after *grace* seconds."""

    def close(self) -> None:
        """Release resources; peers must be gone."""


class MasterHandle:
    """What a launcher hands back for a master it started: where it is, and how to end it.

    The client wraps a handle in its ``RunningJob``; launchers never import the client.
    This base is a master that is reached only over RPC (e.g. found in the registry).

    Parameters
    ----------
    job_id : str
        The job's id.
    address : str
        ``host:port`` of the master.
    secret : str
        The job secret.
    job_dir : str, optional
        The local staging directory, removed by :meth:`release`.
    """

    def __init__(self, job_id: str, address: str, secret: str, job_dir: str | None = None) -> None:
        self.job_id = job_id
        self.address = address
        self.secret = secret
        self.job_dir = job_dir

    def registry_fields(self) -> dict[str, object]:
        """Extra fields of the job's registry entry (``pid``, ``app_id``, ...)."""
        return {}

    def exit_description(self) -> str:
        """How the master's process ended (empty while it runs, or when unknown)."""
        return ""

    def reconnect(self) -> str | None:
        """The master stopped answering: the address of its successor (a restarted master), or None.

        Sets :attr:`address` when it returns one; may wait for the successor to start.
        """
        return None

    def lost(self, diagnostics: str) -> tuple[str, str | None]:
        """The master stopped answering: ``(diagnostics, state override or None)``."""
        return diagnostics, None

    def failure_hint(self) -> str:
        """A line to append to a failed job's diagnostics (where to find logs)."""
        return ""

    def force_kill(self) -> bool:
        """Kill the job without its master (it does not answer); True if something was killed."""
        return False

    def release(self, timeout: float = 60.0) -> None:
        """The client is done: wait for what it started to end, remove the staging directory."""
        self.remove_staging()

    def remove_staging(self) -> None:
        """Remove the staging directory (it holds the job secret), unless ``HAMA_KEEP_STAGING`` is true."""
        import os
        import shutil

        if self.job_dir and os.environ.get("HAMA_KEEP_STAGING", "false").strip().lower() != "true":
            shutil.rmtree(self.job_dir, ignore_errors=True)
