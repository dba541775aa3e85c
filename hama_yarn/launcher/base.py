"""The peer-launcher interface the master uses."""

from __future__ import annotations

import abc
import signal
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PeerLauncher", "PeerExit", "describe_returncode"]


@dataclass(frozen=True)
class PeerExit:
    """A peer process ended."""

    index: int
    returncode: int
    description: str


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

    def __init__(self, on_exit: Callable[[PeerExit], None]) -> None:
        self.on_exit = on_exit

    @abc.abstractmethod
    def launch(self, indexes: tuple[int, ...], master_address: str) -> None:
        """Start the peers with these task indexes, pointing them at the master."""

    @abc.abstractmethod
    def stop(self, grace: float) -> None:
        """Stop peers still running: ask first, force after *grace* seconds."""

    def close(self) -> None:
        """Release resources; peers must be gone."""
